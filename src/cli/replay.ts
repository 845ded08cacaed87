// `agent-orchestrator replay <session>`: runs a recorded session again in a scratch copy of the workspace, each
// model agent answered by its recorded replies (no provider, no network), and says whether the run still does
// the same thing: the same events per agent and the same file changes, or the first model turn that diverges.
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyPatch, parsePatch, reversePatch } from 'diff';
import { CONFIG_DIR_NAME, CONFIG_FILE_NAME, loadConfig } from '../core/config/loadConfig';
import type { ModelClient, ModelMessage, ModelRequest, ModelStreamPart } from '../core/ports';
import type { RecordedModelExchange } from '../core/protocol/modelExchange';
import { COMMAND_FINISHED, type EventPayloads, type OrchestratorEvent } from '../core/protocol/events';
import { PLANNER_AGENT } from '../core/protocol/plan';
import { ensureDirInside, escapeControl, isInside, readFileNoFollow, writeFileAtomicInside } from '../core/files/safeFiles';
import { maskSecretsDeep } from '../core/security/secretMasking';
import { openWorkspaceEngine } from '../agents/workspaceEngine';
import { ReplayDivergenceError, ReplayModelClient } from '../models/recordReplay';
import { estimateCostUsd } from '../models/pricing';

/** The recording cannot be replayed at all (not a divergence: nothing was run). */
export class ReplayUnavailableError extends Error {}

export interface ReplayDivergence {
  agent: string;
  /** 1-based model turn of that agent; null when the difference is in the events, not in a model request. */
  turn: number | null;
  difference: string;
}

export interface ReplayOutcome {
  sessionId: string;
  /** The replay's own session (in the scratch copy, removed afterwards unless kept). */
  replaySessionId: string;
  same: boolean;
  /** The first difference found, model turns first (they explain the events that follow). */
  divergence: ReplayDivergence | null;
  modelTurns: number;
  events: { recorded: number; replayed: number };
  /** Files the recorded run changed (by its change.proposed events). */
  filesChanged: string[];
  /** True when the parallel agents' events interleaved differently (each agent's own order is what must match). */
  interleavingDiffers: boolean;
  scratchDir: string | null;
}

/** Copies bounded in size: a replay must not fill the disk with someone's build output. */
const MAX_COPY_BYTES = 512 * 1024 * 1024;
const SKIPPED_DIRS = new Set([CONFIG_DIR_NAME, 'node_modules', '.git']);

