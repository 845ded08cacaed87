import type { ReceivedHandoff } from '../handoff/agentHandoffSystem';
import type { ExecutionEnding } from '../protocol/learning';
import type { PlannedAgent } from '../protocol/plan';
import type { AgentOutcome } from './agentRuntime';
import { abortPromise, RunCancelledError } from './runErrors';

export type AgentFailureReason = 'error' | 'timeout' | 'cancelled' | 'dependency_failed';

/** One planned agent's state while the run lasts. */
export interface AgentRecord {
  planned: PlannedAgent;
  status: 'pending' | 'running' | 'completed' | 'failed';
  startedAt: number;
  completedAt: number;
  tools: string[];
  error: string | null;
  /** Why it stopped, once it has: on its own, or cut off by a time limit or the user. */
  ending: ExecutionEnding | null;
  outcome: AgentOutcome | null;
  handoffsReceived: ReceivedHandoff[];
  done: Promise<void>;
  markDone: () => void;
}

export function newAgentRecord(planned: PlannedAgent): AgentRecord {
  let markDone = (): void => {};
  const done = new Promise<void>((resolve) => {
    markDone = resolve;
  });
  return { planned, status: 'pending', startedAt: 0, completedAt: 0, tools: [], error: null, ending: null, outcome: null, handoffsReceived: [], done, markDone };
}

export interface ScheduleOptions {
  records: ReadonlyMap<string, AgentRecord>;
  maxParallel: number;
  /** Aborted here when the run must stop; every agent's own signal follows it. */
  runController: AbortController;
  /** The caller's cancellation; a RunCancelledError as its reason says why (the run's time limit, from planning on). */
  signal: AbortSignal | undefined;
  /** Cancellation asked for through the orchestrator (shutdown). */
  cancelRequested: AbortSignal;
  /** Whole-run limit: its length in ms and when it ends (performance.now()), counted from the start of the run. */
  timeout: { ms: number; deadline: number } | undefined;
  runAgent(record: AgentRecord): Promise<void>;
  fail(record: AgentRecord, reason: AgentFailureReason, error: string): void;
}

/**
 * Runs the plan's DAG: independent agents in parallel up to maxParallel, an agent once all it depends on completed,
 * never one whose dependency failed. Resolves when every agent finished, failed or was cancelled, with why the run
 * was stopped (null when it was not).
 */
export async function scheduleAgents(options: ScheduleOptions): Promise<RunCancelledError | null> {
  const { records, maxParallel, runController, signal, cancelRequested, timeout } = options;
  let stopReason: RunCancelledError | null = null;
  const stop = (reason: RunCancelledError): void => {
    if (stopReason) return;
    stopReason = reason;
    runController.abort(reason);
  };
  const timedOut = (): RunCancelledError => new RunCancelledError('timed_out', `The run exceeded its ${timeout?.ms ?? 0} ms timeout`);
  const onAbort = (): void => stop(signal?.reason instanceof RunCancelledError ? signal.reason : new RunCancelledError('cancelled', 'The run was cancelled'));
  if (signal?.aborted || cancelRequested.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  cancelRequested.addEventListener('abort', onAbort, { once: true });
  const timer = timeout ? setTimeout(() => stop(timedOut()), Math.max(0, timeout.deadline - performance.now())) : null;

  const running = new Map<string, Promise<void>>();
  const aborted = abortPromise(runController.signal);
  try {
    for (;;) {
      // An agent that held the event loop past the deadline kept the timer from firing: no one starts after it.
      if (timeout && !runController.signal.aborted && performance.now() >= timeout.deadline) stop(timedOut());
      const pending = [...records.values()].filter((record) => record.status === 'pending');
      if (pending.length === 0 && running.size === 0) break;
      if (runController.signal.aborted) {
        for (const record of pending) options.fail(record, 'cancelled', (stopReason as RunCancelledError | null)?.message ?? 'The run was cancelled');
        if (running.size > 0) await Promise.all(running.values());
        break;
      }
      // A failed dependency fails its dependants without running them.
      for (const record of pending) {
        const failedDependency = record.planned.dependsOn.find((name) => records.get(name)?.status === 'failed');
        if (failedDependency) options.fail(record, 'dependency_failed', `Not run: it depends on ${failedDependency}, which failed`);
      }
      const ready = pending.filter(
        (record) => record.status === 'pending' && record.planned.dependsOn.every((name) => records.get(name)?.status === 'completed'),
      );
      for (const record of ready) {
        if (running.size >= maxParallel) break;
        const task = options.runAgent(record).finally(() => running.delete(record.planned.name));
        running.set(record.planned.name, task);
      }
      if (running.size === 0) {
        if ([...records.values()].some((record) => record.status === 'pending')) continue;
        break;
      }
      // Wakes on the first agent to settle or on abort; the loop then decides what to do.
      await Promise.race([...running.values(), aborted]).catch(() => {});
    }
  } finally {
    if (timer) clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    cancelRequested.removeEventListener('abort', onAbort);
  }
  return stopReason;
}
