// The extension host's side of the engine process: starts `dist/engineHost.js` with Node IPC, speaks the typed
// JSON-RPC protocol of src/shared/engineProtocol.ts, and validates every result and notification on arrival.
// The process starts on first use (never at activation) and is restarted on the next call if it dies.
import { fork, type ChildProcess } from 'node:child_process';
import { ModelError } from '../core/ports';
import type { OrchestratorEvent } from '../core/protocol/events';
import { parseOrThrow } from '../core/protocol/validation';
import {
  EngineErrorCodes,
  EngineMethods,
  EngineNotifications,
  HostMethods,
  HostNotifications,
  modelErrorData,
  type EngineMethod,
  type EngineParams,
  type EngineResult,
  type HostMethod,
  type HostNotification,
  type HostParams,
  type HostResult,
} from '../shared/engineProtocol';
import type { z } from 'zod';

const NO_WORKSPACE_MESSAGE = 'Agent Orchestrator works on a folder on this machine: open a local folder first.';

/** What the rest of the VS Code glue needs from the engine; tests may pass another implementation. */
export interface EngineApi {
  request<M extends EngineMethod>(method: M, params: EngineParams<M>, signal?: AbortSignal): Promise<EngineResult<M>>;
  /** Called with each event of a running session once it is durable. Returns an unsubscribe function. */
  onEvent(listener: (event: OrchestratorEvent) => void): () => void;
  onWarning(listener: (message: string) => void): () => void;
  dispose(): Promise<void>;
}

/** An engine call that failed; `code` is one of EngineErrorCodes when the engine said why. */
export class EngineRequestError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'EngineRequestError';
  }
}

/** What a host handler gets besides its params: cancellation, and a way to stream notifications for its request. */
export interface HostRequestContext {
  signal: AbortSignal;
  notify<N extends HostNotification>(method: N, params: z.input<(typeof HostNotifications)[N]>): Promise<void>;
}

/** The extension host's answers to the engine's requests (HostMethods). A thrown ModelError crosses typed. */
export type HostHandlers = {
  [M in HostMethod]: (params: HostParams<M>, context: HostRequestContext) => Promise<HostResult<M>>;
};

export interface EngineProcessOptions {
  /** Absolute path of dist/engineHost.js. */
  scriptPath: string;
  /** The folder the engine works on; null when the window has no local folder (every request is then refused). */
  workspaceRoot: string | null;
  wasmPath: string;
  /** Where the engine's stderr goes (the output channel). */
  log: (line: string) => void;
  /** Node flags for the engine process (tests run the TypeScript source with `--import tsx`). @default [] */
  execArgv?: string[];
  /** Serves the engine's requests to the window (vscode.lm); a request without its handler fails as unhandled. */
  hostHandlers?: Partial<HostHandlers>;
  /**
   * Extra environment for the engine process, read at each start (API keys from secret storage: the process
   * environment is the one place they pass, never settings, arguments or logs).
   */
  environment?: () => Promise<Record<string, string | undefined>>;
}

type Connection = import('vscode-jsonrpc/node').MessageConnection;

export class EngineProcess implements EngineApi {
  readonly #options: EngineProcessOptions;
  readonly #eventListeners = new Set<(event: OrchestratorEvent) => void>();
  readonly #warningListeners = new Set<(message: string) => void>();
  #started: Promise<{ child: ChildProcess; connection: Connection }> | null = null;
  #disposed = false;
  /** Requests in flight; a restart waits until there are none, so it never cuts a run short. */
  #pending = 0;
  #restartWanted = false;
  #current: { child: ChildProcess; connection: Connection } | null = null;

  constructor(options: EngineProcessOptions) {
    this.#options = options;
  }

  onEvent(listener: (event: OrchestratorEvent) => void): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  onWarning(listener: (message: string) => void): () => void {
    this.#warningListeners.add(listener);
    return () => this.#warningListeners.delete(listener);
  }

  async request<M extends EngineMethod>(method: M, params: EngineParams<M>, signal?: AbortSignal): Promise<EngineResult<M>> {
    if (this.#disposed) throw new EngineRequestError('The orchestrator engine has shut down.', null);
    if (this.#options.workspaceRoot === null) throw new EngineRequestError(NO_WORKSPACE_MESSAGE, EngineErrorCodes.noWorkspace);
    this.#pending += 1;
    try {
      return await this.#send(method, params, signal);
    } finally {
      this.#pending -= 1;
      if (this.#pending === 0 && this.#restartWanted) this.#stopForRestart();
    }
  }

  /**
   * Stops the engine process once no request is in flight; the next request starts a fresh one (with the current
   * environment: a changed provider or key takes effect without touching a run in progress).
   */
  restartWhenIdle(): void {
    if (this.#disposed || !this.#started) return;
    this.#restartWanted = true;
    if (this.#pending === 0) this.#stopForRestart();
  }

  #stopForRestart(): void {
    this.#restartWanted = false;
    const started = this.#started;
    this.#started = null;
    // Its exit must not touch the process started after it.
    this.#current = null;
    void started?.then(({ child, connection }) => this.#shutDown(child, connection)).catch(() => undefined);
  }

  async #send<M extends EngineMethod>(method: M, params: EngineParams<M>, signal?: AbortSignal): Promise<EngineResult<M>> {
    const { child, connection } = await this.#ensureStarted();
    const rpc = await import('vscode-jsonrpc/node');
    const source = new rpc.CancellationTokenSource();
    const onAbort = (): void => source.cancel();
    if (signal?.aborted) source.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const raw: unknown = await connection.sendRequest(method, params, source.token);
      return parseOrThrow(EngineMethods[method].result, raw, `engine reply to ${method}`) as EngineResult<M>;
    } catch (error) {
      // The connection rejects pending requests with a bare "connection got disposed" when the process dies.
      if (child.exitCode !== null || child.signalCode !== null) {
        const how = child.signalCode ?? `exit code ${child.exitCode}`;
        throw new EngineRequestError(
          `The orchestrator engine process stopped unexpectedly (${how}) during "${method}". A run in progress is kept as interrupted; the engine restarts on the next request.`,
          EngineErrorCodes.engineStopped,
        );
      }
      throw toEngineError(error);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      source.dispose();
    }
  }

  async #ensureStarted(): Promise<{ child: ChildProcess; connection: Connection }> {
    this.#started ??= this.#start().catch((error: unknown) => {
      this.#started = null;
      throw error;
    });
    return this.#started;
  }