export async function replaySession(options: {
  workspaceRoot: string;
  /** A session id already resolved against the workspace's store. */
  sessionId: string;
  events: readonly OrchestratorEvent[];
  /** Keep the scratch copy (to look at its files); removed otherwise. */
  keepScratch?: boolean;
  onWarning?: (message: string) => void;
}): Promise<ReplayOutcome> {
  const { events, sessionId } = options;
  const started = events.find((event): event is Extract<OrchestratorEvent, { type: 'run.started' }> => event.type === 'run.started');
  const planned = events.find((event): event is Extract<OrchestratorEvent, { type: 'plan.created' }> => event.type === 'plan.created');
  if (!started || !planned) throw new ReplayUnavailableError(`Session ${escapeControl(sessionId)} has no ${started ? 'plan' : 'run.started event'}: it cannot be replayed`);
  const exchangesByAgent = new Map<string, RecordedModelExchange[]>();
  for (const event of events) {
    if (event.type !== 'model.exchange') continue;
    const list = exchangesByAgent.get(event.payload.agent) ?? [];
    if (event.payload.turn !== list.length + 1) throw new ReplayUnavailableError(`Session ${escapeControl(sessionId)}: ${escapeControl(event.payload.agent)}'s model turns are not recorded in order (turn ${event.payload.turn} after ${list.length}); it cannot be replayed`);
    list.push(event.payload.exchange);
    exchangesByAgent.set(event.payload.agent, list);
  }
  const changes = events.filter((event): event is Extract<OrchestratorEvent, { type: 'change.proposed' }> => event.type === 'change.proposed');

  const workspaceRoot = path.resolve(options.workspaceRoot);
  const recordedRoot = started.payload.workspace;
  const scratchParent = mkdtempSync(path.join(os.tmpdir(), 'agent-orchestrator-replay-'));
  const scratch = path.join(scratchParent, path.basename(workspaceRoot) || 'workspace');
  const keep = options.keepScratch === true;
  try {
    mkdirSync(scratch, { mode: 0o700 });
    copyWorkspace(workspaceRoot, scratch);
    // The run's settings (limits, communication, permissions) come with it; its sessions and learnings do not.
    const config = readFileNoFollow(path.join(workspaceRoot, CONFIG_DIR_NAME, CONFIG_FILE_NAME));
    if (config !== null) writeFileAtomicInside(scratch, path.join(ensureDirInside(scratch, path.join(scratch, CONFIG_DIR_NAME)), CONFIG_FILE_NAME), config);
    restoreBeforeRun(scratch, changes.filter((change) => change.payload.applied).map((change) => change.payload));

    const divergences: ReplayDivergence[] = [];
    const clients = new Map<string, GuardedReplayClient>();
    const settings = loadConfig({ workspaceRoot: scratch, env: {} }).config.models;
    const runOptions = started.payload.options;
    const replayed: OrchestratorEvent[] = [];
    const engine = await openWorkspaceEngine({
      workspaceRoot: scratch,
      mode: 'write',
      env: {},
      allowCommands: runOptions.allowCommands,
      configOverrides: { orchestration: { maxParallelAgents: runOptions.maxParallelAgents, agentTimeout: runOptions.agentTimeout } },
      onWarning: options.onWarning,
      models: {
        forAgent: (agentName) => {
          const exchanges = exchangesByAgent.get(agentName);
          if (!exchanges) return null;
          const client = new GuardedReplayClient(agentName, exchanges, divergences, { scratch, recorded: recordedRoot });
          clients.set(agentName, client);
          return client;
        },
        estimateCostUsd: (provider, modelId, usage) => estimateCostUsd(provider, modelId, usage, { prices: settings.prices }),
        limitsFor: (agentName) => ({ ...settings.limits.agent, ...(settings.agents[agentName]?.limits ?? {}) }),
        runLimits: { ...settings.limits.run },
        // What was approved or refused is in the recording: the tool results the model saw. A replay asks nobody.
        approvalGate: null,
      },
    });
    let replaySessionId: string;
    try {
      const result = await engine.orchestrator.executeRequest(started.payload.request, {
        apply: runOptions.apply,
        allowCommands: runOptions.allowCommands,
        ...(runOptions.timeout !== null ? { timeout: runOptions.timeout } : {}),
        plan: planned.payload.plan,
        onEvent: (event) => replayed.push(event),
      });
      replaySessionId = result.sessionId;
    } finally {
      await engine.close();
    }

    for (const [agent, client] of clients) {
      const recordedTurns = exchangesByAgent.get(agent)?.length ?? 0;
      if (!divergences.some((divergence) => divergence.agent === agent) && client.turnsUsed < recordedTurns) {
        divergences.push({ agent, turn: client.turnsUsed + 1, difference: `the run stopped asking after ${client.turnsUsed} model turn(s); the recording has ${recordedTurns}` });
      }
    }
    const comparison = compareEvents(events, replayed, recordedRoot, scratch);
    const divergence = divergences[0] ?? comparison.divergence;
    return {
      sessionId,
      replaySessionId,
      same: divergence === null,
      divergence,
      modelTurns: [...exchangesByAgent.values()].reduce((sum, list) => sum + list.length, 0),
      events: { recorded: comparison.recordedCount, replayed: comparison.replayedCount },
      filesChanged: [...new Set(changes.map((change) => change.payload.file))],
      interleavingDiffers: comparison.interleavingDiffers,
      scratchDir: keep ? scratch : null,
    };
  } finally {
    if (!keep) rmSync(scratchParent, { recursive: true, force: true });
  }
}

/**
 * Answers from the recording, comparing masked forms: every journaled payload was masked for secrets, so a live
 * request that read a file holding a key is masked the same way before it is compared.
 */
class GuardedReplayClient implements ModelClient {
  readonly provider: string;
  readonly modelId: string;
  readonly #inner: ReplayModelClient;

