/*
 * Learnings mirrored to an MCP memory server, so they outlive the workspace's store and can be shared between
 * machines and tools. The local store stays the source of truth:
 *   - nothing waits for the server: records are queued and written by one background writer, in batches;
 *   - a server that is down, slow or broken costs one warning, never a failed run or a lost record: what did not
 *     reach it is written the next time it is reachable (on start, the records of the local store that the
 *     server lacks are written first: the backfill);
 *   - reading merges what the server knows with the local answer and says which source each item came from.
 *
 * Two backends fit the same port: the reference knowledge-graph server (@modelcontextprotocol/server-memory:
 * create_entities, add_observations, create_relations, search_nodes) and Memory Bank servers (memory_bank_read,
 * memory_bank_write: our graph kept as one JSON file in a project named after the workspace).
 */
import path from 'node:path';
import type { LearningRepository } from '../../core/ports';
import type { OrchestratorEvent } from '../../core/protocol/events';
import type { LearnedPattern, LearningRecord, LearningsQueryResult } from '../../core/protocol/learning';
import { McpClientConnection, McpServerError } from '../mcp/mcpClientConnection';
import type { McpServerDefinition } from '../mcp/mcpServerConfig';
import {
  ENTITY_PREFIX,
  graphForExecution,
  graphForPattern,
  knowledgeForAgent,
  mergeWrites,
  normalizeIssue,
  sessionsByAgent,
  type GraphEntity,
  type GraphRelation,
  type GraphWrite,
  type RemoteAgentKnowledge,
} from './learningGraph';

type Graph = { entities: GraphEntity[]; relations: GraphRelation[] };

export interface LearningMemoryBackend {
  readonly kind: 'knowledge-graph' | 'memory-bank';
  write(write: GraphWrite): Promise<void>;
  /** Our part of the server's memory (entities named agent-orchestrator:...). */
  read(): Promise<Graph>;
}

/** The reference server's tools; every call is idempotent there. */
class KnowledgeGraphBackend implements LearningMemoryBackend {
  readonly kind = 'knowledge-graph' as const;
  constructor(private readonly connection: McpClientConnection, private readonly timeoutMs: number) {}

  async write(write: GraphWrite): Promise<void> {
    if (write.entities.length > 0) {
      // Entities first (existing ones are skipped), then their observations: add_observations on an entity that
      // already existed is how a second run's execution reaches it.
      await this.#call('create_entities', { entities: write.entities.map((e) => ({ name: e.name, entityType: e.entityType, observations: [] })) });
      const observations = write.entities.filter((e) => e.observations.length > 0).map((e) => ({ entityName: e.name, contents: e.observations }));
      if (observations.length > 0) await this.#call('add_observations', { observations });
    }
    if (write.relations.length > 0) await this.#call('create_relations', { relations: write.relations });
  }

  async read(): Promise<Graph> {
    const result = await this.#call('search_nodes', { query: ENTITY_PREFIX });
    return graphFrom(this.connection.name, result.structured ?? parseJson(this.connection.name, result.text));
  }

  async #call(tool: string, args: Record<string, unknown>) {
    const result = await this.connection.callTool(tool, args, this.timeoutMs);
    if (result.isError) throw new McpServerError(this.connection.name, `${tool} failed: ${result.text.slice(0, 300)}`);
    return result;
  }
}

const BANK_FILE = 'agent-orchestrator-learnings.json';

/** Memory Bank servers keep files per project: our graph is one JSON file, read, merged and written back. */
class MemoryBankBackend implements LearningMemoryBackend {
  readonly kind = 'memory-bank' as const;
  constructor(private readonly connection: McpClientConnection, private readonly projectName: string, private readonly timeoutMs: number) {}

  async read(): Promise<Graph> {
    const result = await this.connection.callTool('memory_bank_read', { projectName: this.projectName, fileName: BANK_FILE }, this.timeoutMs);
    // A project or file that does not exist yet is an error result on Memory Bank servers: nothing stored so far.
    if (result.isError || result.text.trim() === '') return { entities: [], relations: [] };
    return graphFrom(this.connection.name, parseJson(this.connection.name, result.text));
  }

  async write(write: GraphWrite): Promise<void> {
    const merged = mergeWrites([await this.read(), write]);
    const result = await this.connection.callTool('memory_bank_write', { projectName: this.projectName, fileName: BANK_FILE, content: JSON.stringify(merged, null, 1) }, this.timeoutMs);
    if (result.isError) throw new McpServerError(this.connection.name, `memory_bank_write failed: ${result.text.slice(0, 300)}`);
  }
}

function parseJson(server: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new McpServerError(server, `returned something that is not JSON: ${text.slice(0, 120)}`);
  }
}

