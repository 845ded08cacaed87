// Errors the bus throws. Each names the agents and message type involved, because a user reading a run's log
// needs to know which conversation broke, not just that one did.
import type { MessageType } from '../protocol/messages';

/** A sender, recipient or subscriber name that is not registered on the bus. */
export class UnknownAgentError extends Error {
  constructor(
    readonly agent: string,
    readonly role: 'sender' | 'recipient' | 'agent',
  ) {
    super(`Unknown ${role} "${agent}": register it with registerAgent() first`);
    this.name = 'UnknownAgentError';
  }
}

/** A request that got no reply within its timeout. */
export class RequestTimeoutError extends Error {
  constructor(
    readonly from: string,
    readonly to: string,
    readonly type: MessageType,
    readonly timeoutMs: number,
    readonly requestId: string,
  ) {
    super(`${type} from "${from}" to "${to}" got no reply within ${timeoutMs} ms (request ${requestId})`);
    this.name = 'RequestTimeoutError';
  }
}

/** requestAssistance found no registered agent (other than the requester) with the capability. */
export class NoCapableAgentError extends Error {
  constructor(
    readonly capability: string,
    readonly from: string,
  ) {
    super(`No registered agent other than "${from}" has the capability "${capability}"`);
    this.name = 'NoCapableAgentError';
  }
}

/** request() was addressed to an agent that never called handleRequests for that type, so no reply could come. */
export class NoRequestHandlerError extends Error {
  constructor(
    readonly from: string,
    readonly to: string,
    readonly type: MessageType,
  ) {
    super(`"${to}" does not answer ${type} messages (no handler registered), so the request from "${from}" cannot be answered`);
    this.name = 'NoRequestHandlerError';
  }
}

/** The recipient's request handler threw, returned an invalid reply, or the recipient left the bus. */
export class RequestFailedError extends Error {
  constructor(
    readonly from: string,
    readonly to: string,
    readonly type: MessageType,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${type} from "${from}" to "${to}" failed: ${reason}`, options);
    this.name = 'RequestFailedError';
  }
}

/** The bus was shut down: pending requests are rejected with it and new sends are refused. */
export class BusShutdownError extends Error {
  constructor(detail: string) {
    super(`Communication bus shut down: ${detail}`);
    this.name = 'BusShutdownError';
  }
}
