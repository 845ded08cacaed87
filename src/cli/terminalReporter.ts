import pc from 'picocolors';
import type { OrchestratorEvent } from '../core/protocol/events';
import type { Severity } from '../core/protocol/findings';
import type { ExecutionReport } from '../core/logging/executionReport';
import { diffStats, formatUsageEstimate, modelCallDetail, usageSummary, WAITING_LABEL } from '../core/logging/format';
import { boundedDiffLines, DIFF_PREVIEW_LINES, type DiffLineKind } from '../core/logging/diffView';
import type { RunState } from '../core/logging/runState';
import { sanitizeForTerminal as printable } from './terminalText';

const severityColor: Record<Severity, (text: string) => string> = {
  critical: (t) => pc.bold(pc.red(t)),
  high: pc.red,
  medium: pc.yellow,
  low: pc.cyan,
  info: pc.dim,
};

function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)}s` : `${Math.round(value)}ms`;
}

/** One terminal line per event worth showing live (null for the rest), in the spirit of the seed's live log. Every
 * value from the event passes through `printable` (sanitizeForTerminal) before any colour is added. */
export function describeEvent(event: OrchestratorEvent): string | null {
  switch (event.type) {
    case 'run.started':
      return `${pc.bold('▶ Request:')} ${printable(event.payload.request)}\n  workspace ${printable(event.payload.workspace)}${event.payload.options.apply ? '' : pc.dim(' (dry run: changes become diffs; --apply writes them)')}`;
    case 'plan.created': {
      const { plan } = event.payload;
      const phases = plan.phases.map((phase, i) => `${i + 1}. ${printable(phase.join(' ∥ '))}`).join('   ');
      const estimate = plan.estimatedDuration
        ? `estimated ${ms(plan.estimatedDuration.estimated)} (${ms(plan.estimatedDuration.min)}–${ms(plan.estimatedDuration.max)}, ${plan.estimatedDuration.confidence}% confidence, learned from ${plan.estimatedDuration.samples} run(s))`
        : 'no duration estimate yet (no history)';
      const by = plan.source?.kind === 'model' ? `, planned by ${printable(`${plan.source.provider}/${plan.source.model}`)}` : '';
      const lines = [`${pc.bold('📋 Plan')} (${printable(plan.taskType)}${by}): ${phases}`, `  ${estimate}`];
      if (plan.estimatedUsage) {
        const perAgent = plan.agents.flatMap((agent) => (agent.estimatedUsage ? [`${printable(agent.name)} ${formatUsageEstimate(agent.estimatedUsage)}`] : []));
        lines.push(`  models: ${formatUsageEstimate(plan.estimatedUsage)} expected from past runs (${perAgent.join('; ')})`);
      }
      for (const warning of plan.warnings) lines.push(pc.yellow(`  ⚠ ${printable(warning)}`));
      return lines.join('\n');
    }
    case 'agent.started':
      return `${pc.cyan('🤖')} ${pc.bold(printable(event.payload.agent))} started: ${printable(event.payload.task)}`;
    case 'agent.tool_called':
      return pc.dim(`   🔧 ${printable(event.payload.agent)} → ${printable(event.payload.tool)} ${ms(event.payload.durationMs)} ${event.payload.status === 'success' ? '✓' : '✗'} ${printable(event.payload.summary)}`);
    case 'finding.reported': {
      const f = event.payload.finding;
      return `   🔎 ${severityColor[f.severity](f.severity.padEnd(8))} ${printable(f.file)}:${f.line}:${f.column} ${printable(f.message)} ${pc.dim(`[${printable(f.ruleId)}]${f.inTest ? ' (in a test)' : ''}`)}`;
    }
    case 'message.sent': {
      const m = event.payload.message;
      if (m.type === 'finding_report' || m.type === 'progress_update' || m.type === 'handoff') return null; // shown by their own events
      const detail = m.type === 'validation_result'
        ? `${m.payload.approved ? pc.green('APPROVED ✅') : pc.red('REJECTED ❌')}${(m.payload.evidence?.checks ?? []).map((c) => ` ${printable(c.name)} ${c.status === 'passed' ? pc.green(c.status) : c.status === 'failed' ? pc.red(c.status) : pc.yellow(c.status)}`).join(',')}`
        : m.type === 'warning' ? printable(m.payload.message)
          : m.type === 'pattern_discovered' ? `${printable(m.payload.pattern)} (${m.payload.confidence}%)`
            : m.type === 'context_share' ? printable(m.payload.topic)
              : m.type === 'validation_request' ? printable(validationRequestDetail(m.payload))
                : '';
      return `   💬 ${printable(m.from)} → ${printable(m.to)}: ${m.type.toUpperCase()} ${detail}`;
    }
    case 'change.proposed':
      return `   ✏️  ${printable(event.payload.agent)} ${event.payload.applied ? 'changed' : 'proposes a change to'} ${printable(event.payload.file)}`;
    case 'change.applied':
      return `   ✅ change ${printable(event.payload.changeId)} to ${printable(event.payload.file)} applied`;
    case 'change.discarded':
      return pc.dim(`   🗑  change ${printable(event.payload.changeId)} to ${printable(event.payload.file)} discarded`);
    case 'validation.result':
      return null; // the VALIDATION_RESULT message line says it
    case 'handoff.initiated': {
      const pkg = event.payload.package;
      return `${pc.magenta('🤝')} ${printable(pkg.from)} → ${printable(pkg.to)}: ${printable(pkg.executionContext.task)} ${pc.dim(`(${pkg.urgency.toUpperCase()})`)}`;
    }
    case 'agent.completed':
      return `${pc.green('✅')} ${pc.bold(printable(event.payload.agent))} completed in ${ms(event.payload.durationMs)}: ${printable(event.payload.summary)}`;
    case 'agent.failed':
      return `${pc.red('❌')} ${pc.bold(printable(event.payload.agent))} ${event.payload.reason === 'timeout' ? 'timed out' : event.payload.reason === 'cancelled' ? 'cancelled' : 'failed'}: ${printable(event.payload.error)}`;
    case 'model.called':
      return pc.dim(`   🧠 ${printable(event.payload.agent)} turn ${event.payload.turn} (${printable(event.payload.model)}): ${printable(modelCallDetail(event.payload))}`);
    case 'agent.waiting':
      return event.payload.waitingFor === 'approval' ? pc.yellow(`   ⏸  ${printable(event.payload.agent)} waits for approval: ${printable(event.payload.detail ?? '')}`) : null;
    case 'agent.skipped':
      return pc.yellow(`⏭  ${printable(event.payload.agent)} skipped: ${printable(event.payload.reason)}`);
    case 'pattern.discovered':
      return `${pc.blue('🎓')} pattern ${printable(event.payload.pattern.type)}: ${printable(event.payload.pattern.name)} (confidence ${Math.round(event.payload.pattern.confidence)}%, support ${event.payload.pattern.support})`;
    case 'run.completed':
      return event.payload.success
        ? pc.green(pc.bold(`✅ Execution complete in ${ms(event.payload.durationMs)}`))
        : pc.red(pc.bold(`❌ Execution ${event.payload.status.replace('_', ' ')} after ${ms(event.payload.durationMs)}${event.payload.error ? `: ${printable(event.payload.error)}` : ''}`));
    default:
      return null;
  }
}

/** End-of-run lines on what the scans covered: files read, left out by reason, not parsed, findings in tests. */
export function scanCoverageSummaryLines(report: Pick<ExecutionReport, 'scanCoverage' | 'findings'>): string[] {
  const lines: string[] = [];
  for (const coverage of report.scanCoverage) {
    const skipped = coverage.skipped.map((s) => `${s.count} ${s.category.replace('-', ' ')}`).join(', ');
    lines.push(`🔍 Scanned:   ${coverage.filesScanned} files${skipped ? `; not scanned: ${printable(skipped)}` : ''}`);
    if (coverage.parseErrors.length > 0) lines.push(pc.yellow(`   could not parse ${coverage.parseErrors.length}: ${printable(coverage.parseErrors.slice(0, 5).map((e) => e.file).join(', '))}${coverage.parseErrors.length > 5 ? ', …' : ''}`));
  }
  const inTests = report.findings.filter((f) => f.inTest).length;
  if (inTests > 0) lines.push(pc.dim(`   ${inTests} finding(s) in tests, reported apart at a lower severity`));
  return lines;
}

/** End-of-run lines on model use: the run's total, then one per model agent. None for an offline run. */
export function modelUsageSummaryLines(report: Pick<ExecutionReport, 'agents' | 'usage'>): string[] {
  if (report.usage.modelCalls === 0) return [];
  const lines = [`🧠 Models:    ${printable(usageSummary(report.usage))}`];
  for (const agent of report.agents) {
    if (agent.usage.modelCalls === 0) continue;
    lines.push(pc.dim(`   ${printable(agent.name)} (${printable(agent.model ?? 'unknown model')}): ${printable(usageSummary(agent.usage))}`));
  }
  return lines;
}

type Colors = ReturnType<typeof pc.createColors>;

function diffLineStyle(colors: Colors): Record<DiffLineKind, (text: string) => string> {
  return { file: colors.bold, hunk: colors.cyan, add: colors.green, remove: colors.red, context: (text) => text, note: colors.dim };
}

/**
 * `diff` for a terminal: each line sanitised (a control character in a file is shown as `\x1b`, never sent), then
 * coloured when `color` is on; cut after `maxLines` lines with "N more lines, see <moreIn>".
 */
export function renderTerminalDiff(diff: string, options: { color: boolean; maxLines?: number; moreIn?: string }): string {
  const colors = pc.createColors(options.color);
  const style = diffLineStyle(colors);
  const { lines, omitted } = boundedDiffLines(diff, options.maxLines ?? DIFF_PREVIEW_LINES);
  if (lines.length === 0) return colors.dim('   (no difference)');
  const out = lines.map((line) => style[line.kind](printable(line.text)));
  if (omitted > 0) out.push(colors.dim(`… ${omitted} more lines${options.moreIn ? `, see ${printable(options.moreIn)}` : ''}`));
  return out.join('\n');
}

/** The heading of one change: its id (what `--only` takes), file, agent, where it stands and what it fixes. */
export function changeHeading(change: { id: string; file: string; agent: string; diff: string; findingIds: readonly string[]; status: string }, color: boolean): string {
  const colors = pc.createColors(color);
  const { added, removed } = diffStats(change.diff);
  const fixes = change.findingIds.length > 0 ? `, fixes ${change.findingIds.length} finding(s)` : ', a revert';
  return `${colors.bold(`Change ${printable(change.id)}`)}  ${colors.bold(printable(change.file))}  by ${printable(change.agent)}  ${colors.dim(`(${printable(change.status)}, ${colors.green(`+${added}`)} ${colors.red(`-${removed}`)}${fixes})`)}`;
}
/** What a validation request asks to be checked: the files, the findings the change claims to fix, its changes. */
function validationRequestDetail(request: { changesImplemented: string[]; filesModified: string[]; findingIds: string[] }): string {
  const files = request.filesModified.length > 0 ? request.filesModified.join(', ') : 'no files named';
  const fixes = request.findingIds.length > 0 ? ` (claims to fix ${request.findingIds.length} finding(s))` : '';
  const shown = request.changesImplemented.slice(0, 3).join('; ');
  const more = request.changesImplemented.length > 3 ? `; and ${request.changesImplemented.length - 3} more` : '';
  return `of ${files}${fixes}${shown ? `: ${shown}${more}` : ''}`;
}

/**
 * The progress bar's status: every running agent and what it is doing (running a command, waiting for a model,
 * its last tool), e.g. "test-suite-developer: running a command: npm test · docs-writer: waiting for a message".
 */
export function progressStatus(state: RunState, maxLength = 100): string {
  const parts: string[] = [];
  for (const agent of state.agents) {
    if (agent.status !== 'running') continue;
    let activity: string;
    if (agent.waitingFor) activity = `${WAITING_LABEL[agent.waitingFor]}${agent.waitingDetail ? `: ${agent.waitingDetail}` : ''}`;
    else {
      let lastTool: string | undefined;
      for (let i = state.toolCalls.length - 1; i >= 0 && lastTool === undefined; i--) {
        if (state.toolCalls[i]?.agent === agent.name) lastTool = state.toolCalls[i]?.tool;
      }
      activity = lastTool ? `working (last: ${lastTool})` : 'starting';
    }
    parts.push(`${agent.name}: ${activity}`);
  }
  const status = printable(parts.join(' · '));
  return status.length > maxLength ? `${status.slice(0, maxLength - 1)}…` : status;
}

