import { InMemoryLearningRepository } from '../../src/core/learning/inMemoryLearningRepository';
import type { EventJournal, LearningRepository } from '../../src/core/ports';
import type { OrchestratorEvent } from '../../src/core/protocol/events';

/** An in-memory stand-in for SessionStore: journals events and applies learning and patterns like the store does. */
export class MemoryStore extends InMemoryLearningRepository implements EventJournal, LearningRepository {
  readonly events: OrchestratorEvent[] = [];
  readonly #agentsBySession = new Map<string, { taskType: string; agents: string[] }>();

  append(event: OrchestratorEvent): void {
    this.events.push(event);
    if (event.type === 'plan.created') {
      this.#agentsBySession.set(event.sessionId, { taskType: event.payload.plan.taskType, agents: [] });
      this.addPhases(event.sessionId, event.payload.plan.agents);
    }
    if (event.type === 'agent.started') this.#agentsBySession.get(event.sessionId)?.agents.push(event.payload.agent);
    if (event.type === 'learning.recorded') this.add(event.payload.record);
    if (event.type === 'pattern.discovered') this.upsertPattern(event.payload.pattern);
    if (event.type === 'run.completed') {
      const session = this.#agentsBySession.get(event.sessionId);
      if (session) this.addSession({ sessionId: event.sessionId, taskType: session.taskType, agents: session.agents, success: event.payload.success });
    }
  }

  eventsOf(sessionId: string): OrchestratorEvent[] {
    return this.events.filter((event) => event.sessionId === sessionId);
  }
}
