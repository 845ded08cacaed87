import { strict as assert } from 'node:assert';
import { FindingLocationSchema, handoffIdOf, patternIdOf, sessionIdOf } from '../../../src/vscode/commandArgs';
import { parseOrchestrateArgs } from '../../../src/vscode/orchestrateArgs';

describe('command arguments', () => {
  it('takes the explicit flags of Orchestrate Request, defaulting to a dry run without commands', () => {
    assert.equal(parseOrchestrateArgs(undefined), null, 'no arguments: the pickers ask');
    assert.deepEqual(parseOrchestrateArgs({ request: '  Fix auth ' }), { request: 'Fix auth', apply: false, allowCommands: false });
    assert.deepEqual(parseOrchestrateArgs({ request: 'x', apply: true, allowCommands: true, agents: ['security-auditor'] }), {
      request: 'x', apply: true, allowCommands: true, agents: ['security-auditor'],
    });
  });

  it('rejects malformed arguments naming the field (anything can call a command)', () => {
    assert.throws(() => parseOrchestrateArgs({ request: '' }), /request/);
    assert.throws(() => parseOrchestrateArgs({ request: 'x', apply: 'yes' }), /apply/);
    assert.throws(() => parseOrchestrateArgs({ request: 'x', allowComands: true }), /allowComands/);
  });

  it('finds the id in a tree item, an object or a string', () => {
    assert.equal(sessionIdOf('s1'), 's1');
    assert.equal(sessionIdOf({ sessionId: 's2' }), 's2');
    class Item {
      get patternId(): string {
        return 'p1';
      }
    }
    assert.equal(patternIdOf(new Item()), 'p1', 'getters of tree item classes count');
    assert.equal(handoffIdOf({ handoff: { id: 'h1' } }), 'h1');
    assert.equal(handoffIdOf({ handoffId: 'h2' }), 'h2');
    assert.equal(sessionIdOf({}), undefined);
    assert.equal(sessionIdOf(42), undefined);
  });

  it('validates a finding location, column defaulting to 1', () => {
    assert.deepEqual(FindingLocationSchema.parse({ file: 'src/a.ts', line: 3 }), { file: 'src/a.ts', line: 3, column: 1 });
    assert.equal(FindingLocationSchema.safeParse({ file: 'src/a.ts', line: 0 }).success, false);
  });
});
