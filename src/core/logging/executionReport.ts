// The end-of-run report: a stable, JSON-friendly digest of the run state for tools and for the user, plus its
// Markdown rendering. Built from the state alone, so a replayed session yields the same report.
import type { Finding, ScanCoverage } from '../protocol/findings';
import type { LearnedPattern } from '../protocol/learning';
import type { Priority } from '../protocol/messages';
import { markdownDiff } from './diffView';
import { severityRank } from '../protocol/findings';
import {
  emptyUsage,
  metricsOf,
  recommendationsOf,
  runUsage,
  type ModelUsageTotals,
  type AgentStatus,
  type ChangeView,
  type Recommendation,
  type RunMetrics,
  type RunState,
  type ValidationView,
} from './runState';
import { PRIORITY_EMOJI } from './dashboardMarkdown';
import { cell, diffStats, humanDuration, isoTime, mdCode, mdText, ms, plural, usageCost, usageTokens } from './format';

export interface ExecutionReport {
  sessionId: string;
  request: string;
  status: RunState['status'];
  success: boolean | null;
  startedAt: number | null;
  completedAt: number | null;
  durationMs: number | null;
  agents: {
    name: string;
    status: AgentStatus;
    startedAt: number | null;
    completedAt: number | null;
    durationMs: number | null;
    toolCalls: number;
    messagesSent: number;
    error: string | null;
    /** `provider/model`, null for an offline agent. */
    model: string | null;
    /** Its model turns (`modelCalls`), tokens and cost. */
    usage: ModelUsageTotals;
  }[];
  findings: Finding[];
  /** What each scanning agent read, left out (with why) and could not parse. */
  scanCoverage: (ScanCoverage & { agent: string })[];
  handoffs: { from: string; to: string; task: string; contextItems: number }[];
  /** Only the messages the state kept (its bound); `metrics.messages` counts all. */
  messages: { from: string; to: string; type: string; priority: Priority; timestamp: number }[];
  changes: ChangeView[];
  validations: ValidationView[];
  patterns: LearnedPattern[];
  metrics: RunMetrics;
  /** Model turns, tokens and cost of the whole run; zeros for an offline run. */
  usage: ModelUsageTotals;
  recommendations: Recommendation[];
}

/** Copies out of the state, so later events do not change a report already handed out. */
export function buildExecutionReport(state: RunState): ExecutionReport {
  return {
    sessionId: state.sessionId,
    request: state.request,
    status: state.status,
    success: state.success,
    startedAt: state.startedAt,
    completedAt: state.completedAt,
    durationMs: metricsOf(state).totalDurationMs,
    agents: state.agents.map((agent) => ({
      name: agent.name,
      status: agent.status,
      startedAt: agent.startedAt,
      completedAt: agent.completedAt,
      durationMs: agent.durationMs,
      toolCalls: agent.toolCalls,
      messagesSent: agent.messagesSent,
      error: agent.error,
      model: agent.model ?? null,
      usage: { ...(agent.usage ?? emptyUsage()) },
    })),
    findings: state.findings.map((finding) => ({ ...finding })),
    scanCoverage: state.agents.flatMap((agent) => (agent.scanCoverage ? [{ agent: agent.name, ...structuredClone(agent.scanCoverage) }] : [])),
    handoffs: state.handoffs.map((handoff) => ({ from: handoff.from, to: handoff.to, task: handoff.task, contextItems: handoff.contextItems })),
    messages: state.messages.map((m) => ({ from: m.from, to: m.to, type: m.type, priority: m.priority, timestamp: m.timestamp })),
    changes: state.changes.map((change) => ({ ...change, findingIds: [...change.findingIds] })),
    validations: state.validations.map((validation) => ({ ...validation, files: [...validation.files], reasons: [...validation.reasons] })),
    patterns: state.patterns.map((pattern) => ({ ...pattern, sequence: [...pattern.sequence] })),
    metrics: metricsOf(state),
    usage: { ...runUsage(state) },
    recommendations: recommendationsOf(state),
  };
}

const STATUS_TITLE: Record<ExecutionReport['status'], string> = {
  running: '🔄 Running',
  completed: '✅ Completed',
  failed: '❌ Failed',
  cancelled: '⏹️ Cancelled',
  timed_out: '⏱️ Timed out',
};

