// A Gantt chart of the run: one row per agent, a bar from its start to its end (a running agent's bar reaches the
// newest event), coloured by status. Agents still pending are drawn as planned: after the phases before them,
// as long as their estimate from past runs. Positions are percentages, so resizing the panel costs no work here.
import type { AgentView, RunState } from '../../../src/core/logging/runState';
import { h, reconcileList, setAttr, setStyle, setText } from '../dom';
import { AGENT_STATUS_LABEL, duration } from '../format';
import { card, emptyNote, type RenderContext, type SectionView } from './section';

interface Span {
  agent: AgentView;
  start: number;
  end: number;
  planned: boolean;
}

interface TimelineRow {
  bar: HTMLElement;
  text: HTMLElement;
}

/** Placement of every agent on the time axis; pending agents start when all earlier phases are expected to end. */
function spansOf(state: RunState): { spans: Span[]; start: number; end: number } {
  const now = state.completedAt ?? state.lastEventAt ?? state.startedAt ?? 0;
  const start = state.startedAt ?? Math.min(...state.agents.map((agent) => agent.startedAt ?? now), now);
  const endOfPhase = new Map<number, number>();
  const readyAt = (phase: number): number => {
    let ready = now;
    for (const [p, end] of endOfPhase) if (p < phase && end > ready) ready = end;
    return ready;
  };
  const spans: Span[] = [];
  for (const agent of state.agents) {
    let span: Span;
    if (agent.status === 'pending') {
      const begin = readyAt(agent.phase);
      span = { agent, start: begin, end: begin + (agent.estimatedDurationMs ?? 0), planned: true };
    } else if (agent.status === 'skipped') {
      const at = agent.completedAt ?? now;
      span = { agent, start: at, end: at, planned: false };
    } else {
      const begin = agent.startedAt ?? now;
      span = { agent, start: begin, end: agent.completedAt ?? Math.max(begin, now), planned: false };
    }
    endOfPhase.set(agent.phase, Math.max(endOfPhase.get(agent.phase) ?? span.end, span.end));
    spans.push(span);
  }
  const end = Math.max(now, ...spans.map((span) => span.end));
  return { spans, start, end: end > start ? end : start + 1000 };
}

/** About six round tick steps (1, 2 or 5 times a power of ten) across the run. */
function tickStep(range: number): number {
  const rough = range / 6;
  const power = 10 ** Math.floor(Math.log10(Math.max(rough, 1)));
  for (const factor of [1, 2, 5, 10]) if (power * factor >= rough) return power * factor;
  return power * 10;
}

function tickLabel(offset: number): string {
  if (offset === 0) return '0';
  return offset < 1000 ? `${offset} ms` : `${+(offset / 1000).toFixed(2)} s`;
}

function barLabel(span: Span): string {
  const { agent } = span;
  if (agent.status === 'skipped') return 'skipped';
  if (span.planned) return agent.estimatedDurationMs !== null ? `planned · est. ${duration(agent.estimatedDurationMs)}` : 'pending';
  const length = duration(span.end - span.start);
  return agent.status === 'running' ? `${length} so far` : length;
}

function barDescription(span: Span, runStart: number): string {
  const { agent } = span;
  if (agent.status === 'skipped') return `${agent.name}: skipped${agent.skipReason ? ` (${agent.skipReason})` : ''}`;
  if (span.planned) {
    return agent.estimatedDurationMs !== null
      ? `${agent.name}: pending, planned for about ${duration(agent.estimatedDurationMs)} from ${duration(span.start - runStart)}`
      : `${agent.name}: pending, no estimate yet`;
  }
  return `${agent.name}: ${AGENT_STATUS_LABEL[agent.status]}, from ${duration(span.start - runStart)} to ${duration(span.end - runStart)} (${duration(span.end - span.start)})`;
}

