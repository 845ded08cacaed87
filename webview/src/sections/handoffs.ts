// Handoffs between agents and an inspector for the context package each one carried: what the sender read,
// changed, decided and found, what it recommends, and what blocks or feeds the receiver.
import type { HandoffView, RunState } from '../../../src/core/logging/runState';
import { isBlank } from '../../../src/core/protocol/handoff';
import { h, reconcileList, setAttr, setText, type Child } from '../dom';
import { clock, count, duration } from '../format';
import { card, emptyNote, type RenderContext, type SectionView } from './section';

interface HandoffItem {
  button: HTMLButtonElement;
  items: HTMLElement;
  state: HTMLElement;
}

function list(values: readonly string[], options: { code?: boolean } = {}): HTMLElement {
  return h('ul', { class: options.code ? 'plain-list code-list' : 'plain-list' }, values.map((value) => h('li', {}, [options.code ? h('code', {}, [value]) : value])));
}

/** A titled part of the package; nothing when it has no content (an empty list says nothing to the reader). */
function part(title: string, content: Child, itemCount?: number): HTMLElement | null {
  if (content === null || content === undefined || content === false) return null;
  return h('section', { class: 'package-part' }, [
    h('h4', {}, [title, itemCount !== undefined ? h('span', { class: 'part-count' }, [String(itemCount)]) : null]),
    content,
  ]);
}

function stringsPart(title: string, values: readonly string[], options: { code?: boolean } = {}): HTMLElement | null {
  const present = values.filter((value) => !isBlank(value));
  return present.length > 0 ? part(title, list(present, options), present.length) : null;
}

function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

function flag(label: string, on: boolean): HTMLElement {
  return h('span', { class: `flag ${on ? 'is-on' : 'is-off'}` }, [on ? `✓ ${label}` : `✗ ${label}`]);
}

function packageView(handoff: HandoffView): HTMLElement[] {
  const pkg = handoff.package;
  const context = pkg.executionContext;
  const rec = pkg.recommendations;
  const deps = pkg.dependencies;
  const mcpEntries = Object.entries(pkg.mcpData).filter(([, value]) => !isBlank(value));
  const searchResults = context.searchResults.filter((value) => !isBlank(value));

  const header = h('div', { class: 'inspector-header' }, [
    h('h3', {}, [pkg.from, h('span', { class: 'arrow', 'aria-label': 'to' }, [' → ']), pkg.to]),
    h('p', { class: 'inspector-task' }, [context.task]),
    h('div', { class: 'chips' }, [
      h('span', { class: `chip urgency-${pkg.urgency}` }, [`urgency: ${pkg.urgency}`]),
      h('span', { class: 'chip' }, [count(handoff.contextItems, 'context item')]),
      pkg.requiresValidation ? h('span', { class: 'chip is-attention' }, ['requires validation']) : null,
      h('span', { class: 'chip' }, [
        handoff.receivedAt === null
          ? `sent ${clock(handoff.initiatedAt)}, not received yet`
          : `received ${clock(handoff.receivedAt)} (${duration(Math.max(0, handoff.receivedAt - handoff.initiatedAt))} after sending)`,
      ]),
    ]),
  ]);

  const findings =
    context.findings.length > 0
      ? part(
          'Findings',
          h(
            'ul',
            { class: 'plain-list finding-list' },
            context.findings.map((finding) =>
              h('li', {}, [
                h('span', { class: `severity severity-${finding.severity}` }, [finding.severity]),
                ' ',
                h('code', {}, [`${finding.file}:${finding.line}:${finding.column}`]),
                ' ',
                finding.message,
              ]),
            ),
          ),
          context.findings.length,
        )
      : null;

  const recommendationParts = [
    stringsPart('Next actions', rec.nextActions),
    stringsPart('Potential issues', rec.potentialIssues),
    stringsPart('Optimizations', rec.optimizations),
  ].filter((element) => element !== null);

  const parts: (HTMLElement | null)[] = [
    part('Execution context', h('div', { class: 'package-grid' }, [
      stringsPart('Files read', context.filesRead, { code: true }),
      stringsPart('Files modified', context.filesModified, { code: true }),
      stringsPart('Decisions', context.decisions),
      stringsPart('Warnings', context.warnings),
      stringsPart('Discoveries', context.discoveries, { code: true }),
      searchResults.length > 0 ? part('Search results', h('pre', { class: 'json' }, [jsonText(searchResults)]), searchResults.length) : null,
      findings,
    ])),
    part('Recommendations', h('div', { class: 'package-stack' }, [
      h('div', { class: 'flags' }, [flag('testing needed', rec.testingNeeded), flag('security review', rec.securityReview)]),
      ...recommendationParts,
    ])),
    part('Validation and blocking issues', h('div', { class: 'package-stack' }, [
      h('div', { class: 'flags' }, [flag('requires validation', pkg.requiresValidation)]),
      stringsPart('Blocking issues', pkg.blockingIssues) ?? h('p', { class: 'empty-note' }, ['No blocking issues.']),
    ])),
    part('Dependencies', h('div', { class: 'package-grid' }, [
      stringsPart('Completed tasks', deps.completedTasks),
      stringsPart('Required inputs', deps.requiredInputs),
      stringsPart('Optional inputs', deps.optionalInputs),
      deps.completedTasks.length + deps.requiredInputs.length + deps.optionalInputs.length === 0 ? h('p', { class: 'empty-note' }, ['No dependencies recorded.']) : null,
    ])),
    part(
      'MCP data',
      mcpEntries.length > 0
        ? h('dl', { class: 'mcp-data' }, mcpEntries.flatMap(([key, value]) => [h('dt', {}, [h('code', {}, [key])]), h('dd', {}, [h('pre', { class: 'json' }, [jsonText(value)])])]))
        : h('p', { class: 'empty-note' }, ['No MCP data shared.']),
    ),
  ];
  return [header, ...parts.filter((element) => element !== null)];
}

