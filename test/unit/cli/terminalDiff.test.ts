import { strict as assert } from 'node:assert';
import { renderTerminalDiff } from '../../../src/cli/terminalReporter';
import { unifiedDiff } from '../../../src/core/orchestrator/unifiedDiff';

const ESC = '\u001b';
const diff = unifiedDiff('src/a.ts', 'keep\nold\n', `keep\nnew ${ESC}]0;pwned\u0007 \u202e\n`);

describe('diffs in the terminal', () => {
  it('colours added lines green and removed lines red when colour is on', () => {
    const text = renderTerminalDiff(diff, { color: true });
    const added = text.split('\n').find((line) => line.includes('new'))!;
    const removed = text.split('\n').find((line) => line.includes('old'))!;
    assert.ok(added.startsWith(`${ESC}[32m+new`), JSON.stringify(added));
    assert.ok(removed.startsWith(`${ESC}[31m-old`), JSON.stringify(removed));
  });

  it('prints plain text with colour off: no escape sequence at all', () => {
    const text = renderTerminalDiff(diff, { color: false });
    assert.ok(!text.includes(ESC), JSON.stringify(text));
    assert.match(text, /^-old$/m);
  });

  it('never sends a control character from the file, with or without colour', () => {
    for (const color of [true, false]) {
      const text = renderTerminalDiff(diff, { color });
      assert.ok(text.includes('+new \\x1b]0;pwned\\x07 \\u202e'), JSON.stringify(text));
      // Only SGR colour sequences may remain.
      assert.deepEqual(text.replace(/\u001b\[\d+m/g, '').match(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/g), null);
    }
  });

  it('cuts a huge diff with "N more lines, see <file>"', () => {
    const before = Array.from({ length: 200 }, (_, i) => `a${i}`).join('\n');
    const after = Array.from({ length: 200 }, (_, i) => `b${i}`).join('\n');
    const big = unifiedDiff('big.ts', before, after);
    const text = renderTerminalDiff(big, { color: false, maxLines: 20, moreIn: '/tmp/x.log.md' });
    const lines = text.split('\n');
    assert.equal(lines.length, 21);
    assert.equal(lines[20], `… ${big.trimEnd().split('\n').length - 20} more lines, see /tmp/x.log.md`);
  });
});
