// The seed's "Real-Time Agent Status" table: one row per agent, updated cell by cell as events arrive.
import type { AgentView, RunState } from '../../../src/core/logging/runState';
import { h, reconcileList, setAttr, setText } from '../dom';
import { AGENT_STATUS_LABEL, count, duration } from '../format';
import { card, type RenderContext, type SectionView } from './section';

interface AgentRow {
  row: HTMLTableRowElement;
  task: HTMLElement;
  status: HTMLElement;
  statusNote: HTMLElement;
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
  return '';
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
      phase: h('td', { class: 'num' }),
      duration: h('td', { class: 'num' }),
      tools: h('td', { class: 'num' }),
      sent: h('td', { class: 'num' }),
      received: h('td', { class: 'num' }),
      files: h('td', { class: 'files' }),
    };
    cells.row.append(
      h('th', { scope: 'row', class: 'agent-name' }, [h('span', { class: 'primary' }, [agent.name]), cells.task]),
      h('td', {}, [cells.status, cells.statusNote]),
      cells.phase,
      cells.duration,
      cells.tools,
      cells.sent,
      cells.received,
      cells.files,
    );
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
    const note = statusNote(agent);
    setText(cells.statusNote, note);
    setAttr(cells.statusNote, 'title', note || null);
    setText(cells.phase, String(agent.phase + 1));
    const shown = agentDuration(agent, state);
    setText(cells.duration, shown.text);
    setAttr(cells.duration, 'title', shown.title);
    setText(cells.tools, String(agent.toolCalls));
    setText(cells.sent, String(agent.messagesSent));
    setText(cells.received, String(agent.messagesReceived));
    setText(cells.files, agent.filesModified.length > 0 ? agent.filesModified.join(', ') : '—');
    setAttr(cells.files, 'title', agent.filesModified.length > 0 ? agent.filesModified.join('\n') : null);
  }
}