/** The server's graph, keeping only well-formed items of ours: a malformed reply is an error, not a crash later. */
function graphFrom(server: string, value: unknown): Graph {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as Graph).entities)) {
    throw new McpServerError(server, 'returned a graph without an "entities" list');
  }
  const raw = value as { entities: unknown[]; relations?: unknown[] };
  const entities: GraphEntity[] = [];
  for (const item of raw.entities) {
    const entity = item as Partial<GraphEntity>;
    if (typeof entity?.name !== 'string' || !entity.name.startsWith(ENTITY_PREFIX) || typeof entity.entityType !== 'string' || !Array.isArray(entity.observations)) continue;
    entities.push({ name: entity.name, entityType: entity.entityType, observations: entity.observations.filter((o): o is string => typeof o === 'string') });
  }
  const relations: GraphRelation[] = [];
  for (const item of raw.relations ?? []) {
    const relation = item as Partial<GraphRelation>;
    if (typeof relation?.from === 'string' && typeof relation.to === 'string' && typeof relation.relationType === 'string') {
      relations.push({ from: relation.from, to: relation.to, relationType: relation.relationType });
    }
  }
  return { entities, relations };
}

export interface MemoryServerLearningsOptions {
  server: McpServerDefinition;
  /** The local store, for the backfill. */
  repository: LearningRepository;
  workspaceRoot: string;
  onWarning?: (message: string) => void;
  connectTimeoutMs?: number;
  callTimeoutMs?: number;
  /** Executions per agent the backfill looks at (the newest). */
  backfillPerAgent?: number;
}

/** Records waiting for the server; more than this and the oldest wait for the next backfill instead. */
const MAX_QUEUED = 2_000;

export type MemoryServerState = 'connecting' | 'ready' | 'unavailable' | 'closed';

export class MemoryServerLearnings {
  readonly #options: MemoryServerLearningsOptions;
  readonly #ready: Promise<LearningMemoryBackend | null>;
  #connection: McpClientConnection | null = null;
  #state: MemoryServerState = 'connecting';
  #problem: string | null = null;
  #queue: GraphWrite[] = [];
  #writing: Promise<void> = Promise.resolve();
  #written = 0;

  private constructor(options: MemoryServerLearningsOptions) {
    this.#options = options;
    this.#ready = this.#connect();
    // The writer starts once connected: records queued meanwhile (and the backfill) go out then.
    this.#writing = this.#ready.then(() => this.#drain());
  }

  /** Starts connecting in the background and returns at once: nothing waits for the server. */
  static start(options: MemoryServerLearningsOptions): MemoryServerLearnings {
    return new MemoryServerLearnings(options);
  }

  get serverName(): string {
    return this.#options.server.name;
  }

  get state(): MemoryServerState {
    return this.#state;
  }

  /** Why the server is unavailable, when it is. */
  get problem(): string | null {
    return this.#problem;
  }

  /** Records written to the server so far (batches may hold several). */
  get recordsWritten(): number {
    return this.#written;
  }

  /** The orchestrator's observer: executions and patterns go to the server as they become durable. */
  readonly observe = (event: OrchestratorEvent): void => {
    if (event.type === 'learning.recorded') this.recordExecution(event.payload.record);
    else if (event.type === 'pattern.discovered') this.recordPattern(event.payload.pattern);
  };

  recordExecution(record: LearningRecord): void {
    this.#enqueue(graphForExecution(record));
  }

  recordPattern(pattern: LearnedPattern): void {
    this.#enqueue(graphForPattern(pattern));
  }

