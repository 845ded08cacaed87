// The run at a glance: the request, its status (announced politely to screen readers), session id, times, the
// buttons that need the host (cancel, export), and the progress bar of the seed's "Execution Progress".
import { progressOf } from '../../../src/core/logging/runState';
import { h, setAttr, setStyle, setText } from '../dom';
import { clock, dateTime, duration, runStatusClass, runStatusWord } from '../format';
import type { RenderContext, SectionView } from './section';

export class HeaderView implements SectionView {
  readonly element: HTMLElement;
  readonly #workspace = h('span', { class: 'eyebrow-workspace' });
  readonly #request = h('h1', { class: 'request' });
  readonly #status = h('span', { class: 'badge', 'data-testid': 'run-status', role: 'status', 'aria-live': 'polite' });
  readonly #session = h('code', { class: 'session-id' });
  readonly #started = h('span');
  readonly #duration = h('span');
  readonly #error = h('p', { class: 'run-error', role: 'alert', hidden: true });
  readonly #actions = h('div', { class: 'actions' });
  readonly #cancel = h('button', { type: 'button', class: 'button danger', 'data-testid': 'cancel-run', hidden: true }, ['Cancel Run']);
  readonly #exportMarkdown = h('button', { type: 'button', class: 'button secondary', 'data-testid': 'export-markdown', hidden: true }, ['Export Markdown']);
  readonly #exportJson = h('button', { type: 'button', class: 'button secondary', 'data-testid': 'export-json', hidden: true }, ['Export JSON']);
  #sessionId = '';
  #cancelRequested = false;

  constructor(context: RenderContext, progress: HTMLElement) {
    const { host } = context;
    this.#cancel.addEventListener('click', () => {
      this.#cancelRequested = true;
      this.#cancel.disabled = true;
      setText(this.#cancel, 'Cancelling…');
      host.post({ type: 'cancelRun', sessionId: this.#sessionId });
    });
    this.#exportMarkdown.addEventListener('click', () => host.post({ type: 'exportReport', sessionId: this.#sessionId, format: 'markdown' }));
    this.#exportJson.addEventListener('click', () => host.post({ type: 'exportReport', sessionId: this.#sessionId, format: 'json' }));
    this.#actions.append(this.#cancel, this.#exportMarkdown, this.#exportJson);

    const meta = h('dl', { class: 'run-meta' }, [
      h('div', {}, [h('dt', {}, ['Status']), h('dd', {}, [this.#status])]),
      h('div', {}, [h('dt', {}, ['Session']), h('dd', {}, [this.#session])]),
      h('div', {}, [h('dt', {}, ['Started']), h('dd', {}, [this.#started])]),
      h('div', {}, [h('dt', {}, ['Duration']), h('dd', {}, [this.#duration])]),
    ]);
    this.element = h('header', { class: 'run-header' }, [
      h('div', { class: 'title-row' }, [
        h('div', { class: 'title-block' }, [h('p', { class: 'eyebrow' }, ['Agent Orchestrator', this.#workspace]), this.#request]),
        this.#actions,
      ]),
      meta,
      progress,
      this.#error,
    ]);
  }

  update({ state, session }: RenderContext): void {
    this.#sessionId = session.sessionId;
    setText(this.#workspace, session.workspaceName ? ` · ${session.workspaceName}` : '');
    setText(this.#request, state.request || '(request not recorded yet)');
    setAttr(this.#request, 'title', state.request);
    const word = runStatusWord(state, session.live);
    setText(this.#status, word);
    setAttr(this.#status, 'class', `badge ${runStatusClass(state, session.live)}`);
    setText(this.#session, session.sessionId);
    setText(this.#started, state.startedAt === null ? '—' : clock(state.startedAt));
    setAttr(this.#started, 'title', state.startedAt === null ? null : dateTime(state.startedAt));
    const running = state.status === 'running';
    const elapsed = state.durationMs ?? (state.startedAt !== null && state.lastEventAt !== null ? state.lastEventAt - state.startedAt : null);
    setText(this.#duration, elapsed === null ? '—' : `${duration(elapsed)}${running && session.live ? ' so far' : ''}`);

    this.#error.hidden = !state.error;
    setText(this.#error, state.error ?? '');

    this.#cancel.hidden = !(session.live && session.interactive && running);
    if (!running) this.#cancelRequested = false;
    if (!this.#cancelRequested) {
      this.#cancel.disabled = false;
      setText(this.#cancel, 'Cancel Run');
    }
    this.#exportMarkdown.hidden = !session.interactive;
    this.#exportJson.hidden = !session.interactive;
    this.#actions.hidden = this.#cancel.hidden && !session.interactive;
  }
}

/** The progress bar: agents that reached an end state out of all agents of the run. */
export class ProgressView implements SectionView {
  readonly element: HTMLElement;
  readonly #bar = h('div', { class: 'progress', role: 'progressbar', 'data-testid': 'progress', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-label': 'Execution progress' });
  readonly #fill = h('div', { class: 'progress-fill' });
  readonly #label = h('span', { class: 'progress-label' });

  constructor() {
    this.#bar.append(this.#fill);
    this.element = h('div', { class: 'progress-row' }, [this.#bar, this.#label]);
  }

  update({ state }: RenderContext): void {
    const progress = progressOf(state);
    setAttr(this.#bar, 'aria-valuenow', progress.percent);
    const text = `${progress.done} of ${progress.total} agents finished`;
    setAttr(this.#bar, 'aria-valuetext', `${progress.percent}% (${text})`);
    setStyle(this.#fill, 'width', `${progress.percent}%`);
    setAttr(this.#fill, 'class', `progress-fill ${state.status === 'running' ? 'is-running' : state.status === 'completed' ? 'is-done' : 'is-stopped'}`);
    setText(this.#label, `${progress.percent}% · ${text}`);
  }
}
