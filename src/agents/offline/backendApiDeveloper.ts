import type { AgentContext, AgentOutcome, AgentRuntime } from '../../core/orchestrator/agentRuntime';
import type { Finding } from '../../core/protocol/findings';
import { AgentCapabilities } from '../../core/protocol/messages';
import { SecurityScanner } from './security/securityScanner';

const NAME = 'backend-api-developer';

function location(finding: Finding): string {
  return `${finding.file}:${finding.line}`;
}

/**
 * Offline implementer: applies the fixes that can be made mechanically (the rules engine's autofixes), asks the
 * auditor to validate them, reverts a change the auditor rejects, and says plainly which findings need a model.
 * Changes reach disk only when the run applies them; otherwise they are diffs.
 */
export class BackendApiDeveloperAgent implements AgentRuntime {
  readonly name = NAME;
  readonly capabilities = [AgentCapabilities.BACKEND_DEVELOPMENT, AgentCapabilities.DATABASE_OPTIMIZATION];

  async run(context: AgentContext): Promise<AgentOutcome> {
    const scanner = new SecurityScanner(context.workspace);
    let findings = context.handoffs.flatMap((handoff) => handoff.findings);
    if (findings.length === 0 && context.handoffs.length === 0) {
      // Run on its own (no auditor in the plan): find the work itself.
      const scan = await context.useTool('Scan', { scope: 'workspace' }, () => scanner.scan({ signal: context.signal }), (s) => `${s.findings.length} findings`);
      findings = scan.findings;
    }
    const fixable = findings.filter((finding) => finding.fixable);
    // A mechanical fix is re-derived against the whole codebase (models, where authentication runs), never blindly.
    if (fixable.length > 0) await scanner.prepare(context.signal);
    const needsModel = findings.filter((finding) => !finding.fixable);
    const byFile = new Map<string, Finding[]>();
    for (const finding of fixable) byFile.set(finding.file, [...(byFile.get(finding.file) ?? []), finding]);

    const originals = new Map<string, string>();
    const fixed: Finding[] = [];
    const filesRead: string[] = [];
    for (const [file, fileFindings] of byFile) {
      context.signal.throwIfAborted();
      const source = await context.useTool('Read', { file }, () => context.workspace.readFile(file), (text) => `${text.split('\n').length} lines`);
      filesRead.push(file);
      const result = await context.useTool(
        'Edit',
        { file, findings: fileFindings.map((finding) => finding.id) },
        async () => scanner.fix(file, source, fileFindings.map((finding) => finding.id)),
        (fix) => `${fix.fixed.length} of ${fileFindings.length} fixed`,
      );
      if (result.fixed.length === 0 || result.output === source) continue;
      originals.set(file, source);
      const change = await context.useTool(
        'Write',
        { file, apply: context.options.apply },
        () => context.proposeChange(file, result.output, result.fixed.map((finding) => finding.id)),
        (c) => (c.applied ? 'written' : 'proposed as a diff (dry run)'),
      );
      if (change.diff) fixed.push(...result.fixed);
    }

    if (needsModel.length > 0) {
      const list = needsModel.slice(0, 20).map((finding) => `${finding.ruleId} at ${location(finding)}`).join('; ');
      await context.broadcast({
        type: 'warning',
        priority: 'normal',
        payload: { message: `${needsModel.length} finding(s) have no mechanical fix and need a language model or a person: ${list}${needsModel.length > 20 ? '; …' : ''}` },
      });
    }

    const changedFiles = [...originals.keys()];
    const plan = context.runState().plan;
    const validator = context.handoffs.find((handoff) => handoff.requiresValidation)?.from
      ?? plan?.agents.find((agent) => agent.name !== NAME && agent.capabilities.includes(AgentCapabilities.VALIDATION))?.name;
    let validation: { approved: boolean; reasons: string[] } | null = null;
    let validationFailed = false;
    if (changedFiles.length > 0 && validator) {
      try {
        validation = await context.requestValidation(validator, {
          changesImplemented: fixed.map((finding) => `Fixed ${finding.ruleId} at ${location(finding)}`),
          filesModified: changedFiles,
          requestingReview: true,
          findingIds: fixed.map((finding) => finding.id),
        });
      } catch (error) {
        // No verdict (the validator failed or timed out) is not an approval: the change must not stay unreviewed.
        context.signal.throwIfAborted();
        validationFailed = true;
        validation = { approved: false, reasons: [`Validation by ${validator} could not be completed: ${error instanceof Error ? error.message : String(error)}`] };
      }
      if (!validation.approved) {
        // Never leave a change the auditor rejected in the user's files.
        for (const [file, original] of originals) {
          await context.useTool('Write', { file, revert: true }, () => context.proposeChange(file, original, []), () => 'reverted');
        }
      }
    }

    // Without a validator the fixes are this agent's word only: said so, never passed off as reviewed.
    const unvalidated = changedFiles.length > 0 && !validator;
    if (unvalidated) {
      await context.broadcast({
        type: 'warning',
        priority: 'high',
        payload: { message: `${fixed.length} fix(es) in ${changedFiles.join(', ')} are unvalidated: no agent in the plan validates changes (add security-auditor to re-scan them)` },
      });
    }
    const kept = validation === null || validation.approved;
    const filesModified = kept ? changedFiles : [];
    const dependants = plan?.agents.filter((agent) => agent.dependsOn.includes(NAME)).map((agent) => agent.name) ?? [];
    const remaining = kept ? needsModel : findings;
    const decisions = kept ? fixed.map((finding) => `Fixed ${finding.ruleId} at ${location(finding)}`) : [validationFailed ? 'Reverted the mechanical fixes: they could not be validated' : 'Reverted the mechanical fixes the auditor rejected'];
    const recommendations = [
      ...(needsModel.length > 0 ? [`${needsModel.length} finding(s) need a language model or a person: ${needsModel.map((f) => `${f.ruleId} at ${location(f)}`).join(', ')}`] : []),
      // Only fixes that survived validation are worth applying.
      ...(!context.options.apply && kept && fixed.length > 0 ? ['Re-run with --apply to write the fixes to disk'] : []),
      ...(validation && !validation.approved ? validation.reasons : []),
      ...(unvalidated ? [`Review the unvalidated fixes in ${changedFiles.join(', ')} yourself, or re-run with security-auditor in the plan to validate them`] : []),
    ];
    const verb = context.options.apply ? 'applied' : 'proposed';
    const summary = findings.length === 0
      ? 'No findings to fix'
      : `${fixed.length} of ${findings.length} finding(s) fixed mechanically (${verb}${validation ? `, validation ${validation.approved ? 'approved' : validationFailed ? 'failed, changes reverted' : 'rejected and reverted'}` : unvalidated ? ', unvalidated: no validator in the plan' : ''}); ${needsModel.length} need a model`;
    return {
      summary,
      filesRead,
      filesModified,
      recommendations,
      qualityScore: fixable.length === 0 ? null : Math.round((100 * (kept ? fixed.length : 0)) / fixable.length),
      handoffs: dependants.map((to) => ({
        to,
        request: {
          task: kept && fixed.length > 0 ? `Verify ${fixed.length} fix(es) in ${filesModified.join(', ')}` : 'Verify the workspace',
          outputs: { filesRead, filesModified, decisions, findings: remaining },
          recommendations: { nextActions: ['Run the test suite', ...recommendations], testingNeeded: true, securityReview: false },
          urgency: 'normal' as const,
          dependencies: { completedTasks: ['Security analysis', 'Mechanical fixes'] },
        },
      })),
    };
  }
}