const AGENT_STATUS: Record<AgentStatus, string> = { pending: '⏳ pending', running: '🔄 running', completed: '✅ completed', failed: '❌ failed', skipped: '⏭️ skipped' };

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

/** The run's model totals as Markdown list items; none for an offline run. */
export function modelUsageLines(usage: ModelUsageTotals): string[] {
  if (usage.modelCalls === 0) return [];
  const failed = usage.failedCalls > 0 ? ` (${usage.failedCalls} failed)` : '';
  const lines = [`- **Model Calls**: ${usage.modelCalls}${failed}`, `- **Tokens**: ${mdText(usageTokens(usage))}`, `- **Model Cost**: ${mdText(usageCost(usage))}`];
  if (usage.unpricedCalls > 0) lines.push(`- **Calls Without a Price**: ${plural(usage.unpricedCalls, 'call')} (not in the cost)`);
  return lines;
}

export function renderReportMarkdown(report: ExecutionReport): string {
  const parts: string[] = [];
  parts.push(
    [
      '# Agent Orchestrator Execution Report',
      '',
      `- **Session**: ${mdCode(report.sessionId)}`,
      `- **Request**: ${mdText(report.request) || '(none)'}`,
      `- **Status**: ${STATUS_TITLE[report.status]}`,
      `- **Started**: ${isoTime(report.startedAt)}`,
      `- **Completed**: ${report.completedAt === null ? 'not yet' : isoTime(report.completedAt)}`,
      `- **Duration**: ${report.durationMs === null ? 'running' : humanDuration(report.durationMs)}`,
    ].join('\n'),
  );

  // Model columns only when some agent used a model: an offline report keeps the seed's table.
  const withModels = report.agents.some((a) => a.model !== null || a.usage.modelCalls > 0);
  const modelHeader = withModels ? ['Model', 'Turns', 'Tokens (in / out)', 'Cost'] : [];
  const modelCells = (a: ExecutionReport['agents'][number]): string[] =>
    withModels ? [a.model ? mdCode(a.model, { inTable: true }) : '—', String(a.usage.modelCalls), a.usage.modelCalls > 0 ? cell(usageTokens(a.usage)) : '—', cell(usageCost(a.usage))] : [];
  parts.push(
    `## Agents\n\n${
      report.agents.length > 0
        ? table(
            ['Agent', 'Status', 'Duration', 'Tool Calls', 'Messages Sent', ...modelHeader, 'Error'],
            report.agents.map((a) => [
              cell(a.name),
              AGENT_STATUS[a.status],
              a.durationMs === null ? '—' : ms(a.durationMs),
              String(a.toolCalls),
              String(a.messagesSent),
              ...modelCells(a),
              a.error ? cell(a.error) : '',
            ]),
          )
        : '_No agents ran._'
    }`,
  );

  const m = report.metrics;
  const bySeverity = Object.entries(m.findingsBySeverity)
    .sort(([a], [b]) => (severityRank[b as keyof typeof severityRank] ?? 0) - (severityRank[a as keyof typeof severityRank] ?? 0))
    .map(([severity, count]) => `${count} ${severity}`);
  parts.push(
    [
      '## Metrics',
      '',
      `- **Parallel Execution**: ${m.parallelExecutionPercent}%`,
      `- **MCP Utilization**: ${m.mcpUtilizationPercent}%`,
      `- **Tool Calls**: ${m.toolCalls} (avg ${ms(m.avgToolMs)})`,
      `- **Messages**: ${m.messages}`,
      `- **Findings**: ${report.findings.length}${bySeverity.length > 0 ? ` (${bySeverity.join(', ')})` : ''}`,
      ...modelUsageLines(report.usage),
    ].join('\n'),
  );

  const findingRows = (findings: Finding[]): string[][] =>
    [...findings]
      .sort((a, b) => severityRank[b.severity] - severityRank[a.severity])
      .map((f) => [f.severity, cell(f.ruleId), cell(`${f.file}:${f.line}`), cell(f.message), f.fixable ? 'automatic' : cell(`needs a model or a person${f.manualFixReason ? `: ${f.manualFixReason}` : ''}`)]);
  const inCode = report.findings.filter((f) => !f.inTest);
  const inTests = report.findings.filter((f) => f.inTest);
  if (inCode.length > 0) parts.push(`## Findings\n\n${table(['Severity', 'Rule', 'Location', 'Message', 'Fix'], findingRows(inCode))}`);
  if (inTests.length > 0) {
    parts.push(`## Findings in Tests\n\n_Test code does not run in production: these are reported at a lower severity._\n\n${table(['Severity', 'Rule', 'Location', 'Message', 'Fix'], findingRows(inTests))}`);
  }
  for (const coverage of report.scanCoverage) parts.push(renderScanCoverage(coverage));

  if (report.changes.length > 0) {
    parts.push(
      `## Changes\n\n${report.changes
        .map((c) => {
          const { added, removed } = diffStats(c.diff);
          const fixes = c.findingIds.length > 0 ? `, fixes ${mdText(c.findingIds.join(', '))}` : '';
          const state = c.review === 'applied' ? '✅ applied in review' : c.review === 'discarded' ? '🗑️ discarded in review' : c.applied ? '✏️ applied' : '📝 proposed (not applied)';
          // The diff at the margin after the item: indented under it, the fence would not be one.
          return `- ${state}: ${mdCode(c.file)} by ${mdText(c.agent)} (+${added} −${removed}${fixes}), change ${mdText(c.id)}\n\n${markdownDiff(c.diff, { moreIn: `${report.sessionId}.report.json` })}\n`;
        })
        .join('\n')}`,
    );
  }

  if (report.validations.length > 0) {
    parts.push(
      `## Validations\n\n${report.validations
        .map((v) => {
          const verdict = v.approved === null ? '⏳ pending' : v.approved ? 'APPROVED ✅' : 'REJECTED ❌';
          const reasons = v.reasons.length > 0 ? ` — ${mdText(v.reasons.join('; '))}` : '';
          const files = v.files.length > 0 ? ` (${mdText(v.files.join(', '))})` : '';
          const evidence = (v.checks ?? []).map((c) => `\n  - ${c.status === 'passed' ? '✅' : c.status === 'failed' ? '❌' : '⏭️'} ${mdText(c.name)} ${c.status}: ${mdText(c.detail)}`).join('');
          return `- ${mdText(v.from)} → ${mdText(v.to)}${files}: ${verdict}${reasons}${evidence}`;
        })
        .join('\n')}`,
    );
  }

  if (report.handoffs.length > 0) {
    parts.push(`## Handoffs\n\n${report.handoffs.map((h) => `- 🤝 ${mdText(h.from)} → ${mdText(h.to)}: ${mdText(h.task)} (${h.contextItems} context items)`).join('\n')}`);
  }

  if (report.patterns.length > 0) {
    parts.push(
      `## Learned Patterns\n\n${report.patterns
        .map((p) => `- 💡 **${mdText(p.type)}**: ${mdCode(p.sequence.length > 0 ? p.sequence.join(' → ') : p.name)} (Confidence: ${Math.round(p.confidence)}%, Support: ${p.support})`)
        .join('\n')}`,
    );
  }

  parts.push(
    `## Recommendations\n\n${
      report.recommendations.length > 0
        ? report.recommendations.map((r) => `- ${PRIORITY_EMOJI[r.priority]} **${mdText(r.type)}**: ${mdText(r.message)}`).join('\n')
        : '- 🟢 None: nothing in this run calls for action.'
    }`,
  );

  return `${parts.join('\n\n')}\n`;
}

/** What a scan read and left out, as Markdown: counts by reason with the first paths, and every parse error. */
export function renderScanCoverage(coverage: ScanCoverage & { agent: string }): string {
  const lines = [`## Scan Coverage (${mdText(coverage.agent)})`, '', `- **Files Scanned**: ${coverage.filesScanned}`];
  for (const skipped of coverage.skipped) {
    const more = skipped.count > skipped.paths.length ? `, and ${skipped.count - skipped.paths.length} more` : '';
    lines.push(`- **Not Scanned (${mdText(skipped.category)})**: ${skipped.count}: ${mdText(skipped.reason)} (${skipped.paths.map((p) => mdCode(p)).join(', ')}${more})`);
  }
  if (coverage.findingsInTests > 0) lines.push(`- **Findings in Tests**: ${coverage.findingsInTests} (reported apart, at a lower severity)`);
  if (coverage.parseErrors.length > 0) {
    lines.push(`- **Could Not Parse**: ${coverage.parseErrors.length} file(s); their findings are missing from this report`);
    for (const error of coverage.parseErrors) lines.push(`  - ${mdCode(error.file)}: ${mdText(error.message)}`);
  }
  return lines.join('\n');
}
