import { strict as assert } from 'node:assert';
import { diagnosticLevelOf, diagnosticMessageOf, findingRange } from '../../../src/core/logging/diagnosticMapping';
import { tenantFinding } from './sampleRun';

describe('findings as diagnostics', () => {
  it('maps severities: critical/high error, medium warning, low information, info hint', () => {
    assert.deepEqual(
      (['critical', 'high', 'medium', 'low', 'info'] as const).map(diagnosticLevelOf),
      ['error', 'error', 'warning', 'information', 'hint'],
    );
  });

  it('turns 1-based line/column into a 0-based range', () => {
    assert.deepEqual(findingRange(tenantFinding), { startLine: 30, startCharacter: 21, endLine: 30, endCharacter: 38 });
  });

  it('runs to the end of the line without an end, or with an end before the start', () => {
    assert.deepEqual(findingRange({ line: 5, column: 3 }), { startLine: 4, startCharacter: 2, endLine: 4, endCharacter: 'endOfLine' });
    assert.deepEqual(findingRange({ line: 5, column: 9, endLine: 5, endColumn: 2 }), { startLine: 4, startCharacter: 8, endLine: 4, endCharacter: 'endOfLine' });
    assert.deepEqual(findingRange({ line: 5, column: 9, endLine: 7, endColumn: 1 }), { startLine: 4, startCharacter: 8, endLine: 6, endCharacter: 0 });
  });
});

describe('the message of a finding in Problems', () => {
  it('is what was found, then what to do when the agent said it', () => {
    assert.equal(diagnosticMessageOf({ message: 'Query without tenant filter', recommendation: '' }), 'Query without tenant filter');
    assert.equal(diagnosticMessageOf({ message: 'Query without tenant filter', recommendation: 'Filter by organizationId' }), 'Query without tenant filter\nFix: Filter by organizationId');
  });
});