export class TimelineView implements SectionView {
  readonly element: HTMLElement;
  readonly #chart = h('div', { class: 'timeline', 'data-testid': 'timeline' });
  readonly #axis = h('div', { class: 'timeline-track timeline-axis', 'aria-hidden': 'true' });
  readonly #grid = h('div', { class: 'timeline-grid', 'aria-hidden': 'true' });
  readonly #rowsList = h('ol', { class: 'timeline-rows' });
  readonly #empty = emptyNote('No agents planned yet.');
  readonly #rows = new WeakMap<Element, TimelineRow>();

  constructor() {
    const { section, body } = card('Timeline', { testId: 'timeline-section', className: 'span-all timeline-card' });
    this.#chart.append(
      h('div', { class: 'timeline-row timeline-axis-row' }, [h('span', { class: 'timeline-name' }), this.#axis]),
      h('div', { class: 'timeline-body' }, [h('div', { class: 'timeline-grid-row' }, [h('span', { class: 'timeline-name' }), this.#grid]), this.#rowsList]),
    );
    body.append(this.#empty, this.#chart);
    this.element = section;
  }

  update({ state }: RenderContext): void {
    this.#empty.hidden = state.agents.length > 0;
    this.#chart.hidden = state.agents.length === 0;
    if (state.agents.length === 0) return;
    const { spans, start, end } = spansOf(state);
    const range = end - start;
    const percent = (at: number): number => Math.min(100, Math.max(0, ((at - start) / range) * 100));
    this.#drawAxis(range);
    const fill = (row: TimelineRow, span: Span): void => {
      const left = percent(span.start);
      const width = Math.max(0, percent(span.end) - left);
      setStyle(row.bar, 'left', `${left.toFixed(3)}%`);
      setStyle(row.bar, 'width', `${width.toFixed(3)}%`);
      // The label goes where there is room: after the bar, else before it, else inside it.
      const placement = 100 - (left + width) >= 12 ? '' : left >= 12 ? ' label-left' : ' label-inside';
      setAttr(row.bar, 'class', `timeline-bar status-${span.agent.status}${span.planned ? ' is-planned' : ''}${placement}`);
      setAttr(row.bar, 'data-status', span.agent.status);
      const description = barDescription(span, start);
      setAttr(row.bar, 'aria-label', description);
      setAttr(row.bar, 'title', description);
      setText(row.text, barLabel(span));
    };
    reconcileList(
      this.#rowsList,
      spans,
      (span) => span.agent.name,
      (span) => {
        const element = this.#createRow(span);
        const row = this.#rows.get(element);
        if (row) fill(row, span);
        return element;
      },
      (element, span) => {
        const row = this.#rows.get(element);
        if (row) fill(row, span);
      },
    );
  }

  #createRow(span: Span): Element {
    const text = h('span', { class: 'timeline-bar-text' });
    const bar = h('div', { class: 'timeline-bar', 'data-testid': 'timeline-bar', 'data-agent': span.agent.name, role: 'img' }, [text]);
    const row = h('li', { class: 'timeline-row', 'data-agent': span.agent.name }, [
      h('span', { class: 'timeline-name', title: span.agent.name }, [span.agent.name]),
      h('div', { class: 'timeline-track' }, [bar]),
    ]);
    this.#rows.set(row, { bar, text });
    return row;
  }

  #drawAxis(range: number): void {
    const step = tickStep(range);
    const ticks: number[] = [];
    for (let offset = 0; offset <= range + 1e-6; offset += step) ticks.push(offset);
    const label = (offset: number): HTMLElement => {
      // A label at the right edge ends there instead of centring past it.
      const tick = h('span', { class: offset / range > 0.94 ? 'timeline-tick is-end' : 'timeline-tick' }, [tickLabel(offset)]);
      setStyle(tick, 'left', `${((offset / range) * 100).toFixed(3)}%`);
      return tick;
    };
    const line = (offset: number): HTMLElement => {
      const tick = h('span', { class: 'timeline-gridline' });
      setStyle(tick, 'left', `${((offset / range) * 100).toFixed(3)}%`);
      return tick;
    };
    const key = `${range}:${step}`;
    if (this.#axis.dataset.key === key) return;
    this.#axis.dataset.key = key;
    this.#axis.replaceChildren(...ticks.map(label));
    this.#grid.replaceChildren(...ticks.map(line));
  }
}
