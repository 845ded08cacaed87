// The seed's "Real-Time Agent Status" table: one row per agent, updated cell by cell as events arrive.
import { formatTokens, formatUsd, usageCost, usageTokens, WAITING_LABEL } from '../../../src/core/logging/format';
import { runUsesModels, type AgentView, type RunState } from '../../../src/core/logging/runState';
import { h, reconcileList, setAttr, setText } from '../dom';
import { AGENT_STATUS_LABEL, count, duration } from '../format';
import { card, type RenderContext, type SectionView } from './section';

interface AgentRow {
  row: HTMLTableRowElement;
  task: HTMLElement;
  status: HTMLElement;
  statusNote: HTMLElement;
  waiting: HTMLElement;
  model: HTMLElement;
  modelName: HTMLElement;
  turns: HTMLElement;
  tokens: HTMLElement;
  cost: HTMLElement;
  phase: HTMLElement;
  duration: HTMLElement;
  tools: HTMLElement;
  sent: HTMLElement;
  received: HTMLElement;
  files: HTMLElement;
}

function agentDuration(agent: AgentView, state: RunState): { text: string; title: string | null } {
  if (agent.durationMs !== null) return { text: duration(agent.durationMs), title: null };
  if (agent.status === 'running' && agent.startedAt !== null && state.lastEventAt !== null) {
    return { text: `${duration(state.lastEventAt - agent.startedAt)} so far`, title: null };
  }
  if (agent.status === 'pending' && agent.estimatedDurationMs !== null) {
    return { text: `est. ${duration(agent.estimatedDurationMs)}`, title: 'Estimated from past runs of this agent' };
  }
  return { text: '—', title: null };
}

function statusNote(agent: AgentView): string {
  if (agent.status === 'skipped') return agent.skipReason ?? '';
  if (agent.status === 'failed') return agent.error ?? '';
  if (agent.status === 'running' && agent.waitingFor) return agent.waitingDetail;
  if (agent.status === 'running' && agent.currentTool) return `tool: ${agent.currentTool}`;
  return '';
}

/** Cost of one agent's turns, with a hover that says how it was counted. */
function costCell(agent: AgentView): { text: string; title: string | null } {
  const usage = agent.usage;
  if (usage.modelCalls === 0) return { text: '—', title: null };
  if (usage.unpricedCalls === 0) return { text: formatUsd(usage.costUsd), title: null };
  return { text: usageCost(usage), title: `${usage.unpricedCalls} of ${usage.modelCalls} model calls have no known price; the cost counts only the others` };
}

export class AgentsView implements SectionView {
  readonly element: HTMLElement;
  readonly #tbody = h('tbody');
  readonly #empty = h('p', { class: 'empty-note' }, ['No agents planned yet.']);
  readonly #table: HTMLTableElement;
  readonly #rows = new WeakMap<Element, AgentRow>();
  readonly #count = h('span', { class: 'card-count' });