export class HandoffsView implements SectionView {
  readonly element: HTMLElement;
  readonly #list = h('ol', { class: 'handoff-list', 'aria-label': 'Handoffs' });
  readonly #inspector = h('div', { class: 'handoff-inspector', 'data-testid': 'handoff-inspector', id: 'handoff-inspector', role: 'region', 'aria-label': 'Handoff package', tabindex: -1 });
  readonly #empty = emptyNote('No handoffs yet.');
  readonly #layout: HTMLElement;
  readonly #count = h('span', { class: 'card-count' });
  readonly #items = new WeakMap<Element, HandoffItem>();
  #selectedId: string | null = null;
  #inspected: { id: string; package: HandoffView['package']; receivedAt: number | null; contextItems: number } | null = null;
  #state: RunState | null = null;

  constructor() {
    const { section, body } = card('Handoffs', { testId: 'handoffs', className: 'span-all', extra: this.#count });
    this.#layout = h('div', { class: 'handoff-layout' }, [h('div', { class: 'handoff-list-wrap' }, [this.#list]), this.#inspector]);
    body.append(this.#empty, this.#layout);
    this.element = section;
    this.#showHint();
  }

  /** Selects a handoff (a click here, or the host's reveal) and shows its package. */
  select(id: string): void {
    this.#selectedId = id;
    if (this.#state) this.update({ state: this.#state });
  }

  /** The list button of a drawn handoff, for reveal. */
  elementFor(id: string): HTMLElement | null {
    for (const item of this.#list.children) {
      if (item.getAttribute('data-handoff-id') === id) return item.querySelector('button');
    }
    return null;
  }

  update({ state }: Pick<RenderContext, 'state'>): void {
    this.#state = state;
    const handoffs = state.handoffs;
    this.#empty.hidden = handoffs.length > 0;
    this.#layout.hidden = handoffs.length === 0;
    setText(this.#count, handoffs.length > 0 ? count(handoffs.length, 'handoff') : '');
    reconcileList(
      this.#list,
      handoffs,
      (handoff) => handoff.id,
      (handoff) => this.#createItem(handoff),
      (element, handoff) => {
        const item = this.#items.get(element);
        if (item) this.#fillItem(item, handoff);
      },
    );
    const selected = this.#selectedId === null ? undefined : handoffs.find((handoff) => handoff.id === this.#selectedId);
    if (!selected) {
      if (this.#inspected !== null) this.#showHint();
      return;
    }
    const current = this.#inspected;
    // Redraw the package only when another handoff is selected or this one changed (received, re-sent).
    if (current && current.id === selected.id && current.package === selected.package && current.receivedAt === selected.receivedAt && current.contextItems === selected.contextItems) return;
    this.#inspected = { id: selected.id, package: selected.package, receivedAt: selected.receivedAt, contextItems: selected.contextItems };
    this.#inspector.replaceChildren(...packageView(selected));
  }

  #showHint(): void {
    this.#inspected = null;
    this.#inspector.replaceChildren(h('p', { class: 'empty-note inspector-hint' }, ['Select a handoff to see the context package it carried.']));
  }

  #createItem(handoff: HandoffView): Element {
    const items = h('span', { class: 'chip' });
    const received = h('span', { class: 'handoff-state' });
    const button = h('button', { type: 'button', class: 'handoff-button', 'data-testid': 'handoff', 'data-handoff-id': handoff.id, 'aria-controls': 'handoff-inspector' }, [
      h('span', { class: 'handoff-route' }, [handoff.from, h('span', { class: 'arrow' }, [' → ']), handoff.to]),
      h('span', { class: 'handoff-task' }, [handoff.task || '(task not recorded)']),
      h('span', { class: 'handoff-meta' }, [h('span', { class: `chip urgency-${handoff.urgency}` }, [handoff.urgency]), items, received]),
    ]);
    button.addEventListener('click', () => this.select(handoff.id));
    const element = h('li', { 'data-handoff-id': handoff.id }, [button]);
    const item = { button, items, state: received };
    this.#items.set(element, item);
    this.#fillItem(item, handoff);
    return element;
  }

  #fillItem(item: HandoffItem, handoff: HandoffView): void {
    setText(item.items, count(handoff.contextItems, 'context item'));
    setText(item.state, handoff.receivedAt === null ? 'in transit' : 'received');
    setAttr(item.button, 'aria-current', handoff.id === this.#selectedId ? 'true' : null);
    setAttr(item.button, 'class', `handoff-button${handoff.id === this.#selectedId ? ' is-selected' : ''}`);
  }
}
