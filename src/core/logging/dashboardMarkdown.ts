// The seed's "Live Execution Dashboard" rendered from the run state. The webview draws the same state; this
// Markdown version is what the CLI writes next to the log and what a Markdown preview shows.
import type { MessageType } from '../protocol/messages';
import { severityRank, type Severity } from '../protocol/findings';
import { metricsOf, progressOf, recommendationsOf, runUsage, runUsesModels, type AgentView, type Recommendation, type RunState } from './runState';
import { cell, isoTime, mdCode, mdText, ms, plural, progressBar, shortClockTime, usageCost, usageTokens, WAITING_LABEL } from './format';

const AGENT_STATUS: Record<AgentView['status'], string> = {
  pending: '⏳ Pending',
  running: '🔄 Running',
  completed: '✅ Complete',
  failed: '❌ Failed',
  skipped: '⏭️ Skipped',
};

const RUN_STATUS: Record<RunState['status'], string> = {
  running: '🔄 Running',
  completed: '✅ Complete',
  failed: '❌ Failed',
  cancelled: '⏹️ Cancelled',
  timed_out: '⏱️ Timed out',
};

/** Emoji per message type; the seed's dashboard uses 💡, 📋 and ✅ for patterns and validations. */
export const MESSAGE_EMOJI: Record<MessageType, string> = {
  finding_report: '🚨',
  context_share: '📎',
  warning: '⚠️',
  assistance_request: '🆘',
  assistance_response: '🛟',
  validation_request: '✅',
  validation_result: '📋',
  handoff: '🤝',
  progress_update: '📈',
  pattern_discovered: '💡',
  optimization_tip: '⚡',
};

export const PRIORITY_EMOJI: Record<Recommendation['priority'], string> = { high: '🔴', medium: '🟡', low: '🟢' };

// Mermaid ids may hold only word characters, and a few words are keywords that break the graph.
const MERMAID_KEYWORDS = new Set(['end', 'graph', 'subgraph', 'flowchart', 'style', 'class', 'classdef', 'click', 'linkstyle', 'direction']);

/** Mermaid node ids for names, sanitized (`security-auditor` -> `security_auditor`) and kept distinct. */
export function mermaidIds(names: Iterable<string>): Map<string, string> {
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const name of names) {
    if (ids.has(name)) continue;
    let base = name.replace(/[^A-Za-z0-9_]/g, '_') || 'node';
    if (/^[0-9]/.test(base)) base = `n_${base}`;
    if (MERMAID_KEYWORDS.has(base.toLowerCase())) base = `${base}_`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}_${n}`;
    used.add(id);
    ids.set(name, id);
  }
  return ids;
}

function agentDuration(agent: AgentView, state: RunState): string {
  if (agent.durationMs !== null) return ms(agent.durationMs);
  if (agent.status === 'running' && agent.startedAt !== null && state.lastEventAt !== null) return `${ms(state.lastEventAt - agent.startedAt)} so far`;
  return '—';
}

function section(title: string, body: string): string {
  return `## ${title}\n\n${body}\n\n---\n\n`;
}

function closingLine(state: RunState): string {
  switch (state.status) {
    case 'running':
      return '_🔄 Execution in progress…_';
    case 'completed':
      return '**🎉 Execution completed successfully!**';
    case 'failed':
      return `**❌ Execution failed${state.error ? `: ${mdText(state.error)}` : ''}**`;
    case 'cancelled':
      return '**⏹️ Execution cancelled**';
    case 'timed_out':
      return '**⏱️ Execution timed out**';
  }
}

function modelMetricLines(state: RunState): string[] {
  const usage = runUsage(state);
  if (usage.modelCalls === 0) return [];
  const lines = [`- **Model Calls**: ${usage.modelCalls}`, `- **Tokens**: ${mdText(usageTokens(usage))}`, `- **Model Cost**: ${mdText(usageCost(usage))}`];
  if (usage.unpricedCalls > 0) lines.push(`- **Calls Without a Price**: ${plural(usage.unpricedCalls, 'call')}`);
  return lines;
}

