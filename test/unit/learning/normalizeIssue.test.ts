import { strict as assert } from 'node:assert';
import { normalizeIssue } from '../../../src/core/learning/agentLearningSystem';

describe('normalizeIssue', () => {
  it('treats the same mistake on another file, line, count or id as the same pitfall', () => {
    assert.equal(normalizeIssue('Timeout after 3000ms reading src/auth/login.ts'), 'Timeout after <n>ms reading <path>');
    assert.equal(normalizeIssue('Timeout after 12.5ms reading C:\\work\\app\\index.ts'), 'Timeout after <n>ms reading <path>');
    assert.equal(normalizeIssue('Cannot find module ./db'), 'Cannot find module <path>');
    assert.equal(normalizeIssue('Session 3f2b8c1e-9a7d-4c2e-8b1a-0f9e8d7c6b5a   expired'), 'Session <id> expired');
  });

  it('keeps ordinary words that contain a slash', () => {
    assert.equal(normalizeIssue('Read and/or write failed'), 'Read and/or write failed');
  });
});
