// The page: builds the layout for what the model shows (a session, the empty state, or loading), then on each
// frame updates only the sections the model marked dirty. Also the error banner and "reveal" from the host.
import type { RevealTarget } from '../../src/shared/dashboardProtocol';
import type { DashboardModel, SectionId } from './dashboardModel';
import { ALL_SECTIONS } from './dashboardModel';
import { h } from './dom';
import type { HostBridge } from './hostBridge';
import { AgentsView } from './sections/agents';
import { ChangesView } from './sections/changes';
import { FindingsView } from './sections/findings';
import { FlowGraphView } from './sections/flowGraph';
import { HandoffsView } from './sections/handoffs';
import { HeaderView, ProgressView } from './sections/header';
import { MessagesView } from './sections/messages';
import { MetricsView } from './sections/metrics';
import { PatternsView } from './sections/patterns';
import type { RenderContext, SectionView } from './sections/section';
import { RecommendationsView, SummaryView } from './sections/summary';
import { TimelineView } from './sections/timeline';

const MAX_BANNER_ERRORS = 3;

interface SessionLayout {
  sections: Map<SectionId, SectionView>;
  findings: FindingsView;
  handoffs: HandoffsView;
}

export class DashboardPage {
  readonly #root: HTMLElement;
  readonly #model: DashboardModel;
  readonly #host: HostBridge;
  readonly #banner = h('div', { class: 'banner', hidden: true });
  readonly #content = h('div', { class: 'content' });
  #layout: SessionLayout | null = null;
  #pendingReveal: RevealTarget | null = null;

  constructor(root: HTMLElement, model: DashboardModel, host: HostBridge) {
    this.#root = root;
    this.#model = model;
    this.#host = host;
    this.#root.replaceChildren(this.#banner, this.#content);
  }

  /** Draws what changed since the last frame. */
  render(): void {
    const work = this.#model.takeWork();
    const view = this.#model.view;
    if (work.layoutChanged) this.#build();
    if (view.kind !== 'session' || !this.#layout) return;
    const context: RenderContext = { state: view.state, session: view.session, host: this.#host };
    for (const id of ALL_SECTIONS) if (work.dirty.has(id)) this.#layout.sections.get(id)?.update(context);
    this.#revealPending();
    // The dashboard bench reads this to time event -> painted.
    document.body.dataset.lastSeq = String(view.state.lastSeq);
  }

  /** Shows a problem without stopping the page (a malformed message from the host, an unreadable embedded session). */
  showError(message: string): void {
    const close = h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Dismiss' }, ['×']);
    // Each entry is its own alert: inserting it is what makes a screen reader announce it.
    const entry = h('div', { class: 'banner-entry', role: 'alert' }, [h('span', {}, [message]), close]);
    close.addEventListener('click', () => {
      entry.remove();
      this.#banner.hidden = this.#banner.childElementCount === 0;
    });
    this.#banner.append(entry);
    while (this.#banner.childElementCount > MAX_BANNER_ERRORS) this.#banner.firstElementChild?.remove();
    this.#banner.hidden = false;
  }

  /** Scrolls to and focuses a handoff or finding, now or as soon as it is drawn. */
  reveal(target: RevealTarget): void {
    this.#pendingReveal = target;
    if (target.kind === 'finding') {
      this.#layout?.findings.pin(target.id);
      this.#model.markDirty('findings');
    } else {
      this.#layout?.handoffs.select(target.id);
    }
  }

  #revealPending(): void {
    const target = this.#pendingReveal;
    if (!target || !this.#layout) return;
    const element = target.kind === 'finding' ? this.#layout.findings.elementFor(target.id) : this.#layout.handoffs.elementFor(target.id);
    if (!element) return;
    if (target.kind === 'handoff') this.#layout.handoffs.select(target.id);
    this.#pendingReveal = null;
    const highlighted = element.closest('tr, li') ?? element;
    highlighted.classList.remove('is-revealed');
    // Restart the highlight animation even when the same item is revealed twice in a row.
    void (highlighted as HTMLElement).offsetWidth;
    highlighted.classList.add('is-revealed');
    highlighted.addEventListener('animationend', () => highlighted.classList.remove('is-revealed'), { once: true });
    element.scrollIntoView({ block: 'center', behavior: 'smooth' });
    element.focus({ preventScroll: true });
  }

  #build(): void {
    const view = this.#model.view;
    this.#layout = null;
    if (view.kind === 'loading') {
      this.#content.replaceChildren(h('p', { class: 'loading', role: 'status' }, ['Loading the dashboard…']));
      return;
    }
    if (view.kind === 'empty') {
      this.#pendingReveal = null;
      this.#content.replaceChildren(this.#emptyState(view.message));
      return;
    }
    const context: RenderContext = { state: view.state, session: view.session, host: this.#host };
    const progress = new ProgressView();
    const header = new HeaderView(context, progress.element);
    const findings = new FindingsView(this.#host);
    const handoffs = new HandoffsView();
    if (this.#pendingReveal?.kind === 'finding') findings.pin(this.#pendingReveal.id);
    if (this.#pendingReveal?.kind === 'handoff') handoffs.select(this.#pendingReveal.id);
    const sections = new Map<SectionId, SectionView>([
      ['header', header],
      ['progress', progress],
      ['agents', new AgentsView()],
      ['flow', new FlowGraphView()],
      ['timeline', new TimelineView()],
      ['findings', findings],
      ['changes', new ChangesView(this.#host)],
      ['handoffs', handoffs],
      ['messages', new MessagesView()],
      ['metrics', new MetricsView()],
      ['patterns', new PatternsView()],
      ['summary', new SummaryView()],
      ['recommendations', new RecommendationsView()],
    ]);
    const card = (id: SectionId): HTMLElement => sections.get(id)!.element;
    const grid = h('div', { class: 'grid' }, [
      card('agents'),
      card('flow'),
      card('timeline'),
      card('findings'),
      card('changes'),
      card('handoffs'),
      card('messages'),
      h('div', { class: 'stack' }, [card('metrics'), card('summary')]),
      card('recommendations'),
      card('patterns'),
    ]);
    this.#content.replaceChildren(h('main', { class: 'dashboard' }, [header.element, grid]));
    this.#layout = { sections, findings, handoffs };
  }

  #emptyState(message: string): HTMLElement {
    const children: HTMLElement[] = [h('h1', {}, ['Agent Orchestrator']), h('p', {}, [message])];
    // Only a host can start a run; the standalone file never shows the empty state with a button.
    if (this.#host.mode === 'vscode') {
      const button = h('button', { type: 'button', class: 'button primary' }, ['Orchestrate Request']);
      button.addEventListener('click', () => this.#host.post({ type: 'orchestrateRequest' }));
      children.push(button);
    }
    return h('main', { class: 'empty-state', 'data-testid': 'empty-state' }, children);
  }
}
