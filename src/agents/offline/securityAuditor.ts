import type { AgentContext, AgentOutcome, AgentRuntime, ServiceEnvironment } from '../../core/orchestrator/agentRuntime';
import { severityRank, type Finding, type Severity } from '../../core/protocol/findings';
import type { MessagePayloads, Priority, ValidationCheck } from '../../core/protocol/messages';
import { AgentCapabilities } from '../../core/protocol/messages';
import { describeSkipped } from './security/scanScope';
import { SecurityScanner } from './security/securityScanner';
import { contentsBeforeChanges, runTestsForChange, runWorkspaceTests, typeCheckChange, type TestRun } from './validationEvidence';

const NAME = 'security-auditor';

/** Names the seed uses for well-known patterns. */
const PATTERN_NAMES: Record<string, string> = {
  'agent-orchestrator/missing-tenant-filter': 'missing-organizationId-validation',
  'agent-orchestrator/hardcoded-secret': 'hardcoded-secrets',
  'agent-orchestrator/sql-injection': 'sql-built-from-strings',
};

/** The planned agent that runs the workspace's tests, if any. */
function plannedTester(state: ReturnType<AgentContext['runState']>): string | undefined {
  return state.plan?.agents.find((agent) => agent.name !== NAME && agent.capabilities.includes(AgentCapabilities.TESTING))?.name;
}

function priorityOf(severity: Severity): Priority {
  return severity === 'critical' ? 'critical' : severity === 'high' ? 'high' : 'normal';
}

/** Same problem before and after an edit: rule, file and message (lines may move, also the ones a source-to-sink
 * message names: `req.query.id (line 15) flows into db.query() at line 16`). */
function problemKey(finding: Finding): string {
  return `${finding.ruleId}\u0000${finding.file}\u0000${finding.message.replace(/\bline \d+/g, 'line #')}`;
}

function countBySeverity(findings: readonly Finding[]): string {
  const counts = new Map<Severity, number>();
  for (const finding of findings) counts.set(finding.severity, (counts.get(finding.severity) ?? 0) + 1);
  return (['critical', 'high', 'medium', 'low', 'info'] as const)
    .filter((severity) => counts.has(severity))
    .map((severity) => `${counts.get(severity)} ${severity}`)
    .join(', ');
}

/**
 * Offline security auditor: scans the workspace with the ESLint-based rules engine, reports every finding,
 * hands the work to the implementers, and validates their changes by re-scanning the changed files.
 */
export class SecurityAuditorAgent implements AgentRuntime {
  readonly name = NAME;
  readonly capabilities = [AgentCapabilities.SECURITY_AUDIT, AgentCapabilities.CODE_REVIEW, AgentCapabilities.VALIDATION];
  /** Findings of this agent's own scan, per session, so validation can tell fixed from new problems. */
  readonly #baseline = new Map<string, Finding[]>();
  /** The workspace's tests before any change, per session, so validation can tell new failures from old ones. */
  readonly #testBaseline = new Map<string, TestRun>();

  readonly services = {
    validate: (request: MessagePayloads['validation_request'], env: ServiceEnvironment) => this.#validate(request, env),
  };

