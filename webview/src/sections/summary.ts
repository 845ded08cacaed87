// The seed's "Execution Summary" and its recommendations: what the run did in numbers, how it ended, and what
// the user could do next (each recommendation derived from something that happened, see recommendationsOf).
import { metricsOf, recommendationsOf, type RunState } from '../../../src/core/logging/runState';
import { severityRank, type Severity } from '../../../src/core/protocol/findings';
import { h, setAttr, setText } from '../dom';
import { duration } from '../format';
import { card, type RenderContext, type SectionView } from './section';

function closingLine(state: RunState, live: boolean): { text: string; tone: string } {
  switch (state.status) {
    case 'running':
      return live ? { text: 'Execution in progress…', tone: 'running' } : { text: 'The run stopped without recording its end.', tone: 'warning' };
    case 'completed':
      return { text: 'Execution completed successfully.', tone: 'completed' };
    case 'failed':
      return { text: `Execution failed${state.error ? `: ${state.error}` : '.'}`, tone: 'failed' };
    case 'cancelled':
      return { text: 'Execution cancelled.', tone: 'warning' };
    case 'timed_out':
      return { text: 'Execution timed out.', tone: 'warning' };
  }
}

function summaryRows(state: RunState): [string, string][] {
  const metrics = metricsOf(state);
  const ran = state.agents.filter((agent) => agent.startedAt !== null && agent.status !== 'skipped').map((agent) => agent.name);
  const severities = (Object.keys(severityRank) as Severity[])
    .filter((severity) => metrics.findingsBySeverity[severity])
    .map((severity) => `${metrics.findingsBySeverity[severity]} ${severity}`);
  const applied = state.changes.filter((change) => change.applied).length;
  const approved = state.validations.filter((validation) => validation.approved === true).length;
  const rejected = state.validations.filter((validation) => validation.approved === false).length;
  const waiting = state.validations.length - approved - rejected;
  const elapsed = metrics.totalDurationMs ?? (state.startedAt !== null && state.lastEventAt !== null ? state.lastEventAt - state.startedAt : null);
  return [
    ['Total duration', elapsed === null ? '—' : `${duration(elapsed)}${metrics.totalDurationMs === null ? ' so far' : ''}`],
    ['Agents used', ran.length > 0 ? `${ran.length} (${ran.join(', ')})` : '0'],
    ['Total messages', String(metrics.messages)],
    ['Handoffs', String(state.handoffs.length)],
    ['Parallel execution', `${metrics.parallelExecutionPercent}%`],
    ['MCP utilization', `${metrics.mcpUtilizationPercent}%`],
    ['Findings', `${state.findings.length}${severities.length > 0 ? ` (${severities.join(', ')})` : ''}`],
    ['Changes', `${applied} applied, ${state.changes.length - applied} proposed only`],
    ['Validations', state.validations.length === 0 ? 'none' : `${approved} approved, ${rejected} rejected${waiting > 0 ? `, ${waiting} waiting` : ''}`],
  ];
}

export class SummaryView implements SectionView {
  readonly element: HTMLElement;
  readonly #list = h('dl', { class: 'summary-list' });
  readonly #closing = h('p', { class: 'closing' });

  constructor() {
    const { section, body } = card('Execution Summary', { testId: 'summary', className: 'summary-card' });
    body.append(this.#closing, this.#list);
    this.element = section;
  }

  update({ state, session }: RenderContext): void {
    const closing = closingLine(state, session.live);
    setText(this.#closing, closing.text);
    setAttr(this.#closing, 'class', `closing tone-${closing.tone}`);
    const rows = summaryRows(state);
    while (this.#list.children.length < rows.length) this.#list.append(h('div', { class: 'summary-row' }, [h('dt'), h('dd')]));
    rows.forEach(([label, value], index) => {
      const row = this.#list.children[index]!;
      setText(row.children[0]!, label);
      setText(row.children[1]!, value);
    });
  }
}

export class RecommendationsView implements SectionView {
  readonly element: HTMLElement;
  readonly #list = h('ul', { class: 'recommendation-list' });
  #signature = '';

  constructor() {
    const { section, body } = card('Recommendations', { testId: 'recommendations', className: 'span-all recommendations-card' });
    body.append(this.#list);
    this.element = section;
  }

  update({ state }: RenderContext): void {
    const recommendations = recommendationsOf(state);
    const signature = JSON.stringify(recommendations);
    if (signature === this.#signature) return;
    this.#signature = signature;
    if (recommendations.length === 0) {
      this.#list.replaceChildren(h('li', { class: 'recommendation priority-none' }, [h('span', { class: 'recommendation-text' }, ['Nothing in this run calls for action.'])]));
      return;
    }
    this.#list.replaceChildren(
      ...recommendations.map((recommendation) =>
        h('li', { class: `recommendation priority-${recommendation.priority}` }, [
          h('span', { class: `priority-badge priority-${recommendation.priority}` }, [recommendation.priority]),
          h('span', { class: 'chip' }, [recommendation.type]),
          h('span', { class: 'recommendation-text' }, [recommendation.message]),
        ]),
      ),
    );
  }
}