  constructor(
    private readonly agent: string,
    exchanges: readonly RecordedModelExchange[],
    private readonly divergences: ReplayDivergence[],
    /** The scratch copy's path and the recorded workspace's: the system prompt names the workspace folder. */
    paths: { scratch: string; recorded: string },
  ) {
    this.#inner = new ReplayModelClient(exchanges, {}, (request) => {
      const here = replaceInStrings(structuredClone(request), paths.scratch, paths.recorded);
      return withoutLearnings(replaceInStrings(maskSecretsDeep(here), UUID, '<id>'));
    });
    this.provider = this.#inner.provider;
    this.modelId = this.#inner.modelId;
  }

  get turnsUsed(): number {
    return this.#inner.turnsUsed;
  }

  async *stream(request: ModelRequest): AsyncIterable<ModelStreamPart> {
    try {
      yield* this.#inner.stream(request);
    } catch (error) {
      if (error instanceof ReplayDivergenceError) this.divergences.push({ agent: this.agent, turn: error.turn, difference: error.difference });
      throw error;
    }
  }
}

/**
 * The system prompt's "What past runs teach" section comes from the store's history at the time of the run, which a
 * scratch copy does not have: it is left out of the comparison (the recorded replies answer either way), so a session
 * recorded after earlier runs still replays; any other change to a prompt is still a divergence.
 */
const LEARNINGS_SECTION = /\n\nWhat past runs teach:\n[\s\S]*$/;
function withoutLearnings<T extends { messages: readonly ModelMessage[] }>(request: T): T {
  return { ...request, messages: request.messages.map((message) => (message.role === 'system' ? { ...message, content: message.content.replace(LEARNINGS_SECTION, '') } : message)) };
}

function replaceInStrings<T>(value: T, from: string | RegExp, to: string): T {
  if (typeof value === 'string') return value.replaceAll(from, to) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => replaceInStrings(item, from, to)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, replaceInStrings(inner, from, to)])) as T;
  return value;
}

/** A copy of the workspace without the store, dependencies and history; symbolic links are not followed. */
function copyWorkspace(from: string, to: string): void {
  let bytes = 0;
  const walk = (source: string, target: string): void => {
    for (const entry of readdirSync(source, { withFileTypes: true })) {
      if (SKIPPED_DIRS.has(entry.name)) continue;
      const sourcePath = path.join(source, entry.name);
      const targetPath = path.join(target, entry.name);
      if (entry.isDirectory()) {
        mkdirSync(targetPath, { mode: 0o700 });
        walk(sourcePath, targetPath);
      } else if (entry.isFile()) {
        // Counted before reading, so one huge file is refused without being loaded.
        bytes += lstatSync(sourcePath).size;
        if (bytes > MAX_COPY_BYTES) throw new ReplayUnavailableError(`The workspace holds more than ${MAX_COPY_BYTES / 1024 / 1024} MB outside node_modules and .git: too much to copy for a replay`);
        const content = readFileNoFollow(sourcePath);
        if (content !== null) writeFileAtomicInside(to, targetPath, content);
      }
    }
  };
  walk(from, to);
}

/**
 * Puts back the files a run with --apply changed, from its recorded diffs' "before" side (newest first), so the
 * replay starts from the workspace the run started from. Refused when a file changed since: its diff no longer fits.
 */
function restoreBeforeRun(scratch: string, applied: readonly EventPayloads['change.proposed'][]): void {
  for (const change of [...applied].reverse()) {
    const file = path.resolve(scratch, change.file);
    if (!isInside(scratch, file)) throw new ReplayUnavailableError(`The recorded change to ${escapeControl(change.file)} is outside the workspace: the session cannot be replayed`);
    const patch = parsePatch(change.diff)[0];
    const exists = (() => { try { return lstatSync(file).isFile(); } catch { return false; } })();
    const current = exists ? readFileSync(file, 'utf8') : '';
    const before = patch ? applyPatch(current, reversePatch(patch)) : false;
    // A file the run created has no old lines (jsdiff reports its `-0,0` hunk as starting at line 1); it was absent.
    const created = patch !== undefined && patch.hunks.length === 1 && patch.hunks[0]!.oldLines === 0;
    if (before === false || (created && before !== '')) {
      throw new ReplayUnavailableError(`${escapeControl(change.file)} changed since the session applied its change (the recorded diff no longer fits), so the workspace as it was before the run cannot be restored; replay it from a checkout of that state`);
    }
    if (created) rmSync(file, { force: true });
    else writeFileAtomicInside(scratch, file, before);
  }
}

// Times, durations, ids and sessions change from run to run; everything else must not.
const VOLATILE_KEY = /^(ts|seq|sessionId|id|requestId|handoffId|messageId|correlationId|replyTo|timestamp|workspace)$|duration|At$|^costUsd$/i;
const UUID = /(?:[a-z]+_)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
// Learning statistics draw on the store's history, which a scratch copy does not have.
const NOT_COMPARED = new Set(['learning.recorded']);

