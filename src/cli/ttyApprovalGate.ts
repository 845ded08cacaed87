// `--ask`: the CLI asks the user on the terminal before an agent's edit or command goes ahead.
import { createInterface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';
import type { ApprovalDecision, ApprovalGate, ApprovalRequest } from '../core/ports';

/** Control characters of a model's text must never reach the terminal raw (they could rewrite what the user sees). */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function describe(request: ApprovalRequest): string {
  if (request.kind === 'edit') return `${request.agent} wants to change ${request.file}:\n${request.diff}`;
  if (request.kind === 'command') return `${request.agent} wants to run:\n  ${request.command}`;
  return `${request.agent} wants to use ${request.tool} with ${JSON.stringify(request.input)}`;
}

/**
 * Asks one question at a time (parallel agents queue), on a TTY: y = approve, a = approve all of this kind for the
 * run, n = reject (then a reason). Anything else asks again.
 */
export class TtyApprovalGate implements ApprovalGate {
  readonly #input: Readable;
  readonly #output: Writable;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(input: Readable, output: Writable) {
    this.#input = input;
    this.#output = output;
  }

  request(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalDecision> {
    const asked = this.#queue.then(() => this.#ask(request, signal));
    this.#queue = asked.catch(() => undefined);
    return asked;
  }

  async #ask(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalDecision> {
    signal.throwIfAborted();
    const rl = createInterface({ input: this.#input, terminal: false });
    // The iterator buffers lines, so answers typed ahead (or piped) are not lost between two questions.
    const lines = rl[Symbol.asyncIterator]();
    let onAbort = (): void => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => {}); // observed by the race below; never an unhandled rejection
    const question = async (prompt: string): Promise<string> => {
      this.#output.write(prompt);
      const next = await Promise.race([lines.next(), aborted]);
      if (next.done) throw new Error('The terminal closed before the approval was answered');
      return String(next.value).trim();
    };
    try {
      this.#output.write(`\n${printable(describe(request))}\n`);
      for (;;) {
        const answer = (await question('Approve? [y]es / [a]ll of this kind for this run / [n]o: ')).toLowerCase();
        if (answer === 'y' || answer === 'yes') return { decision: 'approve' };
        if (answer === 'a' || answer === 'all') return { decision: 'approve-all' };
        if (answer === 'n' || answer === 'no') {
          const reason = await question('Why (the agent reads this)? ');
          return { decision: 'reject', reason: reason || 'no reason given' };
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      rl.close();
    }
  }
}
