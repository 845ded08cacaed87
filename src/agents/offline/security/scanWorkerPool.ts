// Runs the security analysis of one file in a worker thread, so that a file which keeps ESLint busy for minutes can
// be stopped: the worker is terminated when the agent's signal aborts (timeout, Ctrl+C), and the event loop stays
// free meanwhile to notice both.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ScanWorkerReply, ScanWorkerRequest } from './scanWorker';

/** A worker that exceeds this heap ends with an out-of-memory error for that file instead of exhausting the machine. */
const WORKER_HEAP_MB = 1536;
/** An idle worker keeps ESLint loaded for the next scan of the run, then goes away. */
const IDLE_WORKER_MS = 30_000;
/** Workers a scan spreads its files over: one per core, at most four (each holds its own ESLint, ~100 MB). */
export const SCAN_WORKER_LANES = Math.max(1, Math.min(4, availableParallelism()));
const MAX_IDLE_WORKERS = Math.max(2, SCAN_WORKER_LANES);

type WorkerFactory = () => Worker;

/**
 * How this build starts a scan worker: the bundled `scanWorker.js` beside the running bundle (dist/cli.js and
 * dist/engineHost.js), or the TypeScript entry through tsx when running from the sources (tests). Undefined when
 * neither is available: the caller then analyses in-process.
 */
function workerFactory(): WorkerFactory | undefined {
  const options = { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB }, stdout: true, stderr: true };
  const bundled = path.join(__dirname, 'scanWorker.js');
  if (existsSync(bundled)) return () => new Worker(bundled, options);
  const source = path.join(__dirname, 'scanWorker.ts');
  if (__filename.endsWith('.ts') && existsSync(source)) {
    return () => new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { ...options, eval: true });
  }
  return undefined;
}

let factory: WorkerFactory | undefined | null = null;
const idle: { worker: Worker; timer: NodeJS.Timeout }[] = [];

function acquire(create: WorkerFactory): Worker {
  const entry = idle.pop();
  if (!entry) return create();
  clearTimeout(entry.timer);
  entry.worker.ref();
  return entry.worker;
}

function release(worker: Worker): void {
  if (idle.length >= MAX_IDLE_WORKERS) {
    void worker.terminate();
    return;
  }
  // Unreferenced: an idle worker never keeps the process alive.
  worker.unref();
  const timer = setTimeout(() => {
    const index = idle.findIndex((entry) => entry.worker === worker);
    if (index >= 0) idle.splice(index, 1);
    void worker.terminate();
  }, IDLE_WORKER_MS);
  timer.unref();
  idle.push({ worker, timer });
}

/** Ends the idle workers now (each would end after IDLE_WORKER_MS anyway): the next scan starts fresh ones. */
export async function stopIdleScanWorkers(): Promise<void> {
  const stopping = idle.splice(0).map((entry) => {
    clearTimeout(entry.timer);
    return entry.worker.terminate();
  });
  await Promise.all(stopping);
}

/** Whether files can be analysed in a worker in this build. */
export function scanWorkersAvailable(): boolean {
  if (factory === null) factory = workerFactory();
  return factory !== undefined;
}

/**
 * Analyses one file in a worker. Rejects with the signal's reason as soon as it aborts (the worker is terminated);
 * a worker that crashes or runs out of memory yields a `parseError` for this file only.
 */
export function analyzeInWorker(request: ScanWorkerRequest, signal?: AbortSignal): Promise<ScanWorkerReply> {
  signal?.throwIfAborted();
  if (!scanWorkersAvailable() || !factory) throw new Error('No scan worker is available in this build');
  const worker = acquire(factory);
  return new Promise<ScanWorkerReply>((resolve, reject) => {
    const settle = (outcome: () => void, keepWorker: boolean): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      signal?.removeEventListener('abort', onAbort);
      if (keepWorker) release(worker);
      else void worker.terminate();
      outcome();
    };
    const onMessage = (reply: ScanWorkerReply): void => settle(() => resolve(reply), true);
    const onError = (error: Error): void => settle(() => resolve({ findings: [], parseError: `Analysis failed: ${error.message}` }), false);
    const onExit = (code: number): void => settle(() => resolve({ findings: [], parseError: `Analysis stopped: the scan worker exited with code ${code}` }), false);
    const onAbort = (): void => settle(() => reject(signal?.reason), false);
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.postMessage(request);
  });
}
