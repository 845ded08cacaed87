import { strict as assert } from 'node:assert';
import { diffLines, markdownDiff } from '../../../src/core/logging/diffView';
import { buildExecutionReport, renderReportMarkdown } from '../../../src/core/logging/executionReport';
import { MarkdownLogProjection } from '../../../src/core/logging/markdownLog';
import { foldEvents } from '../../../src/core/logging/runState';
import type { OrchestratorEvent } from '../../../src/core/protocol/events';
import { unifiedDiff } from '../../../src/core/orchestrator/unifiedDiff';

/** The body of the first fenced block of `markdown` as CommonMark reads it: up to the first line that closes it. */
function firstFencedBlock(markdown: string): { info: string; body: string[]; after: string[] } {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => /^ {0,3}(`{3,})/.test(line));
  assert.notEqual(start, -1, `no fenced block in:\n${markdown}`);
  const open = /^ {0,3}(`{3,})(.*)$/.exec(lines[start]!)!;
  const fence = open[1]!;
  const closes = (line: string): boolean => new RegExp(`^ {0,3}\`{${fence.length},}\\s*$`).test(line);
  const end = lines.findIndex((line, index) => index > start && closes(line));
  assert.notEqual(end, -1, 'the block is never closed');
  return { info: open[2]!.trim(), body: lines.slice(start + 1, end), after: lines.slice(end + 1) };
}

const HOSTILE_BEFORE = 'const a = 1;\nconst doc = `x`;\n';
// A change that adds a Markdown fence, a longer one, a terminal escape and a bidi override to a file.
const HOSTILE_AFTER = 'const a = 1;\nconst doc = `x`;\n// ```\n// ````html\n// \u001b]0;pwned\u0007 \u202e evil\n# Heading that must stay in the block\n';

describe('diffs in the Markdown projections', () => {
  it('classifies each line of a unified diff', () => {
    const kinds = diffLines(unifiedDiff('a.ts', 'one\ntwo\n', 'one\nthree\n')).map((line) => line.kind);
    assert.deepEqual(kinds, ['file', 'file', 'hunk', 'context', 'remove', 'add']);
  });

  it('fences a diff holding ``` and control characters so the whole diff stays inside one block, escaped', () => {
    const diff = unifiedDiff('src/doc.ts', HOSTILE_BEFORE, HOSTILE_AFTER);
    const markdown = markdownDiff(diff);
    const block = firstFencedBlock(markdown);
    assert.equal(block.info, 'diff');
    assert.deepEqual(block.body.filter((line) => line.startsWith('+') && !line.startsWith('+++')), [
      '+// ```',
      '+// ````html',
      '+// \\x1b]0;pwned\\x07 \\u202e evil',
      '+# Heading that must stay in the block',
    ]);
    assert.deepEqual(block.after.filter((line) => line.trim() !== ''), [], 'nothing of the diff leaks after the block');
    assert.doesNotMatch(markdown, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/, 'no raw control character in the Markdown');
  });

  it('cuts a huge diff and says how many lines are left and where the whole diff is', () => {
    const before = Array.from({ length: 300 }, (_, i) => `line ${i}`).join('\n');
    const after = Array.from({ length: 300 }, (_, i) => `changed ${i}`).join('\n');
    const markdown = markdownDiff(unifiedDiff('big.txt', before, after), { maxLines: 50, moreIn: 's1.report.json' });
    assert.equal(firstFencedBlock(markdown).body.length, 50);
    assert.match(markdown, /_\d+ more lines, see `s1\.report\.json`_$/);
    const total = diffLines(unifiedDiff('big.txt', before, after)).length;
    assert.ok(markdown.endsWith(`_${total - 50} more lines, see \`s1.report.json\`_`));
  });

  it('shows each change as a diff in the Markdown log and report, and the review that applied it', () => {
    const diff = unifiedDiff('src/doc.ts', HOSTILE_BEFORE, HOSTILE_AFTER);
    let seq = 0;
    const event = (type: string, payload: Record<string, unknown>): OrchestratorEvent => ({ sessionId: 's1', seq: ++seq, ts: 1_000 + seq, type, payload } as unknown as OrchestratorEvent);
    const events = [
      event('run.started', { request: 'fix', workspace: '/w', options: { apply: false, allowCommands: false, maxParallelAgents: 2, agentTimeout: 1000, timeout: null } }),
      event('change.proposed', { agent: 'fixer', file: 'src/doc.ts', diff, applied: false, findingIds: ['f1'] }),
      event('run.completed', { success: true, status: 'completed', durationMs: 5 }),
      event('change.applied', { changeId: '1', file: 'src/doc.ts', by: 'cli' }),
    ];
    const log = new MarkdownLogProjection('s1');
    const logText = events.map((e) => log.apply(e)).join('');
    assert.match(logText, /CHANGE PROPOSED: fixer → src\/doc\.ts\n .*\n     Fixes: f1\n     Change: 1\n/);
    assert.ok(firstFencedBlock(logText).body.includes('+# Heading that must stay in the block'));
    assert.match(logText, /CHANGE 1 APPLIED in review \(cli\): src\/doc\.ts/);

    const report = renderReportMarkdown(buildExecutionReport(foldEvents('s1', events)));
    const changes = report.slice(report.indexOf('## Changes'));
    assert.match(changes, /- ✅ applied in review: `src\/doc\.ts` by fixer \(\+4 −0, fixes f1\), change 1\n\n```+diff\n/);
    assert.ok(firstFencedBlock(changes).body.includes('+// ````html'));
  });
});
