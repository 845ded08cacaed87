// Errors of the handoff system; each names the handoff and the agents, so a user can find it in the run log.

/** receiveHandoff was given an id this system never initiated (or has forgotten). */
export class UnknownHandoffError extends Error {
  constructor(readonly handoffId: string, readonly agent: string) {
    super(`"${agent}" cannot receive handoff "${handoffId}": no such handoff was initiated`);
    this.name = 'UnknownHandoffError';
  }
}

/** An agent tried to receive a handoff addressed to another agent. */
export class HandoffRecipientError extends Error {
  constructor(readonly handoffId: string, readonly agent: string, readonly addressedTo: string) {
    super(`Handoff "${handoffId}" is addressed to "${addressedTo}", not "${agent}"`);
    this.name = 'HandoffRecipientError';
  }
}

/** A handoff was received a second time; its context was already handed to the agent. */
export class HandoffAlreadyReceivedError extends Error {
  constructor(readonly handoffId: string, readonly agent: string) {
    super(`Handoff "${handoffId}" was already received by "${agent}"`);
    this.name = 'HandoffAlreadyReceivedError';
  }
}
