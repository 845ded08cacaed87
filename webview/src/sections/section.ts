// What every section of the dashboard is: an element built once, updated in place from the run state.
import type { DashboardSession } from '../../../src/shared/dashboardProtocol';
import type { RunState } from '../../../src/core/logging/runState';
import type { HostBridge } from '../hostBridge';
import { h, type Child } from '../dom';

export interface RenderContext {
  readonly state: RunState;
  readonly session: DashboardSession;
  readonly host: HostBridge;
}

export interface SectionView {
  readonly element: HTMLElement;
  update(context: RenderContext): void;
}

let headingIds = 0;

/** A titled card: `<section aria-labelledby>` with an `<h2>`, so every section is reachable by heading. */
export function card(title: string, options: { testId?: string; className?: string; extra?: Child } = {}): { section: HTMLElement; body: HTMLElement; heading: HTMLElement } {
  const id = `section-${++headingIds}`;
  const heading = h('h2', { id }, [title]);
  const body = h('div', { class: 'card-body' });
  const section = h('section', { class: `card ${options.className ?? ''}`.trim(), 'aria-labelledby': id, 'data-testid': options.testId }, [
    h('div', { class: 'card-header' }, [heading, options.extra]),
    body,
  ]);
  return { section, body, heading };
}

/** The muted line a section shows when it has nothing yet. */
export function emptyNote(text: string): HTMLElement {
  return h('p', { class: 'empty-note' }, [text]);
}
