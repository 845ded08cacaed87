// A model agent validating another agent's change. The evidence is gathered before the model is asked, so a
// verdict always rests on it: the scanner re-run on the changed files, compared with the findings the run
// reported, and the diff. The model may read files and run the tests (when commands are allowed), and ends with
// submit_validation. An approval the evidence contradicts (new findings, a file that no longer parses, failing
// tests) is turned into a rejection that says why.
import path from 'node:path';
import { z } from 'zod';
import type { RunApprovals } from '../../core/approvals/approvalPolicy';
import type { ServiceEnvironment } from '../../core/orchestrator/agentRuntime';
import type { WorkspaceFiles } from '../../core/ports';
import type { Finding } from '../../core/protocol/findings';
import type { MessagePayloads, ValidationEvidence } from '../../core/protocol/messages';
import { SecurityScanner } from '../offline/security/securityScanner';
import { detectTestCommand } from '../offline/testing/testCommand';
import { contentsBeforeChanges } from '../offline/validationEvidence';
import { parseTestFailures } from '../offline/testing/testFailureParser';

export const SUBMIT_VALIDATION_TOOL = 'submit_validation';
export const DEFAULT_VALIDATION_TURNS = 6;

export const SubmitValidationSchema = z.object({
  approved: z.boolean(),
  reasons: z.array(z.string()).min(1).describe('Why: what the evidence shows'),
  resolved_finding_ids: z.array(z.string()).default([]).describe('Ids of the requested findings the change resolves'),
});
export type SubmittedValidation = z.infer<typeof SubmitValidationSchema>;

/** A model reports findings in its own words, so a problem is its rule in its file, not its message. */
function problemKey(finding: Finding): string {
  return `${finding.ruleId}\u0000${finding.file}`;
}

function countByKey(findings: readonly Finding[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const finding of findings) counts.set(problemKey(finding), (counts.get(problemKey(finding)) ?? 0) + 1);
  return counts;
}

/** Paths of the request, kept only when inside the workspace (a hostile request names nothing outside). */
function changedFiles(env: ServiceEnvironment, files: readonly string[]): string[] {
  const inside: string[] = [];
  for (const file of new Set(files)) {
    const absolute = path.isAbsolute(file) ? file : path.join(env.workspace.root, file);
    const relative = path.relative(env.workspace.root, absolute).split(path.sep).join('/');
    try {
      env.workspace.resolve(relative);
      inside.push(relative);
    } catch {
      // Outside the workspace: not checked, and said so by its absence from filesRescanned.
    }
  }
  return inside;
}

/** Everything the validator knows before asking the model: the re-scan against the run's findings, and the diffs. */
export interface GatheredEvidence {
  evidence: ValidationEvidence;
  files: string[];
  /** Ids the re-scan confirms gone (of the findings the request claims to fix). */
  confirmedResolved: Set<string>;
  remaining: Finding[];
  diffs: string;
  rescanText: string;
}

/**
 * What the scanner finds in the changed files as they were before this run's changes (undone from the recorded
 * diffs), so a problem the change did not bring in is never counted as new. Null when a diff does not undo cleanly
 * (its text was masked where a secret sits): the run's own findings are then the baseline.
 */
async function findingsBeforeTheChanges(env: ServiceEnvironment, files: readonly string[]): Promise<Finding[] | null> {
  const { originals, notUndone } = await contentsBeforeChanges(env, files);
  if (notUndone.length > 0) return null;
  const workspace = env.workspace;
  const asBefore: WorkspaceFiles = {
    root: workspace.root,
    listFiles: (options) => workspace.listFiles(options),
    readFile: async (file, options) => originals.get(file) ?? workspace.readFile(file, options),
    writeFile: () => Promise.reject(new Error('the baseline scan only reads')),
    exists: (file) => workspace.exists(file),
    resolve: (file) => workspace.resolve(file),
  };
  return (await new SecurityScanner(asBefore).scan({ files: [...originals.keys()], signal: env.signal })).findings;
}

