import path from 'node:path';
import { ensureDirWithin, writeFileAtomicAsync } from '../../core/files/safeFiles';
import type { AgentContext, AgentOutcome, AgentRuntime } from '../../core/orchestrator/agentRuntime';
import type { RunState } from '../../core/logging/runState';
import { cell, mdCode, mdText } from '../../core/logging/format';
import { markdownDiff } from '../../core/logging/diffView';
import { severityRank } from '../../core/protocol/findings';
import { AgentCapabilities, type Message } from '../../core/protocol/messages';

const NAME = 'docs-writer';
/** The summary is read whole: a long diff is cut here and kept whole in the report. */
const SUMMARY_DIFF_LINES = 200;
const TEST_AGENT = 'test-suite-developer';

function testResultsOf(message: Message | null): Record<string, unknown> | null {
  if (!message || message.type !== 'context_share' || message.payload.topic !== 'test-results') return null;
  return message.payload.data;
}

/**
 * Ids of the findings the run's changes still fix, per file in order: a change without finding ids is a revert
 * (e.g. after a rejected validation) and cancels the fixes made to that file before it.
 */
function findingIdsStillFixed(changes: RunState['changes'], onlyApplied: boolean): Set<string> {
  const byFile = new Map<string, string[]>();
  for (const change of changes) {
    if (change.findingIds.length === 0) byFile.set(change.file, []);
    else if (change.applied || !onlyApplied) byFile.set(change.file, [...(byFile.get(change.file) ?? []), ...change.findingIds]);
  }
  return new Set([...byFile.values()].flat());
}

/** Why the tests could not run, when the test agent found it was the environment (missing packages or commands). */
function environmentOf(tests: Record<string, unknown> | null): { advice: string; quote: string[] } | null {
  const environment = tests?.environment;
  if (typeof environment !== 'object' || environment === null) return null;
  const { advice, quote } = environment as Record<string, unknown>;
  return { advice: String(advice ?? ''), quote: Array.isArray(quote) ? quote.map(String) : [] };
}