export function renderDashboardMarkdown(state: RunState): string {
  const metrics = metricsOf(state);
  const progress = progressOf(state);
  let out = '# 🚀 Live Execution Dashboard\n\n';
  out += `**Session**: ${mdCode(state.sessionId)}\n`;
  if (state.request) out += `**Request**: ${mdText(state.request)}\n`;
  out += `**Started**: ${isoTime(state.startedAt)}\n`;
  out += `**Status**: ${RUN_STATUS[state.status]}\n\n---\n\n`;

  const withModels = runUsesModels(state);
  const rows = state.agents.map((agent) => {
    const status = agent.status === 'running' && agent.waitingFor ? `${AGENT_STATUS.running} (${WAITING_LABEL[agent.waitingFor]})` : AGENT_STATUS[agent.status];
    const model = withModels
      ? ` ${agent.model ? mdCode(agent.model, { inTable: true }) : '—'} | ${agent.usage.modelCalls} | ${agent.usage.modelCalls > 0 ? cell(usageTokens(agent.usage)) : '—'} | ${cell(usageCost(agent.usage))} |`
      : '';
    return `| ${cell(agent.name)} | ${status} | ${agentDuration(agent, state)} | ${agent.toolCalls} | ${agent.messagesSent} / ${agent.messagesReceived} |${model}`;
  });
  // Sent and received apart: one broadcast is received by every agent, so a sum of both would count it many times.
  const header = withModels
    ? ['| Agent | Status | Duration | Tools Used | Messages (sent / received) | Model | Turns | Tokens | Cost |', '|-------|--------|----------|------------|----------------------------|-------|-------|--------|------|']
    : ['| Agent | Status | Duration | Tools Used | Messages (sent / received) |', '|-------|--------|----------|------------|----------------------------|'];
  out += section('📊 Real-Time Agent Status', rows.length > 0 ? [...header, ...rows].join('\n') : '_No agents planned yet._');

  if (state.flow.length > 0) {
    const ids = mermaidIds(state.flow.flatMap((edge) => [edge.from, edge.to]));
    const edges = state.flow.map((edge) => `    ${ids.get(edge.from)}-->${ids.get(edge.to)}`);
    out += section('🔄 Agent Communication Flow', ['```mermaid', 'graph LR', ...edges, '```'].join('\n'));
  } else {
    out += section('🔄 Agent Communication Flow', '_No messages between agents yet._');
  }

  out += section('🎯 Execution Progress', ['```', progressBar(progress.done, progress.total, progress.percent), '```'].join('\n'));

  const recent = state.messages.slice(-10).reverse();
  out += section(
    '💬 Recent Agent Messages',
    recent.length > 0
      ? recent
          .map((m) => `- **${shortClockTime(m.timestamp)}** ${MESSAGE_EMOJI[m.type]} ${mdCode(m.from)} → ${mdCode(m.to)}: *${m.type}* (Priority: ${m.priority})`)
          .join('\n')
      : '_No messages yet._',
  );

  const mcpRows = state.agents.flatMap((agent) => [
    ...Object.entries(agent.mcpCalls).map(([call, count]) => `| ${cell(agent.name)} | ${mdCode(call, { inTable: true })} | ${count} |`),
    ...Object.entries(agent.vscodeToolCalls ?? {}).map(([call, count]) => `| ${cell(agent.name)} | ${mdCode(`vscode/${call}`, { inTable: true })} | ${count} |`),
  ]);
  if (mcpRows.length > 0) out += section('🔌 MCP Calls', ['| Agent | Server/Tool | Calls |', '|-------|-------------|-------|', ...mcpRows].join('\n'));

  out += section(
    '⚡ Performance Metrics',
    [
      `- **Parallel Execution**: ${metrics.parallelExecutionPercent}%`,
      `- **MCP Utilization**: ${metrics.mcpUtilizationPercent}%`,
      `- **Tool Calls**: ${metrics.toolCalls}`,
      `- **Avg Response Time**: ${ms(metrics.avgToolMs)}`,
      ...modelMetricLines(state),
    ].join('\n'),
  );

  if (state.findings.length > 0) {
    const sorted = [...state.findings].sort((a, b) => severityRank[b.severity] - severityRank[a.severity]);
    const shown = sorted.slice(0, 50);
    const lines = [
      '| Severity | Rule | Location | Message |',
      '|----------|------|----------|---------|',
      ...shown.map((f) => `| ${f.severity} | ${cell(f.ruleId)} | ${cell(`${f.file}:${f.line}`)} | ${cell(f.message)} |`),
    ];
    if (sorted.length > shown.length) lines.push('', `_…and ${sorted.length - shown.length} more._`);
    out += section('🔎 Findings', lines.join('\n'));
  }

  if (state.patterns.length > 0) {
    const lines = state.patterns.flatMap((p) => {
      const shape = p.sequence.length > 0 ? p.sequence.join(' → ') : p.name;
      const entry = [`- 💡 **${mdText(p.type)}**: ${mdCode(shape)} (Confidence: ${Math.round(p.confidence)}%, Support: ${p.support})`];
      if (p.context) entry.push(`  - Context: ${mdText(p.context)}`);
      return entry;
    });
    out += section('🎓 Learned Patterns', lines.join('\n'));
  }

  const ran = state.agents.filter((agent) => agent.startedAt !== null).map((agent) => agent.name);
  const severities = (Object.keys(severityRank) as Severity[])
    .filter((severity) => metrics.findingsBySeverity[severity])
    .map((severity) => `${metrics.findingsBySeverity[severity]} ${severity}`);
  const applied = state.changes.filter((change) => change.applied).length;
  const summary = [
    `- **Total Duration**: ${metrics.totalDurationMs === null ? 'running' : ms(metrics.totalDurationMs)}`,
    `- **Agents Used**: ${ran.length}${ran.length > 0 ? ` (${mdText(ran.join(', '))})` : ''}`,
    `- **Total Messages**: ${metrics.messages}${messageBreakdown(state, metrics.messages)}`,
    `- **Parallel Execution**: ${metrics.parallelExecutionPercent}%`,
    `- **MCP Utilization**: ${metrics.mcpUtilizationPercent}%`,
    `- **Findings**: ${state.findings.length}${severities.length > 0 ? ` (${severities.join(', ')})` : ''}`,
    `- **Changes**: ${applied} applied, ${state.changes.length - applied} proposed only`,
  ];
  const recommendations = recommendationsOf(state);
  summary.push('', '### Recommendations', '');
  summary.push(
    ...(recommendations.length > 0
      ? recommendations.map((r) => `- ${PRIORITY_EMOJI[r.priority]} **${mdText(r.type)}**: ${mdText(r.message)}`)
      : ['- 🟢 None: nothing in this run calls for action.']),
  );
  out += section('📈 Execution Summary', summary.join('\n'));

  return `${out}${closingLine(state)}\n`;
}

/** How the total splits over senders, so it agrees with the table's "sent" column; '' when there are none. */
function messageBreakdown(state: RunState, total: number): string {
  if (total === 0) return '';
  let byAgents = 0;
  for (const agent of state.agents) byAgents += agent.messagesSent;
  const byOthers = total - byAgents;
  const senders = byOthers > 0 ? `${byAgents} sent by agents, ${byOthers} by the orchestrator` : `all sent by agents`;
  const broadcasts = state.flow.some((edge) => edge.to === 'all') ? '; a broadcast is received by every agent' : '';
  return ` (${senders}${broadcasts})`;
}