export async function gatherEvidence(env: ServiceEnvironment, request: MessagePayloads['validation_request']): Promise<GatheredEvidence> {
  const files = changedFiles(env, request.filesModified);
  const rescan = await env.useTool('scan_security', { scope: 'changed files', files, requestedBy: env.from }, () => new SecurityScanner(env.workspace).scan({ files, signal: env.signal }), (scan) => `${scan.filesScanned.length} files re-scanned, ${scan.findings.length} findings`);
  const state = env.runState();
  const baseline = state.findings.filter((finding) => files.includes(finding.file));
  // "New" means the change brought it in: compared with the files before the change, not only with what agents reported.
  const scannedBefore = await findingsBeforeTheChanges(env, files);
  const before = countByKey(scannedBefore ? [...scannedBefore, ...baseline.filter((f) => !scannedBefore.some((s) => problemKey(s) === problemKey(f)))] : baseline);
  const after = countByKey(rescan.findings);
  const claimed = baseline.filter((finding) => request.findingIds.includes(finding.id));
  const claimedByKey = countByKey(claimed);
  const confirmedResolved = new Set<string>();
  for (const finding of claimed) {
    const key = problemKey(finding);
    // A claimed fix holds when fewer problems of that kind remain than there were before the change.
    if ((after.get(key) ?? 0) <= (before.get(key) ?? 0) - (claimedByKey.get(key) ?? 0)) confirmedResolved.add(finding.id);
  }
  const newFindings = rescan.findings.filter((finding) => (after.get(problemKey(finding)) ?? 0) > (before.get(problemKey(finding)) ?? 0));
  const diffs = state.changes.filter((change) => files.includes(change.file)).map((change) => change.diff).join('\n');
  const lines = rescan.findings.map((f) => `${f.id} ${f.severity} ${f.ruleId} ${f.file}:${f.line} ${f.message}`);
  for (const problem of rescan.parseErrors) lines.push(`does not parse: ${problem.file}: ${problem.message}`);
  return {
    files,
    confirmedResolved,
    remaining: rescan.findings,
    diffs,
    rescanText: `${rescan.findings.length} findings in ${rescan.filesScanned.length} re-scanned files.\n${lines.join('\n')}`,
    evidence: {
      filesRescanned: rescan.filesScanned,
      newFindings,
      findingsResolved: [...confirmedResolved],
      tests: null,
      testsNotRun: env.commandRunner ? 'the validator did not run them' : 'commands are not allowed in this run',
      parseErrors: rescan.parseErrors.map((problem) => `${problem.file}: ${problem.message}`),
      diffReviewed: diffs.length > 0,
    },
  };
}