  async run(context: AgentContext): Promise<AgentOutcome> {
    const scanner = new SecurityScanner(context.workspace);
    const result = await context.useTool(
      'Scan',
      { scope: 'workspace', languages: ['javascript', 'typescript'], also: ['templates', 'configuration files'] },
      () => scanner.scan({ signal: context.signal }),
      (scan) => [`${scan.filesScanned.length} files, ${scan.findings.length} findings`, describeSkipped(scan.coverage), scan.parseErrors.length > 0 ? `${scan.parseErrors.length} not parsed` : ''].filter(Boolean).join('; '),
    );
    const findings = [...result.findings].sort((a, b) => severityRank[b.severity] - severityRank[a.severity] || a.file.localeCompare(b.file) || a.line - b.line);
    this.#baseline.set(context.sessionId, findings);
    for (const finding of findings) {
      context.signal.throwIfAborted();
      await context.reportFinding(finding);
    }
    for (const parseError of result.parseErrors) {
      await context.broadcast({ type: 'warning', priority: 'normal', payload: { message: `Could not parse ${parseError.file}: ${parseError.message}`, file: parseError.file } });
    }
    // One warning per reason: a vendored folder of 300 files is one decision, not 300.
    for (const skipped of result.coverage.skipped) {
      const names = `${skipped.paths.slice(0, 5).join(', ')}${skipped.count > 5 ? ', …' : ''}`;
      await context.broadcast({ type: 'warning', priority: 'normal', payload: { message: `Not scanned: ${skipped.count} (${names}): ${skipped.reason}` } });
    }

    await this.#sharePatterns(context, findings);

    const fixable = findings.filter((finding) => finding.fixable);
    const dependants = context.runState().plan?.agents.filter((agent) => agent.dependsOn.includes(NAME)).map((agent) => agent.name) ?? [];
    // Changes will be written to disk and validated with the tests: record which tests fail before any change.
    const runner = context.commandRunner;
    if (runner && context.options.allowCommands && context.options.apply && fixable.length > 0 && dependants.length > 0 && !plannedTester(context.runState())) {
      const baseline = await runWorkspaceTests({ workspace: context.workspace, signal: context.signal, useTool: context.useTool.bind(context), commandRunner: runner }, 'baseline before changes');
      if (baseline) this.#testBaseline.set(context.sessionId, baseline);
    }
    const top = findings[0];
    const urgency: Priority = top ? priorityOf(top.severity) : 'low';
    const nextActions = [...new Set(findings.map((finding) => finding.recommendation))].slice(0, 10);
    const handoffs = findings.length === 0
      ? []
      : dependants.map((to) => ({
          to,
          request: {
            task: `Fix ${findings.length} security finding(s) (${countBySeverity(findings)})`,
            outputs: {
              filesRead: result.filesScanned,
              findings,
              decisions: fixable.length > 0 ? [`${fixable.length} finding(s) have a mechanical fix`] : [],
              warnings: [...result.parseErrors.map((error) => `Not parsed: ${error.file}`), ...result.coverage.skipped.map((skipped) => `Not scanned: ${skipped.count} ${skipped.category} (${skipped.paths.slice(0, 3).join(', ')}${skipped.count > 3 ? ', …' : ''})`)],
              discoveries: [...new Set(findings.map((finding) => finding.ruleId))],
            },
            recommendations: { nextActions, testingNeeded: true, securityReview: true },
            urgency,
            requiresValidation: true,
            dependencies: { completedTasks: ['Security analysis'], requiredInputs: [...new Set(findings.map((finding) => finding.file))] },
          },
        }));

    const scanned = result.filesScanned.length;
    const skippedText = describeSkipped(result.coverage);
    const notParsed = result.parseErrors.length > 0 ? `${result.parseErrors.length} not parsed: ${result.parseErrors.slice(0, 3).map((error) => error.file).join(', ')}${result.parseErrors.length > 3 ? ', …' : ''}` : '';
    const inTests = result.coverage.findingsInTests > 0 ? `; ${result.coverage.findingsInTests} of them in tests` : '';
    const notScanned = [skippedText, notParsed].filter(Boolean).length > 0 ? ` (${[skippedText, notParsed].filter(Boolean).join('; ')})` : '';
    return {
      summary: findings.length === 0
        ? `Scanned ${scanned} files${notScanned}: no security findings`
        : `Scanned ${scanned} files${notScanned}: ${findings.length} findings (${countBySeverity(findings)}${inTests}); ${fixable.length} fixable mechanically`,
      filesRead: result.filesScanned,
      recommendations: nextActions,
      qualityScore: scanned === 0 ? null : Math.round(100 * (scanned - result.parseErrors.length) / scanned),
      handoffs,
      securityIssues: [...new Set(findings.map((finding) => finding.ruleId))],
      scanCoverage: result.coverage,
    };
  }

