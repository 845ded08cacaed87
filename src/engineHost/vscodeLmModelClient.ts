// The `vscode.lm` model adapter as the engine process sees it. `vscode` exists only in the extension host, so each
// model turn is forwarded there over the engine protocol (model/stream, parts as model/part notifications) and
// served by src/vscode/languageModelBridge.ts. Everything arriving is validated before the tool loop sees it.
import { randomUUID } from 'node:crypto';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { CancellationTokenSource, ErrorCodes, ResponseError } from 'vscode-jsonrpc/node';
import { ModelError, type ModelClient, type ModelRequest, type ModelStreamPart } from '../core/ports';
import {
  HostMethods,
  HostNotifications,
  modelErrorFromData,
  type HostMethod,
  type LanguageModelInfo,
  type LanguageModelSelector,
} from '../shared/engineProtocol';
import type { z } from 'zod';

export const VSCODE_LM_PROVIDER = 'vscode-lm';

type StreamedPart = z.output<(typeof HostNotifications)['model/part']>['part'];

interface StreamSink {
  part(part: StreamedPart): void;
  fail(error: ModelError): void;
}

/**
 * The engine's end of the model bridge on one connection. vscode-jsonrpc keeps one handler per notification, so
 * there is one of these per connection; it routes each `model/part` to the turn that asked for it.
 */
export class VscodeLmBridgeClient {
  readonly #connection: MessageConnection;
  readonly #streams = new Map<string, StreamSink>();
  readonly #log: (line: string) => void;

  constructor(connection: MessageConnection, log: (line: string) => void = () => undefined) {
    this.#connection = connection;
    this.#log = log;
    connection.onNotification('model/part', (raw: unknown) => this.#route(raw));
  }

  /** The models VS Code offers for `selector`, best first; empty when none (or the window has none to offer). */
  async listModels(selector: LanguageModelSelector): Promise<LanguageModelInfo[]> {
    const raw = await this.#send('model/list', { selector }).catch((error: unknown) => {
      throw toModelError(error);
    });
    const parsed = HostMethods['model/list'].result.safeParse(raw);
    if (!parsed.success) throw new ModelError('bad-reply', VSCODE_LM_PROVIDER, `The VS Code window answered model/list with something malformed: ${parsed.error.message}`);
    return parsed.data.models;
  }

  /** A ModelClient bound to one model VS Code offers. */
  client(model: LanguageModelInfo): ModelClient {
    return new VscodeLmModelClient(this, model);
  }

  /** @internal One turn: see VscodeLmModelClient.stream. */
  async *streamTurn(model: LanguageModelInfo, request: ModelRequest): AsyncGenerator<ModelStreamPart> {
    if (request.signal?.aborted) throw aborted();
    const requestId = randomUUID();
    const queue: ModelStreamPart[] = [];
    let failure: ModelError | null = null;
    let finished = false;
    let wake: (() => void) | null = null;
    const notify = (): void => {
      const resume = wake;
      wake = null;
      resume?.();
    };
    const fail = (error: ModelError): void => {
      failure ??= error;
      notify();
    };
    this.#streams.set(requestId, {
      part: (part) => {
        if (failure || finished) return;
        queue.push(part);
        notify();
      },
      fail,
    });
    const cancellation = new CancellationTokenSource();
    // Aborting does not wait for the window to confirm: the loop must stop now, whatever the other side does.
    const onAbort = (): void => {
      cancellation.cancel();
      fail(aborted());
    };
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const params = {
      requestId,
      selector: { vendor: model.vendor, id: model.id },
      messages: [...request.messages],
      ...(request.tools ? { tools: [...request.tools] } : {}),
      ...(request.maxOutputTokens === undefined ? {} : { maxOutputTokens: request.maxOutputTokens }),
    };
    this.#send('model/stream', params, cancellation).then(
      (raw) => {
        const parsed = HostMethods['model/stream'].result.safeParse(raw);
        if (!parsed.success) {
          fail(new ModelError('bad-reply', VSCODE_LM_PROVIDER, `The VS Code window ended a model turn with a malformed finish: ${parsed.error.message}`));
          return;
        }
        if (failure) return;
        // Notifications and the reply share one ordered channel: every part of this turn arrived before this.
        queue.push({ type: 'finish', reason: parsed.data.reason, usage: parsed.data.usage });
        finished = true;
        notify();
      },
      (error: unknown) => fail(toModelError(error)),
    );
    try {
      for (;;) {
        const next = queue.shift();
        if (next) {
          yield next;
          if (next.type === 'finish') return;
          continue;
        }
        if (failure) throw failure;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      this.#streams.delete(requestId);
      request.signal?.removeEventListener('abort', onAbort);
      // A consumer that stops early (or a failure here) must not leave the model generating in the window.
      if (!finished) cancellation.cancel();
      cancellation.dispose();
    }
  }

  #send(method: HostMethod, params: unknown, cancellation?: CancellationTokenSource): Promise<unknown> {
    return cancellation ? this.#connection.sendRequest(method, params, cancellation.token) : this.#connection.sendRequest(method, params);
  }

  #route(raw: unknown): void {
    const parsed = HostNotifications['model/part'].safeParse(raw);
    if (parsed.success) {
      this.#streams.get(parsed.data.requestId)?.part(parsed.data.part);
      return;
    }
    // A malformed part must not be dropped silently: the turn it belongs to would continue with a hole in it.
    const requestId = raw && typeof raw === 'object' && 'requestId' in raw && typeof raw.requestId === 'string' ? raw.requestId : null;
    const sink = requestId === null ? undefined : this.#streams.get(requestId);
    if (sink) sink.fail(new ModelError('bad-reply', VSCODE_LM_PROVIDER, `The VS Code window streamed a malformed model part: ${parsed.error.message}`));
    else this.#log(`Ignored a malformed model/part notification: ${parsed.error.message}`);
  }
}