/** Markdown summary of the run for a reviewer: found, changed, validated, tested, and what is left. */
export function renderChangeSummary(state: RunState, tests: Record<string, unknown> | null): string {
  const lines: string[] = [];
  lines.push(`# Change summary`, '', `Request: ${mdText(state.request)}`, `Session: ${mdCode(state.sessionId)}`, '');
  // Test failures and test environment problems are told under "Tested".
  const findings = [...state.findings].filter((f) => !f.ruleId.startsWith('test-failure/') && !f.ruleId.startsWith('environment/')).sort((a, b) => severityRank[b.severity] - severityRank[a.severity]);
  lines.push(`## Found (${findings.length})`, '');
  if (findings.length === 0) lines.push('No findings.');
  else {
    lines.push('| Severity | Rule | Location | Problem | Fix |', '|---|---|---|---|---|');
    const appliedIds = findingIdsStillFixed(state.changes, true);
    const proposedIds = findingIdsStillFixed(state.changes, false);
    for (const f of findings) {
      const fix = appliedIds.has(f.id) ? 'fixed mechanically' : proposedIds.has(f.id) ? 'fix proposed (dry run)' : f.fixable ? 'fixable' : 'needs a model or a person';
      lines.push(`| ${f.severity} | ${mdCode(f.ruleId, { inTable: true })} | ${mdCode(`${f.file}:${f.line}`, { inTable: true })} | ${cell(f.message)} | ${fix} |`);
    }
  }
  lines.push('', `## Changed (${state.changes.length})`, '');
  if (state.changes.length === 0) lines.push('No files changed.');
  for (const change of state.changes) {
    lines.push(`- ${mdCode(change.file)} by ${mdText(change.agent)}: ${change.applied ? 'written to disk' : 'proposed (dry run, not written)'}${change.findingIds.length ? `, fixes ${change.findingIds.length} finding(s)` : ' (revert)'}; change ${mdText(change.id)}`);
    // At the margin, after a blank line: inside the list item's indentation the fence would not be a fence.
    lines.push('', markdownDiff(change.diff, { maxLines: SUMMARY_DIFF_LINES, moreIn: `${state.sessionId}.report.json` }), '');
  }
  if (state.changes.some((change) => !change.applied)) {
    lines.push(`Review: ${mdCode(`agent-orchestrator diff ${state.sessionId}`)}; write them without re-running: ${mdCode(`agent-orchestrator apply ${state.sessionId}`)} (or Apply Changes in VS Code).`);
  }
  lines.push('', '## Validated', '');
  const fixes = state.changes.filter((change) => change.findingIds.length > 0);
  if (state.validations.length === 0) lines.push(fixes.length > 0 ? `No validation was requested: the ${fixes.length} fix(es) above are **unvalidated**; review them yourself.` : 'No validation was requested.');
  for (const validation of state.validations) {
    const verdict = validation.approved === null ? 'pending' : validation.approved ? 'APPROVED' : 'REJECTED';
    lines.push(`- ${mdText(validation.to)} reviewed ${validation.files.map((f) => mdCode(f)).join(', ')} for ${mdText(validation.from)}: **${verdict}**`);
    for (const reason of validation.reasons) lines.push(`  - ${mdText(reason)}`);
  }
  lines.push('', '## Tested', '');
  if (!tests) lines.push('No test results were shared in this run.');
  else {
    lines.push(`- ${mdText(String(tests.note ?? ''))}`);
    const failures = Array.isArray(tests.failures) ? tests.failures.map(String) : [];
    for (const failure of failures.slice(0, 20)) lines.push(`  - ${mdText(failure)}`);
    const quote = environmentOf(tests)?.quote ?? [];
    if (quote.length > 0) lines.push('', '```text', ...quote.map((line) => line.replace(/`/g, "'")), '```');
  }
  const stillFixed = findingIdsStillFixed(state.changes, false);
  const open = findings.filter((f) => !stillFixed.has(f.id));
  const testsRan = tests !== null && tests.ran === true;
  const testsPass = testsRan && tests.exitCode === 0 && tests.timedOut !== true;
  lines.push('', '## Left to do', '');
  // "The tests pass" only when they ran and passed: a summary never claims a result that did not happen.
  if (open.length === 0 && testsPass) lines.push('Nothing: every finding was fixed and the tests pass.');
  for (const f of open.slice(0, 30)) lines.push(`- ${mdText(f.recommendation)} (${mdCode(`${f.file}:${f.line}`)}, ${mdText(f.ruleId)})`);
  const environment = environmentOf(tests);
  if (environment) lines.push(`- ${mdText(environment.advice)}`);
  else if (testsRan && !testsPass) lines.push(`- Make the failing tests pass (${mdCode(String(tests.command ?? 'the test command'))}).`);
  else if (!testsRan) lines.push(`- Run the tests: ${tests ? mdText(String(tests.note ?? 'they were not run')) : 'no test results were shared in this run'}.`);
  return `${lines.join('\n')}\n`;
}

/** Offline docs writer: writes the run's change summary, waiting for the test results when tests run in parallel. */
export class DocsWriterAgent implements AgentRuntime {
  readonly name = NAME;
  readonly capabilities = [AgentCapabilities.DOCUMENTATION];

  async run(context: AgentContext): Promise<AgentOutcome> {
    const testsPlanned = context.runState().plan?.agents.some((agent) => agent.name === TEST_AGENT) ?? false;
    const message = testsPlanned
      ? await context.useTool('Wait', { for: 'test-results', from: TEST_AGENT }, () => context.waitForMessage((m) => testResultsOf(m) !== null, TEST_AGENT), (m) => (m ? 'received' : 'none shared'))
      : null;
    const summary = renderChangeSummary(context.runState(), testResultsOf(message));
    const file = path.join(context.artifactDir, `${context.sessionId}.summary.md`);
    await context.useTool('Write', { file: path.basename(file) }, async () => {
      // Inside the workspace no folder on the way may be a link; the file itself never is (writeFileAtomicAsync).
      ensureDirWithin(path.dirname(file), context.workspace.root);
      await writeFileAtomicAsync(file, summary);
    });
    return { summary: `Wrote the change summary to ${file}`, filesModified: [], recommendations: [] };
  }
}