  /** Waits (bounded) until what was queued so far is written or the server gave up. */
  async flush(timeoutMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#writing,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref?.();
      }),
    ]);
    clearTimeout(timer);
  }

  /** What the server knows about `agent`; null (with `problem` set) when it cannot be asked. */
  async knowledgeFor(agent: string): Promise<RemoteAgentKnowledge | null> {
    const backend = await this.#ready;
    if (!backend || this.#state !== 'ready') return null;
    try {
      return knowledgeForAgent(await backend.read(), agent);
    } catch (error) {
      this.#giveUp(error);
      return null;
    }
  }

  async close(flushTimeoutMs = 5_000): Promise<void> {
    await this.flush(flushTimeoutMs);
    this.#state = 'closed';
    await this.#connection?.close();
    this.#connection = null;
  }

  async #connect(): Promise<LearningMemoryBackend | null> {
    const options = this.#options;
    try {
      const connection = await McpClientConnection.connect(options.server, { timeoutMs: options.connectTimeoutMs });
      this.#connection = connection;
      if (this.#state === 'closed') {
        await connection.close();
        return null;
      }
      const tools = new Set(await connection.listToolNames(options.callTimeoutMs));
      const timeoutMs = options.callTimeoutMs ?? 15_000;
      let backend: LearningMemoryBackend;
      if (tools.has('create_entities') && tools.has('add_observations') && tools.has('search_nodes')) {
        backend = new KnowledgeGraphBackend(connection, timeoutMs);
      } else if (tools.has('memory_bank_read') && tools.has('memory_bank_write')) {
        backend = new MemoryBankBackend(connection, projectNameFor(options.workspaceRoot), timeoutMs);
      } else {
        throw new McpServerError(connection.name, `offers neither a knowledge graph (create_entities, add_observations, search_nodes) nor a memory bank (memory_bank_read, memory_bank_write); its tools: ${[...tools].slice(0, 12).join(', ') || 'none'}`);
      }
      this.#state = 'ready';
      this.#queueBackfill(await backend.read());
      return backend;
    } catch (error) {
      this.#giveUp(error);
      return null;
    }
  }

  /** Local executions the server does not hold yet go first, so a server that was down loses nothing. */
  #queueBackfill(graph: Graph): void {
    const known = sessionsByAgent(graph);
    const missing: GraphWrite[] = [];
    const perAgent = this.#options.backfillPerAgent ?? 100;
    for (const agent of this.#options.repository.agentsWithHistory()) {
      const sessions = known.get(agent) ?? new Set<string>();
      for (const record of this.#options.repository.recentExecutions(agent, perAgent)) {
        if (!sessions.has(record.sessionId)) missing.push(graphForExecution(record));
      }
    }
    for (const pattern of this.#options.repository.patterns()) missing.push(graphForPattern(pattern));
    this.#queue.unshift(...missing);
    if (this.#queue.length > MAX_QUEUED) this.#queue.length = MAX_QUEUED;
  }

  #enqueue(write: GraphWrite): void {
    if (this.#state === 'unavailable' || this.#state === 'closed') return; // the next backfill writes it
    this.#queue.push(write);
    if (this.#queue.length > MAX_QUEUED) this.#queue.shift();
    if (this.#state === 'ready') this.#writing = this.#writing.then(() => this.#drain());
  }

  async #drain(): Promise<void> {
    const backend = await this.#ready;
    while (backend && this.#state === 'ready' && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, 200);
      try {
        await backend.write(mergeWrites(batch));
        this.#written += batch.filter((write) => write.entities.some((e) => e.entityType === 'agent')).length;
      } catch (error) {
        this.#giveUp(error);
      }
    }
  }

  #giveUp(error: unknown): void {
    if (this.#state === 'unavailable' || this.#state === 'closed') return;
    this.#state = 'unavailable';
    this.#queue = [];
    this.#problem = error instanceof Error ? error.message : String(error);
    this.#options.onWarning?.(
      `${this.#problem}. Learnings stay in the local store and are written to the memory server the next time it is reachable.`,
    );
  }
}

function projectNameFor(workspaceRoot: string): string {
  return path.basename(path.resolve(workspaceRoot)).replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 64) || 'workspace';
}

/** One item of a merged answer, and where it came from. */
export type LearningSource = 'local' | 'memory-server' | 'both';

export interface MergedLearnings extends LearningsQueryResult {
  commonPitfalls: (LearningsQueryResult['commonPitfalls'][number] & { source: LearningSource })[];
  memoryServer: {
    server: string;
    status: 'ok' | 'unavailable';
    problem?: string;
    /** Executions the server holds that the local store does not (another machine, an older store). */
    executionsOnlyInServer: RemoteAgentKnowledge['executions'];
    patterns: (RemoteAgentKnowledge['patterns'][number] & { source: 'memory-server' })[];
  };
}

/**
 * The local answer with what the server knows merged in: pitfalls matched by their normalised text (source
 * local, memory-server or both), executions the local store lacks, and the server's patterns for the agent.
 */
export function mergeLearnings(local: LearningsQueryResult, remote: RemoteAgentKnowledge | null, server: { name: string; problem: string | null }, localSessions: ReadonlySet<string>): MergedLearnings {
  const pitfalls: MergedLearnings['commonPitfalls'] = local.commonPitfalls.map((pitfall) => ({ ...pitfall, source: 'local' as LearningSource }));
  if (!remote) {
    return { ...local, commonPitfalls: pitfalls, memoryServer: { server: server.name, status: 'unavailable', ...(server.problem ? { problem: server.problem } : {}), executionsOnlyInServer: [], patterns: [] } };
  }
  const byKey = new Map(pitfalls.map((pitfall) => [normalizeIssue(pitfall.issue), pitfall]));
  for (const remotePitfall of remote.pitfalls) {
    const existing = byKey.get(normalizeIssue(remotePitfall.issue));
    if (existing) {
      existing.source = 'both';
      continue;
    }
    const frequency = remotePitfall.sessions.length;
    const entry = { issue: remotePitfall.issue, frequency, severity: (frequency >= 3 ? 'medium' : 'low') as 'low' | 'medium', source: 'memory-server' as LearningSource };
    pitfalls.push(entry);
    byKey.set(normalizeIssue(remotePitfall.issue), entry);
  }
  return {
    ...local,
    commonPitfalls: pitfalls,
    memoryServer: {
      server: server.name,
      status: 'ok',
      executionsOnlyInServer: remote.executions.filter((execution) => !localSessions.has(execution.sessionId)),
      patterns: remote.patterns.map((pattern) => ({ ...pattern, source: 'memory-server' as const })),
    },
  };
}
