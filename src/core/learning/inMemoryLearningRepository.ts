import type { LearningRepository } from '../ports';
import type { LearnedPattern, LearningRecord } from '../protocol/learning';

/** One finished session as sessionAgentSequences reports it. */
export interface SessionAgentSequence {
  sessionId: string;
  taskType: string;
  /** Agents in the order they started. */
  agents: string[];
  success: boolean;
}

/**
 * A LearningRepository kept in memory, for tests, benchmarks and runs without a workspace database.
 * Writes are explicit (add / addSession / upsertPattern) because the port itself is read-only: in the product
 * the store applies learning.recorded events, here the caller's `persist` function calls add().
 */
export class InMemoryLearningRepository implements LearningRepository {
  /** Per agent, ascending by timestamp, so the newest records are a cheap slice off the end. */
  readonly #byAgent = new Map<string, LearningRecord[]>();
  /** Per agent, sessionId+timestamp keys already stored: the store treats a re-applied event as the same row. */
  readonly #keys = new Map<string, Set<string>>();
  /** Oldest first (append is cheap); read back newest first, as the port returns them. */
  readonly #sessions: SessionAgentSequence[] = [];
  readonly #patterns = new Map<string, LearnedPattern>();
  /** Agents per phase by `sessionId\0phase`, as the store keeps them (only phases of two agents or more). */
  readonly #phases = new Map<string, readonly string[]>();
  #count = 0;

  /** Stores a record; a second record with the same agent, sessionId and timestamp is ignored. Returns whether it was new. */
  add(record: LearningRecord): boolean {
    let keys = this.#keys.get(record.agent);
    let list = this.#byAgent.get(record.agent);
    if (keys === undefined || list === undefined) {
      keys = new Set();
      list = [];
      this.#keys.set(record.agent, keys);
      this.#byAgent.set(record.agent, list);
    }
    const key = `${record.sessionId}\u0000${record.timestamp}`;
    if (keys.has(key)) return false;
    keys.add(key);
    // Records nearly always arrive in time order; only a late one pays for the search.
    let index = list.length;
    while (index > 0 && (list[index - 1] as LearningRecord).timestamp > record.timestamp) index--;
    if (index === list.length) list.push(record);
    else list.splice(index, 0, record);
    this.#count++;
    return true;
  }

  /** Records a finished session; the newest session is the last one added. */
  addSession(session: SessionAgentSequence): void {
    this.#sessions.push({ ...session, agents: [...session.agents] });
  }

  /** Records who runs alongside whom in a session's plan (a plan.created event), once per phase. */
  addPhases(sessionId: string, planned: readonly { name: string; phase: number }[]): void {
    const byPhase = new Map<number, Set<string>>();
    for (const agent of planned) {
      let names = byPhase.get(agent.phase);
      if (!names) byPhase.set(agent.phase, (names = new Set()));
      names.add(agent.name);
    }
    for (const [phase, names] of byPhase) if (names.size > 1) this.#phases.set(`${sessionId}\u0000${phase}`, Object.freeze([...names]));
  }

  phaseAgents(sessionId: string, phase: number): readonly string[] {
    return this.#phases.get(`${sessionId}\u0000${phase}`) ?? [];
  }

  /** Stores the latest version of a pattern under its id. */
  upsertPattern(pattern: LearnedPattern): void {
    this.#patterns.set(pattern.id, pattern);
  }

  recentExecutions(agent: string, limit: number): LearningRecord[] {
    const list = this.#byAgent.get(agent);
    if (list === undefined || limit <= 0) return [];
    return list.slice(Math.max(0, list.length - limit)).reverse();
  }

  executionCount(): number {
    return this.#count;
  }

  agentsWithHistory(): string[] {
    return [...this.#byAgent.keys()];
  }

  sessionAgentSequences(limit: number): SessionAgentSequence[] {
    const newest = this.#sessions.slice(Math.max(0, this.#sessions.length - Math.max(0, limit))).reverse();
    return newest.map((session) => ({ ...session, agents: [...session.agents] }));
  }

  patterns(): LearnedPattern[] {
    return [...this.#patterns.values()];
  }
}
