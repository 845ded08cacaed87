// The seed's "Learned Patterns": what this run discovered or confirmed, with how often it was seen and how sure.
import type { LearnedPattern } from '../../../src/core/protocol/learning';
import { h, reconcileList, setStyle } from '../dom';
import { count } from '../format';
import { card, emptyNote, type RenderContext, type SectionView } from './section';

function shapeOf(pattern: LearnedPattern): string {
  return pattern.sequence.length > 0 ? pattern.sequence.join(' → ') : pattern.name;
}

function patternRow(pattern: LearnedPattern): HTMLElement {
  const confidence = Math.round(pattern.confidence);
  const meter = h('span', { class: 'meter-fill' });
  setStyle(meter, 'width', `${confidence}%`);
  return h('tr', { 'data-pattern-id': pattern.id }, [
    h('td', {}, [h('span', { class: 'chip' }, [pattern.type])]),
    h('th', { scope: 'row', class: 'pattern-shape' }, [
      h('span', { class: 'primary' }, [shapeOf(pattern)]),
      pattern.context ? h('span', { class: 'secondary' }, [pattern.context]) : null,
      pattern.solution ? h('span', { class: 'secondary solution' }, [pattern.solution]) : null,
    ]),
    h('td', { class: 'num' }, [
      h('span', { class: 'meter', 'aria-hidden': 'true' }, [meter]),
      h('span', { class: 'meter-text' }, [`${confidence}%`]),
    ]),
    h('td', { class: 'num' }, [count(pattern.support, 'run')]),
    h('td', {}, [pattern.agent ?? '—']),
  ]);
}

export class PatternsView implements SectionView {
  readonly element: HTMLElement;
  readonly #tbody = h('tbody');
  readonly #table: HTMLTableElement;
  readonly #empty = emptyNote('No patterns learned in this run.');
  readonly #shown = new WeakMap<Element, LearnedPattern>();

  constructor() {
    const { section, body } = card('Learned Patterns', { testId: 'patterns', className: 'span-all' });
    const column = (label: string, className = ''): HTMLElement => h('th', { scope: 'col', class: className }, [label]);
    this.#table = h('table', { class: 'data-table patterns-table' }, [
      h('thead', {}, [h('tr', {}, [column('Type'), column('Pattern'), column('Confidence', 'num'), column('Support', 'num'), column('Agent')])]),
      this.#tbody,
    ]);
    body.append(this.#empty, h('div', { class: 'table-scroll' }, [this.#table]));
    this.element = section;
  }

  update({ state }: RenderContext): void {
    this.#empty.hidden = state.patterns.length > 0;
    this.#table.hidden = state.patterns.length === 0;
    reconcileList(
      this.#tbody,
      state.patterns,
      (pattern) => pattern.id,
      (pattern) => {
        const row = patternRow(pattern);
        this.#shown.set(row, pattern);
        return row;
      },
      (row, pattern) => {
        if (this.#shown.get(row) === pattern) return;
        row.replaceChildren(...patternRow(pattern).childNodes);
        this.#shown.set(row, pattern);
      },
    );
  }
}