/**
 * Not compared: the planner's model turns (a replay runs the recorded plan as given, so it does not ask the planner
 * again), and patterns mined from the store's history (agent and tool sequences), which a scratch copy does not have.
 * Patterns an agent shares itself are compared.
 */
function isLeftOutOfComparison(event: OrchestratorEvent): boolean {
  if (event.type === 'pattern.discovered') return MINED_PATTERN_TYPES.has(event.payload.pattern.type);
  if (event.type === 'message.sent' && event.payload.message.type === 'pattern_discovered') {
    return MINED_PATTERN_TYPES.has(String((event.payload.message.payload as { type?: unknown }).type));
  }
  // When a command ran is timing, not behaviour (its Bash tool call is compared); sessions recorded before these
  // waits existed have none.
  if (event.type === 'agent.waiting' && (event.payload.waitingFor === 'command' || event.payload.detail === COMMAND_FINISHED)) return true;
  return (event.type === 'model.called' || event.type === 'model.exchange' || event.type === 'agent.waiting') && (event.payload as { agent?: unknown }).agent === PLANNER_AGENT;
}
const MINED_PATTERN_TYPES = new Set(['agent_sequence', 'tool_sequence']);

function normalized(event: OrchestratorEvent, root: string): string {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).filter(([key]) => !VOLATILE_KEY.test(key)).map(([key, inner]) => [key, strip(inner)]));
    }
    return typeof value === 'string' ? value.replaceAll(root, '<workspace>').replace(UUID, '<id>').replace(LEARNINGS_SECTION, '') : value;
  };
  return JSON.stringify({ type: event.type, payload: strip(event.payload) });
}

/** The agent an event belongs to; parallel agents' events interleave freely, each agent's own order must not. */
function laneOf(event: OrchestratorEvent): string {
  const payload = event.payload as Record<string, unknown>;
  if (typeof payload.agent === 'string') return payload.agent;
  if (typeof payload.from === 'string') return payload.from;
  const nested = (payload.message ?? payload.package) as { from?: unknown } | undefined;
  if (nested && typeof nested.from === 'string') return nested.from;
  return '(run)';
}

function compareEvents(recorded: readonly OrchestratorEvent[], replayed: readonly OrchestratorEvent[], originalRoot: string, scratchRoot: string): { divergence: ReplayDivergence | null; recordedCount: number; replayedCount: number; interleavingDiffers: boolean } {
  const lanes = (list: readonly OrchestratorEvent[], root: string): Map<string, string[]> => {
    const byLane = new Map<string, string[]>();
    for (const event of list) {
      if (NOT_COMPARED.has(event.type) || isLeftOutOfComparison(event)) continue;
      const lane = laneOf(event);
      byLane.set(lane, [...(byLane.get(lane) ?? []), normalized(event, root)]);
    }
    return byLane;
  };
  const was = lanes(recorded, originalRoot);
  const now = lanes(replayed, scratchRoot);
  const compared = (list: readonly OrchestratorEvent[]): number => list.filter((event) => !NOT_COMPARED.has(event.type) && !isLeftOutOfComparison(event)).length;
  let divergence: ReplayDivergence | null = null;
  for (const lane of new Set([...was.keys(), ...now.keys()])) {
    const before = was.get(lane) ?? [];
    const after = now.get(lane) ?? [];
    for (let index = 0; index < Math.max(before.length, after.length); index++) {
      if (before[index] === after[index]) continue;
      const describe = (text: string | undefined): string => (text === undefined ? 'nothing' : text.length > 300 ? `${text.slice(0, 300)}…` : text);
      divergence = { agent: lane, turn: null, difference: `event ${index + 1} of ${lane}: recorded ${describe(before[index])}, replayed ${describe(after[index])}` };
      break;
    }
    if (divergence) break;
  }
  const order = (list: readonly OrchestratorEvent[], root: string): string => list.filter((event) => !NOT_COMPARED.has(event.type) && !isLeftOutOfComparison(event)).map((event) => normalized(event, root)).join('\n');
  return { divergence, recordedCount: compared(recorded), replayedCount: compared(replayed), interleavingDiffers: divergence === null && order(recorded, originalRoot) !== order(replayed, scratchRoot) };
}
