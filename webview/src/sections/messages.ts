// The seed's "Recent Agent Messages": the newest messages first, each with what it carried in one line.
import type { Message } from '../../../src/core/protocol/messages';
import { h, reconcileList, setText } from '../dom';
import { clock, dateTime, truncate } from '../format';
import { card, emptyNote, type RenderContext, type SectionView } from './section';

export const RECENT_MESSAGES = 50;

/** One line about the payload, so the list says what was said and not only who spoke. */
export function messageGist(message: Message): string {
  switch (message.type) {
    case 'finding_report':
      return `${message.payload.severity} ${message.payload.ruleId} at ${message.payload.file}:${message.payload.line}`;
    case 'context_share':
      return `shared ${message.payload.topic}`;
    case 'warning':
      return message.payload.message;
    case 'assistance_request':
      return `asks for ${message.payload.capability} (${message.payload.urgency})`;
    case 'assistance_response':
      return message.payload.resolved ? 'resolved' : 'not resolved';
    case 'validation_request':
      return `review of ${message.payload.filesModified.join(', ') || 'changes'}`;
    case 'validation_result':
      return `${message.payload.approved ? 'approved' : 'rejected'}${message.payload.reasons.length > 0 ? `: ${message.payload.reasons.join('; ')}` : ''}`;
    case 'handoff':
      return message.payload.task;
    case 'progress_update':
      return `${Math.round(message.payload.progress)}% ${message.payload.status}`;
    case 'pattern_discovered':
      return message.payload.pattern;
    case 'optimization_tip':
      return message.payload.tip;
  }
}

function messageItem(message: Message): HTMLElement {
  const gist = messageGist(message);
  return h('li', { class: `message priority-${message.priority}`, 'data-testid': 'recent-message', 'data-type': message.type }, [
    h('time', { class: 'message-time', datetime: new Date(message.timestamp).toISOString(), title: dateTime(message.timestamp) }, [clock(message.timestamp)]),
    h('span', { class: 'message-main' }, [
      h('span', { class: 'message-route' }, [
        h('span', { class: 'agent-ref' }, [message.from]),
        h('span', { class: 'arrow' }, [' → ']),
        h('span', { class: 'agent-ref' }, [message.to === 'all' ? 'all agents' : message.to]),
        ' ',
        h('span', { class: 'chip message-type' }, [message.type]),
        message.priority !== 'normal' ? h('span', { class: `chip priority priority-${message.priority}` }, [message.priority]) : null,
      ]),
      h('span', { class: 'message-gist', title: gist }, [truncate(gist, 160)]),
    ]),
  ]);
}

export class MessagesView implements SectionView {
  readonly element: HTMLElement;
  readonly #list = h('ol', { class: 'message-list' });
  readonly #empty = emptyNote('No messages yet.');
  readonly #count = h('span', { class: 'card-count' });

  constructor() {
    const { section, body } = card('Recent Messages', { testId: 'messages', className: 'messages-card', extra: this.#count });
    body.append(this.#empty, h('div', { class: 'message-scroll' }, [this.#list]));
    this.element = section;
  }

  update({ state }: RenderContext): void {
    const recent = state.messages.slice(-RECENT_MESSAGES).reverse();
    this.#empty.hidden = recent.length > 0;
    setText(this.#count, state.messageCount > recent.length ? `last ${recent.length} of ${state.messageCount}` : recent.length > 0 ? String(recent.length) : '');
    reconcileList(this.#list, recent, (message) => message.id, messageItem);
  }
}