  async #start(): Promise<{ child: ChildProcess; connection: Connection }> {
    const rpc = await import('vscode-jsonrpc/node');
    const { scriptPath, wasmPath, log } = this.#options;
    const workspaceRoot = this.#options.workspaceRoot ?? '';
    // The extension host may run inside Electron: ELECTRON_RUN_AS_NODE makes its binary a plain Node.
    const extraEnvironment = (await this.#options.environment?.()) ?? {};
    const child = fork(scriptPath, ['--workspace', workspaceRoot, '--wasm', wasmPath], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, ...extraEnvironment, ELECTRON_RUN_AS_NODE: '1' },
      execArgv: this.#options.execArgv ?? [],
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.trim()) log(line);
    });
    const connection = rpc.createMessageConnection(new rpc.IPCMessageReader(child), new rpc.IPCMessageWriter(child));
    connection.onNotification('event', (raw: unknown) => {
      let event: OrchestratorEvent;
      try {
        event = parseOrThrow(EngineNotifications.event, raw, 'engine event').event;
      } catch (error) {
        log(`Ignored a malformed event from the engine: ${(error as Error).message}`);
        return;
      }
      for (const listener of this.#eventListeners) listener(event);
    });
    connection.onNotification('warning', (raw: unknown) => {
      const parsed = EngineNotifications.warning.safeParse(raw);
      const message = parsed.success ? parsed.data.message : 'The engine sent a malformed warning.';
      for (const listener of this.#warningListeners) listener(message);
    });
    if (this.#options.hostHandlers) serveHost(connection, this.#options.hostHandlers, rpc);
    const started = { child, connection };
    child.once('exit', (code, signal) => {
      connection.dispose();
      // A process stopped for a restart exits on purpose, and the next one may already be starting.
      if (this.#current !== started) return;
      this.#current = null;
      this.#started = null;
      if (!this.#disposed) log(`The engine process exited (${signal ?? `code ${code}`}); it restarts on the next request.`);
    });
    connection.listen();
    this.#current = started;
    return started;
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    const started = this.#started;
    this.#started = null;
    if (!started) return;
    const { child, connection } = await started.catch(() => ({ child: null, connection: null }));
    if (!child || !connection) return;
    await this.#shutDown(child, connection);
  }

  async #shutDown(child: ChildProcess, connection: Connection): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    // A graceful shutdown lets the engine cancel a run and write its final snapshot; then it exits on its own.
    connection.sendNotification('shutdown').catch(() => undefined);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    connection.dispose();
  }
}

/** Registers the window's answers to the engine's requests: params validated here, model failures sent typed. */
function serveHost(connection: Connection, handlers: Partial<HostHandlers>, rpc: typeof import('vscode-jsonrpc/node')): void {
  for (const method of Object.keys(HostMethods) as HostMethod[]) {
    if (!handlers[method]) continue;
    connection.onRequest(method, async (raw: unknown, token: import('vscode-jsonrpc/node').CancellationToken) => {
      const parsed = HostMethods[method].params.safeParse(raw ?? {});
      if (!parsed.success) {
        throw new rpc.ResponseError(rpc.ErrorCodes.InvalidParams, `Malformed ${method} parameters from the engine: ${parsed.error.message}`, { code: EngineErrorCodes.invalidParams });
      }
      const abort = new AbortController();
      const cancellation = token.onCancellationRequested(() => abort.abort());
      if (token.isCancellationRequested) abort.abort();
      const context: HostRequestContext = { signal: abort.signal, notify: (name, params) => connection.sendNotification(name, params) };
      try {
        const handler = handlers[method] as (params: unknown, context: HostRequestContext) => Promise<unknown>;
        return await handler(parsed.data, context);
      } catch (error) {
        if (error instanceof ModelError) throw new rpc.ResponseError(rpc.ErrorCodes.InternalError, error.message, modelErrorData(error));
        throw new rpc.ResponseError(rpc.ErrorCodes.InternalError, error instanceof Error ? error.message : String(error), undefined);
      } finally {
        cancellation.dispose();
      }
    });
  }
}

function toEngineError(error: unknown): Error {
  if (error instanceof EngineRequestError) return error;
  if (error && typeof error === 'object' && 'code' in error && 'message' in error) {
    const data = (error as { data?: unknown }).data;
    const code = data && typeof data === 'object' && 'code' in data && typeof data.code === 'string' ? data.code : null;
    return new EngineRequestError(String((error as { message: unknown }).message), code);
  }
  return error instanceof Error ? error : new Error(String(error));
}
