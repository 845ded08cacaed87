// Record and replay of model turns. Recording wraps any ModelClient and reports each turn (request, streamed parts,
// failure, duration) when it ends, for the run's journal; replay answers turn N from recorded exchange N with no
// provider at all, and stops at the first turn whose request differs from the recording.
import { isDeepStrictEqual } from 'node:util';
import { ModelError, type ModelClient, type ModelMessage, type ModelRequest, type ModelStreamPart } from '../core/ports';
import type { RecordedModelExchange } from '../core/protocol/modelExchange';

export class RecordingModelClient implements ModelClient {
  readonly provider: string;
  readonly modelId: string;
  readonly contextWindow: number | undefined;

  constructor(
    private readonly inner: ModelClient,
    private readonly onExchange: (exchange: RecordedModelExchange) => void,
  ) {
    this.provider = inner.provider;
    this.modelId = inner.modelId;
    this.contextWindow = inner.contextWindow;
  }

  async *stream(request: ModelRequest): AsyncIterable<ModelStreamPart> {
    // Copied now: the loop goes on appending to its conversation after the turn.
    const recordedRequest: RecordedModelExchange['request'] = structuredClone({
      messages: [...request.messages],
      ...(request.tools ? { tools: [...request.tools] } : {}),
      ...(request.maxOutputTokens !== undefined ? { maxOutputTokens: request.maxOutputTokens } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    });
    const parts: ModelStreamPart[] = [];
    let error: RecordedModelExchange['error'];
    const started = performance.now();
    try {
      for await (const part of this.inner.stream(request)) {
        const previous = parts.at(-1);
        // Text deltas are coalesced: the journal keeps what was said, not how the network chunked it.
        if (part.type === 'text' && previous?.type === 'text') parts[parts.length - 1] = { type: 'text', text: previous.text + part.text };
        else parts.push(structuredClone(part));
        yield part;
      }
    } catch (failure) {
      error =
        failure instanceof ModelError
          ? { kind: failure.kind, message: failure.message, ...(failure.status !== undefined ? { status: failure.status } : {}), ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}) }
          : { kind: 'provider', message: failure instanceof Error ? failure.message : String(failure) };
      throw failure;
    } finally {
      this.onExchange({
        provider: this.provider,
        modelId: this.modelId,
        request: recordedRequest,
        parts,
        ...(error ? { error } : {}),
        durationMs: Math.max(0, performance.now() - started),
      });
    }
  }
}

/** A replayed run asked the model something the recording did not: its code, prompts or files changed. */
export class ReplayDivergenceError extends Error {
  constructor(
    /** 1-based model turn of this client. */
    readonly turn: number,
    readonly difference: string,
  ) {
    super(`Replay diverges at model turn ${turn}: ${difference}`);
    this.name = 'ReplayDivergenceError';
  }
}

export class ReplayModelClient implements ModelClient {
  readonly provider: string;
  readonly modelId: string;
  private turn = 0;

  constructor(
    private readonly exchanges: readonly RecordedModelExchange[],
    identity: { provider?: string; modelId?: string } = {},
    /**
     * Applied to the recorded and the live request before they are compared: what may differ between runs without
     * the run being different (random ids, the folder the run happens in, secrets masked in the journal).
     */
    private readonly comparable: (request: Omit<ModelRequest, 'signal'>) => Omit<ModelRequest, 'signal'> = (request) => request,
  ) {
    this.provider = identity.provider ?? exchanges[0]?.provider ?? 'replay';
    this.modelId = identity.modelId ?? exchanges[0]?.modelId ?? 'replay';
  }

  /** Turns answered so far (a replay that used fewer turns than recorded also diverged). */
  get turnsUsed(): number {
    return this.turn;
  }

  async *stream(request: ModelRequest): AsyncIterable<ModelStreamPart> {
    const turn = ++this.turn;
    const recorded = this.exchanges[turn - 1];
    if (!recorded) throw new ReplayDivergenceError(turn, `the run asks for another model turn, but the recording has only ${this.exchanges.length}`);
    const { signal: _signal, ...asked } = request;
    const difference = describeDifference(this.comparable(recorded.request), this.comparable(asked));
    if (difference) throw new ReplayDivergenceError(turn, difference);
    for (const part of recorded.parts) {
      if (request.signal?.aborted) throw new ModelError('aborted', this.provider, `${this.provider}: the model call was cancelled`);
      yield structuredClone(part);
    }
    if (recorded.error) {
      const { kind, message, status, retryAfterMs } = recorded.error;
      throw new ModelError(kind, this.provider, message, { status, retryAfterMs });
    }
  }
}

/** The first difference in messages or offered tool names, said so a reader finds it; undefined when none. */
function describeDifference(recorded: Omit<ModelRequest, 'signal'>, actual: Omit<ModelRequest, 'signal'>): string | undefined {
  const recordedTools = (recorded.tools ?? []).map((tool) => tool.name);
  const actualTools = (actual.tools ?? []).map((tool) => tool.name);
  if (!isDeepStrictEqual(recordedTools, actualTools)) return `tools offered: recorded [${recordedTools.join(', ')}], now [${actualTools.join(', ')}]`;
  const count = Math.max(recorded.messages.length, actual.messages.length);
  for (let index = 0; index < count; index++) {
    const was = recorded.messages[index];
    const now = actual.messages[index];
    if (!was || !now) {
      return `the conversation has ${actual.messages.length} messages, the recording ${recorded.messages.length}; message ${index + 1} ${was ? `(recorded ${was.role}) is missing` : `(${now!.role}) is new: ${snippet(contentOf(now!))}`}`;
    }
    if (!isDeepStrictEqual(normalize(was), normalize(now))) {
      if (was.role !== now.role) return `message ${index + 1}: recorded a ${was.role} message, now a ${now.role} message`;
      const [before, after] = [contentOf(was), contentOf(now)];
      let at = 0;
      while (at < before.length && before[at] === after[at]) at++;
      // Shown from a little before the first differing character: long prompts often differ only near their end.
      const from = Math.max(0, at - 30);
      const prefix = from > 0 ? '…' : '';
      return `message ${index + 1} (${now.role}) differs at character ${at + 1}: recorded ${snippet(prefix + before.slice(from))}, now ${snippet(prefix + after.slice(from))}`;
    }
  }
  return undefined;
}

/** As the journal stores it (JSON): keys holding undefined vanish. */
function normalize(message: ModelMessage): unknown {
  return JSON.parse(JSON.stringify(message)) as unknown;
}

function contentOf(message: ModelMessage): string {
  const calls = message.role === 'assistant' && message.toolCalls?.length ? ` + calls ${message.toolCalls.map((call) => `${call.name}(${call.inputText})`).join(', ')}` : '';
  return `${message.content}${calls}`;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return JSON.stringify(flat.length > 120 ? `${flat.slice(0, 120)}…` : flat);
}
