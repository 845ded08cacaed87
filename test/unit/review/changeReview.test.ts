import { strict as assert } from 'node:assert';
import type { ChangeView } from '../../../src/core/logging/runState';
import { unifiedDiff } from '../../../src/core/orchestrator/unifiedDiff';
import { contentHash, proposedContentFor, selectChanges } from '../../../src/core/review/changeReview';
import { maskSecrets } from '../../../src/core/security/secretMasking';

/** A change as agentContext records it: the diff from masked text, the hashes from the real one. */
function changeOf(before: string | null, after: string, id = '1'): ChangeView {
  return {
    id, agent: 'fixer', file: 'src/a.ts', applied: false, findingIds: ['f1'], review: null,
    diff: unifiedDiff('src/a.ts', maskSecrets(before ?? ''), maskSecrets(after)),
    baseHash: before === null ? null : contentHash(before), proposedHash: contentHash(after),
  };
}

const SECRET_LINE = "const jwtSecret = 'q8Zr1Lx0PwT7vNc3';";

describe('reviewing a proposed change', () => {
  it('writes exactly the proposed content, keeping real secrets in the lines around the change', () => {
    const before = `${SECRET_LINE}\nconst a = 1;\nconst b = 2;\n`;
    const after = `${SECRET_LINE}\nconst a = 1;\nconst b = 3;\n`;
    const change = changeOf(before, after);
    assert.match(change.diff, /masked/, 'the recorded diff hides the secret');
    const result = proposedContentFor(change, before);
    assert.deepEqual(result, { ok: true, content: after });
  });

  it('creates a file the change adds', () => {
    assert.deepEqual(proposedContentFor(changeOf(null, 'export const x = 1;\n'), null), { ok: true, content: 'export const x = 1;\n' });
  });

  it('refuses a file that changed since the run, naming it', () => {
    const result = proposedContentFor(changeOf('a\nb\n', 'a\nc\n'), 'a\nb\nmore\n');
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.reason === 'changed' && /^src\/a\.ts changed since the run/.test(result.message));
  });

  it('refuses a change that replaces a line holding a masked secret rather than write the mask', () => {
    const before = `${SECRET_LINE}\n`;
    const after = "const jwtSecret = 'q8Zr1Lx0PwT7vNc3' + suffix;\n";
    const result = proposedContentFor(changeOf(before, after), before);
    assert.ok(!result.ok && result.reason === 'masked', JSON.stringify(result));
  });

  it('refuses a change of a session recorded before hashes were kept, saying to re-run', () => {
    const { baseHash: _b, proposedHash: _p, ...old } = changeOf('a\n', 'b\n');
    const result = proposedContentFor(old, 'a\n');
    assert.ok(!result.ok && result.reason === 'no-hashes' && /Re-run the request/.test(result.message));
  });

  it('says when the file already has the proposed content', () => {
    const result = proposedContentFor(changeOf('a\n', 'b\n'), 'b\n');
    assert.ok(!result.ok && result.reason === 'already-there');
  });

  it('selects changes by id and names the ids a session does not have', () => {
    const changes = [changeOf('a\n', 'b\n', '1'), changeOf('b\n', 'c\n', '2')];
    assert.deepEqual(selectChanges(changes, ['2']).map((c) => c.id), ['2']);
    assert.throws(() => selectChanges(changes, ['3']), /No change 3 in this session: its changes are 1, 2/);
  });
});