/** Runs the workspace's tests for the validator, with the same consent as any command; fills the evidence. */
export async function runTestsForValidation(env: ServiceEnvironment, agent: string, approvals: RunApprovals, evidence: ValidationEvidence, timeoutMs: number): Promise<string> {
  const detected = await detectTestCommand(env.workspace);
  if (!detected) {
    evidence.testsNotRun = 'no test command found';
    return 'No test command found (looked for npm, pytest, go and cargo projects).';
  }
  const commandLine = `${detected.command} ${detected.args.join(' ')}`;
  const runner = env.commandRunner;
  if (!runner) {
    evidence.testsNotRun = 'commands are not allowed in this run';
    return `Tests not run: commands are not allowed in this run (\`${commandLine}\` needs --allow-commands).`;
  }
  const outcome = await approvals.decide({ kind: 'command', agent, tool: 'Bash', command: commandLine }, env.options.allowCommands, env.signal, (waiting) => env.setWaiting(waiting ? 'approval' : null, commandLine));
  if (!outcome.approved) {
    evidence.testsNotRun = `not approved: ${outcome.reason}`;
    return `Tests not run: ${outcome.reason}`;
  }
  return env.useTool('run_tests', { command: commandLine }, async () => {
    const result = await runner.run(detected.command, detected.args, { cwd: env.workspace.root, timeoutMs, signal: env.signal, env: { CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1' } });
    const parsed = parseTestFailures(`${result.stdout}\n${result.stderr}`, detected.framework, env.workspace.root);
    const passed = !result.timedOut && result.exitCode === 0;
    const counts = `${parsed.summary.passed ?? '?'} passed, ${parsed.summary.failed ?? '?'} failed`;
    const summary = `${result.timedOut ? 'timed out' : `exit code ${result.exitCode}`}, ${counts}`;
    evidence.tests = { command: commandLine, passed, summary };
    delete evidence.testsNotRun;
    const failures = [...parsed.findings.map((f) => `${f.file}:${f.line} ${f.message}`), ...parsed.unlocated];
    return `\`${commandLine}\`: ${summary}${failures.length ? `\n${failures.join('\n')}` : ''}`;
  }, (text) => text.split('\n')[0] ?? '');
}

/** The verdict from the model's submission, checked against the evidence. */
export function verdictFrom(submitted: SubmittedValidation | null, gathered: GatheredEvidence, validator: string, noVerdictReason: string): MessagePayloads['validation_result'] {
  const { evidence } = gathered;
  const reasons: string[] = [];
  let approved = submitted?.approved ?? false;
  if (!submitted) reasons.push(`${validator} gave no verdict (${noVerdictReason}); an unreviewed change is not approved`);
  else reasons.push(...submitted.reasons);
  const contradictions: string[] = [];
  for (const finding of evidence.newFindings) contradictions.push(`the change introduces ${finding.ruleId} at ${finding.file}:${finding.line}`);
  for (const problem of evidence.parseErrors) contradictions.push(`a changed file no longer parses: ${problem}`);
  if (evidence.tests && !evidence.tests.passed) contradictions.push(`the tests fail (${evidence.tests.summary})`);
  const claimed = submitted?.resolved_finding_ids ?? [];
  // A finding counts as resolved only when the model says so and the re-scan agrees.
  const unconfirmed = claimed.filter((id) => !gathered.confirmedResolved.has(id));
  if (unconfirmed.length > 0) contradictions.push(`claimed resolved but not confirmed by the re-scan: ${unconfirmed.join(', ')}`);
  if (approved && contradictions.length > 0) {
    approved = false;
    reasons.push(`Rejected despite the approval: ${contradictions.join('; ')}`);
  }
  evidence.findingsResolved = claimed.filter((id) => gathered.confirmedResolved.has(id));
  return { approved, reasons, filesChecked: evidence.filesRescanned, remainingFindings: gathered.remaining, evidence };
}

export function validationPrompt(request: MessagePayloads['validation_request'], gathered: GatheredEvidence, from: string, runRequest: string): string {
  return [
    `${from} asks you to validate a change made for the request: ${runRequest}`,
    `Changes it describes:\n${request.changesImplemented.map((change) => `- ${change}`).join('\n') || '(none described)'}`,
    `Findings it claims to fix: ${request.findingIds.join(', ') || '(none named)'}`,
    `The diff:\n${gathered.diffs || '(no recorded change to these files)'}`,
    `The security scanner re-run on the changed files (${gathered.files.join(', ') || 'none'}):\n${gathered.rescanText}`,
    `Resolved according to the re-scan: ${[...gathered.confirmedResolved].join(', ') || 'none'}. New problems: ${gathered.evidence.newFindings.map((f) => `${f.ruleId} at ${f.file}:${f.line}`).join(', ') || 'none'}.`,
    `Read files or run the tests if you need more evidence, then call ${SUBMIT_VALIDATION_TOOL} once with your verdict, your reasons and the ids of the findings the change resolves.`,
  ].join('\n\n');
}