  constructor() {
    const { section, body } = card('Agent Status', { testId: 'agents', className: 'span-all', extra: this.#count });
    const column = (label: string, className = ''): HTMLElement => h('th', { scope: 'col', class: className }, [label]);
    this.#table = h('table', { class: 'data-table agents-table' }, [
      h('thead', {}, [
        h('tr', {}, [
          column('Agent'),
          column('Status'),
          column('Model', 'model-col'),
          column('Turns', 'num model-col'),
          column('Tokens in / out', 'num model-col'),
          column('Cost', 'num model-col'),
          column('Phase', 'num'),
          column('Duration', 'num'),
          column('Tools', 'num'),
          column('Sent', 'num'),
          column('Received', 'num'),
          column('Files changed'),
        ]),
      ]),
      this.#tbody,
    ]);
    body.append(this.#empty, h('div', { class: 'table-scroll' }, [this.#table]));
    this.element = section;
  }

  update({ state }: RenderContext): void {
    this.#empty.hidden = state.agents.length > 0;
    this.#table.hidden = state.agents.length === 0;
    // Offline runs have no model, turns or tokens: empty columns would only push the useful ones off screen.
    this.#table.classList.toggle('without-models', !runUsesModels(state));
    setText(this.#count, state.agents.length > 0 ? count(state.agents.length, 'agent') : '');
    reconcileList(
      this.#tbody,
      state.agents,
      (agent) => agent.name,
      (agent) => this.#createRow(agent, state),
      (element, agent) => {
        const row = this.#rows.get(element);
        if (row) this.#fill(row, agent, state);
      },
    );
  }

  #createRow(agent: AgentView, state: RunState): Element {
    const cells: AgentRow = {
      row: h('tr', { 'data-testid': 'agent-row', 'data-agent': agent.name }),
      task: h('span', { class: 'secondary clamp' }),
      status: h('span', { class: 'badge' }),
      statusNote: h('span', { class: 'secondary clamp' }),
      waiting: h('span', { class: 'badge status-warning waiting-badge', 'data-testid': 'agent-waiting' }),
      model: h('td', { class: 'model-col model-name' }),
      modelName: h('span', { class: 'primary' }),
      turns: h('td', { class: 'num model-col', 'data-testid': 'agent-turns' }),
      tokens: h('td', { class: 'num model-col', 'data-testid': 'agent-tokens' }),
      cost: h('td', { class: 'num model-col', 'data-testid': 'agent-cost' }),
      phase: h('td', { class: 'num' }),
      duration: h('td', { class: 'num' }),
      tools: h('td', { class: 'num' }),
      sent: h('td', { class: 'num' }),
      received: h('td', { class: 'num' }),
      files: h('td', { class: 'files' }),
    };
    cells.row.append(
      h('th', { scope: 'row', class: 'agent-name' }, [h('span', { class: 'primary' }, [agent.name]), cells.task]),
      h('td', {}, [cells.status, cells.waiting, cells.statusNote]),
      cells.model,
      cells.turns,
      cells.tokens,
      cells.cost,
      cells.phase,
      cells.duration,
      cells.tools,
      cells.sent,
      cells.received,
      cells.files,
    );
    cells.model.append(cells.modelName);
    this.#rows.set(cells.row, cells);
    this.#fill(cells, agent, state);
    return cells.row;
  }

  #fill(cells: AgentRow, agent: AgentView, state: RunState): void {
    setAttr(cells.row, 'data-status', agent.status);
    setText(cells.task, agent.task);
    setAttr(cells.task, 'title', agent.task || null);
    setText(cells.status, AGENT_STATUS_LABEL[agent.status]);
    setAttr(cells.status, 'class', `badge status-${agent.status}`);
    const waiting = agent.status === 'running' && agent.waitingFor ? WAITING_LABEL[agent.waitingFor] : '';
    setText(cells.waiting, waiting);
    setAttr(cells.waiting, 'hidden', waiting === '');
    setAttr(cells.row, 'data-waiting', waiting === '' ? null : agent.waitingFor);
    const note = statusNote(agent);
    setText(cells.statusNote, note);
    setAttr(cells.statusNote, 'title', note || null);
    setText(cells.modelName, agent.model ?? '—');
    setAttr(cells.model, 'title', agent.model);
    const usage = agent.usage;
    setText(cells.turns, usage.modelCalls === 0 ? '—' : String(usage.modelCalls));
    setAttr(cells.turns, 'title', usage.failedCalls > 0 ? `${usage.failedCalls} failed` : null);
    setText(cells.tokens, usage.modelCalls === 0 ? '—' : `${formatTokens(usage.inputTokens)} / ${formatTokens(usage.outputTokens)}`);
    setAttr(cells.tokens, 'title', usage.modelCalls === 0 ? null : usageTokens(usage));
    const cost = costCell(agent);
    setText(cells.cost, cost.text);
    setAttr(cells.cost, 'title', cost.title);
    setText(cells.phase, String(agent.phase + 1));
    const shown = agentDuration(agent, state);
    setText(cells.duration, shown.text);
    setAttr(cells.duration, 'title', shown.title);
    const mcpCalls = Object.entries(agent.mcpCalls ?? {});
    const mcpTotal = mcpCalls.reduce((sum, [, count]) => sum + count, 0);
    const vscodeCalls = Object.entries(agent.vscodeToolCalls ?? {});
    const vscodeTotal = vscodeCalls.reduce((sum, [, count]) => sum + count, 0);
    const external = [mcpTotal > 0 ? `${mcpTotal} MCP` : '', vscodeTotal > 0 ? `${vscodeTotal} VS Code` : ''].filter(Boolean).join(', ');
    setText(cells.tools, external ? `${agent.toolCalls} (${external})` : String(agent.toolCalls));
    const breakdown = [...mcpCalls.map(([call, count]) => `${call}: ${count}`), ...vscodeCalls.map(([call, count]) => `VS Code ${call}: ${count}`)];
    setAttr(cells.tools, 'title', breakdown.length > 0 ? breakdown.join('\n') : null);
    setText(cells.sent, String(agent.messagesSent));
    setText(cells.received, String(agent.messagesReceived));
    setText(cells.files, agent.filesModified.length > 0 ? agent.filesModified.join(', ') : '—');
    setAttr(cells.files, 'title', agent.filesModified.length > 0 ? agent.filesModified.join('\n') : null);
  }
}