/** A `vscode.lm` model, reached through the extension host. */
export class VscodeLmModelClient implements ModelClient {
  readonly provider = VSCODE_LM_PROVIDER;
  readonly modelId: string;
  readonly contextWindow: number | undefined;
  readonly #bridge: VscodeLmBridgeClient;
  readonly #model: LanguageModelInfo;

  constructor(bridge: VscodeLmBridgeClient, model: LanguageModelInfo) {
    this.#bridge = bridge;
    this.#model = model;
    this.modelId = model.id;
    this.contextWindow = model.maxInputTokens > 0 ? model.maxInputTokens : undefined;
  }

  stream(request: ModelRequest): AsyncIterable<ModelStreamPart> {
    return this.#bridge.streamTurn(this.#model, request);
  }
}

/**
 * For the model resolver: the client of the first model VS Code offers for `selector`, or null when it offers none
 * (no model installed, signed out, or a selector that matches nothing), so the agents run offline.
 */
export async function createVscodeLmModelClient(bridge: VscodeLmBridgeClient, selector: LanguageModelSelector): Promise<ModelClient | null> {
  const [model] = await bridge.listModels(selector);
  return model ? bridge.client(model) : null;
}

/** vscode-jsonrpc's own codes for a request that never got an answer because the connection went away. */
const CONNECTION_LOST: ReadonlySet<number> = new Set([ErrorCodes.PendingResponseRejected, ErrorCodes.ConnectionInactive, ErrorCodes.MessageWriteError]);

function aborted(): ModelError {
  return new ModelError('aborted', VSCODE_LM_PROVIDER, 'The model call was cancelled.');
}

function toModelError(error: unknown): ModelError {
  if (error instanceof ModelError) return error;
  if (error instanceof ResponseError) {
    const carried = modelErrorFromData(error.data, VSCODE_LM_PROVIDER);
    if (carried) return carried;
    if (!CONNECTION_LOST.has(error.code)) return new ModelError('provider', VSCODE_LM_PROVIDER, `The VS Code window could not serve the model call: ${error.message}`, { cause: error });
  }
  // The connection itself failed: the window closed or the extension host restarted.
  const message = error instanceof Error ? error.message : String(error);
  return new ModelError('network', VSCODE_LM_PROVIDER, `The connection to the VS Code window was lost during a model call (${message}).`, { cause: error });
}