  /**
   * A rule that fires in several places is a pattern of this codebase, not a slip. Its confidence is the share of
   * this agent's audits (the recorded ones plus this one) that found it; support counts those audits.
   */
  async #sharePatterns(context: AgentContext, findings: readonly Finding[]): Promise<void> {
    const byRule = new Map<string, Finding[]>();
    for (const finding of findings) byRule.set(finding.ruleId, [...(byRule.get(finding.ruleId) ?? []), finding]);
    const audits = context.history.length + 1;
    for (const [ruleId, occurrences] of byRule) {
      if (occurrences.length < 2) continue;
      const seen = context.history.filter((record) => record.discoveries.securityIssues.includes(ruleId)).length + 1;
      const files = [...new Set(occurrences.map((finding) => finding.file))];
      const first = occurrences[0] as Finding;
      await context.sharePattern({
        name: PATTERN_NAMES[ruleId] ?? ruleId.replace(/^.*\//, ''),
        type: 'security',
        context: `${occurrences.length} occurrences in ${files.length} file(s), e.g. ${first.file}:${first.line}; found in ${seen} of ${audits} audit(s)`,
        confidence: Math.round((100 * seen) / audits),
        support: seen,
        solution: first.recommendation,
        applicableTo: files,
      });
    }
  }

  async #validate(request: MessagePayloads['validation_request'], env: ServiceEnvironment): Promise<MessagePayloads['validation_result']> {
    const scanner = new SecurityScanner(env.workspace);
    const files = [...new Set(request.filesModified)];
    const rescan = await env.useTool(
      'Scan',
      { scope: 'changed files', files, requestedBy: env.from },
      () => scanner.scan({ files, signal: env.signal }),
      (scan) => `${scan.filesScanned.length} files re-scanned, ${scan.findings.length} findings`,
    );
    const baseline = (this.#baseline.get(env.sessionId) ?? []).filter((finding) => files.includes(finding.file));
    const claimed = baseline.filter((finding) => request.findingIds.includes(finding.id));
    const after = new Map<string, number>();
    for (const finding of rescan.findings) after.set(problemKey(finding), (after.get(problemKey(finding)) ?? 0) + 1);
    const before = new Map<string, number>();
    for (const finding of baseline) before.set(problemKey(finding), (before.get(problemKey(finding)) ?? 0) + 1);

    const reasons: string[] = [];
    // A claimed fix holds when fewer problems of that kind remain than there were before the change.
    const claimedKeys = new Map<string, number>();
    for (const finding of claimed) claimedKeys.set(problemKey(finding), (claimedKeys.get(problemKey(finding)) ?? 0) + 1);
    const stillPresent: Finding[] = [];
    for (const [key, fixedCount] of claimedKeys) {
      const expected = (before.get(key) ?? 0) - fixedCount;
      if ((after.get(key) ?? 0) > expected) stillPresent.push(...claimed.filter((finding) => problemKey(finding) === key));
    }
    for (const finding of stillPresent) reasons.push(`Still present: ${finding.ruleId} at ${finding.file}:${finding.line} (${finding.message})`);
    const introduced = rescan.findings.filter((finding) => (after.get(problemKey(finding)) ?? 0) > (before.get(problemKey(finding)) ?? 0));
    for (const finding of introduced) reasons.push(`New problem introduced: ${finding.ruleId} at ${finding.file}:${finding.line} (${finding.message})`);
    for (const parseError of rescan.parseErrors) reasons.push(`Changed file no longer parses: ${parseError.file}: ${parseError.message}`);
    for (const skipped of rescan.skipped) reasons.push(`Changed file could not be checked: ${skipped.file}: ${skipped.reason}`);
    const unknownClaims = request.findingIds.length > 0 && claimed.length === 0;
    if (unknownClaims) reasons.push('None of the findings named in the request are known to this auditor');

    // The evidence beyond the re-scan: types where the workspace has a tsconfig, tests when commands are allowed.
    const checks: ValidationCheck[] = [];
    const unparsed = [...rescan.parseErrors.map((p) => `${p.file}: ${p.message}`), ...rescan.skipped.map((s) => `${s.file}: ${s.reason}`)];
    checks.push(unparsed.length === 0
      ? { name: 'parse', status: 'passed', detail: `${rescan.filesScanned.length} changed file(s) parse` }
      : { name: 'parse', status: 'failed', detail: unparsed.join('; ') });
    const typeCheck = unparsed.length > 0
      ? { name: 'types', status: 'not run' as const, detail: 'a changed file does not parse', errors: [] as string[] }
      : await env.useTool('TypeCheck', { files }, async () => typeCheckChange(env, files, (await contentsBeforeChanges(env, files)).originals), (check) => `${check.status}: ${check.detail}`);
    checks.push({ name: typeCheck.name, status: typeCheck.status, detail: typeCheck.detail });
    for (const error of typeCheck.errors) reasons.push(`New type error: ${error}`);
    const rescanProblems = stillPresent.length + introduced.length + (unknownClaims ? 1 : 0);
    checks.push(rescanProblems === 0
      ? { name: 'rescan', status: 'passed', detail: `${claimed.length} claimed finding(s) gone; no new finding in ${files.length} changed file(s)` }
      : { name: 'rescan', status: 'failed', detail: `${stillPresent.length} claimed finding(s) still present, ${introduced.length} new finding(s)${unknownClaims ? ', claimed findings unknown' : ''}` });
    const blockedBefore = reasons.length > 0;
    const tester = plannedTester(env.runState());
    const tests = blockedBefore
      ? { name: 'tests', status: 'not run' as const, detail: 'tests not run: the change already failed the checks above' }
      : tester && env.commandRunner && env.options.allowCommands
        // Running the suite here too would run it twice per run; the test agent's failures fail the run.
        ? { name: 'tests', status: 'not run' as const, detail: `tests not run here: ${tester} runs the workspace's tests after this change` }
        : await runTestsForChange(env, this.#testBaseline.get(env.sessionId));
    checks.push({ name: tests.name, status: tests.status, detail: tests.detail });
    if (tests.status === 'failed') reasons.push(`The workspace's tests fail with the change: ${tests.detail}`);

    const approved = reasons.length === 0;
    if (approved) {
      reasons.push(`Verified ${claimed.length} fix(es) in ${files.join(', ')}: those findings are gone and nothing new was introduced`);
      if (rescan.findings.length > 0) reasons.push(`${rescan.findings.length} other finding(s) remain in these files and still need attention`);
    }
    const stillPresentIds = new Set(stillPresent.map((finding) => finding.id));
    const testsRun = 'run' in tests && tests.run ? { command: tests.run.command, passed: tests.status === 'passed', summary: tests.detail } : null;
    return {
      approved,
      reasons,
      filesChecked: rescan.filesScanned,
      remainingFindings: rescan.findings,
      evidence: {
        filesRescanned: rescan.filesScanned,
        newFindings: introduced,
        findingsResolved: claimed.filter((finding) => !stillPresentIds.has(finding.id)).map((finding) => finding.id),
        tests: testsRun,
        ...(testsRun ? {} : { testsNotRun: tests.detail.replace(/^tests not run: /, '') }),
        parseErrors: rescan.parseErrors.map((problem) => `${problem.file}: ${problem.message}`),
        diffReviewed: false,
        ...(typeCheck.status === 'not run' ? {} : { typeErrors: typeCheck.errors }),
        checks,
      },
    };
  }
}
