import { AgentLearningSystem, type LearningSystemOptions } from '../../../src/core/learning/agentLearningSystem';
import { InMemoryLearningRepository } from '../../../src/core/learning/inMemoryLearningRepository';
import type { Clock } from '../../../src/core/ports';
import { LearningRecordSchema, type LearningRecord } from '../../../src/core/protocol/learning';

/** A clock the test moves by hand, so timestamps are predictable. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    this.#now += ms;
  }
}

export interface Fixture {
  system: AgentLearningSystem;
  repository: InMemoryLearningRepository;
  clock: ManualClock;
}

/** A learning system over an in-memory repository that stores every persisted record at once. */
export function createFixture(options: Partial<Omit<LearningSystemOptions, 'repository' | 'persist' | 'clock'>> = {}): Fixture {
  const repository = new InMemoryLearningRepository();
  const clock = new ManualClock();
  const system = new AgentLearningSystem({
    ...options,
    repository,
    clock,
    persist: (record) => {
      repository.add(record);
    },
  });
  return { system, repository, clock };
}

let sessionCounter = 0;

/** A full, valid record with sensible defaults; `overrides` replaces whole sections. */
export function makeRecord(
  agent: string,
  overrides: {
    timestamp?: number;
    sessionId?: string;
    taskType?: string;
    duration?: number;
    toolSequence?: string[];
    success?: boolean;
    errors?: string[];
    bottlenecks?: string[];
    mcpUsage?: Record<string, boolean>;
    parallelExecutions?: string[];
    collaborators?: string[];
    handoffs?: { from: string; timestamp: number }[];
    messagesSent?: number;
    messagesReceived?: number;
  } = {},
): LearningRecord {
  sessionCounter++;
  return LearningRecordSchema.parse({
    agent,
    timestamp: overrides.timestamp ?? 1_600_000_000_000 + sessionCounter,
    sessionId: overrides.sessionId ?? `session_${sessionCounter}`,
    taskType: overrides.taskType ?? 'general',
    successPatterns: {
      toolSequence: overrides.toolSequence ?? ['Read', 'Edit', 'Write'],
      parallelExecutions: overrides.parallelExecutions ?? [],
      mcpUsage: overrides.mcpUsage ?? {},
      duration: overrides.duration ?? 5000,
      filesModified: [],
      efficientApproaches: [],
    },
    failures: { errors: overrides.errors ?? [], bottlenecks: overrides.bottlenecks ?? [], missedOptimizations: [], slowOperations: [] },
    collaboration: {
      messagesSent: overrides.messagesSent ?? 0,
      messagesReceived: overrides.messagesReceived ?? 0,
      handoffs: overrides.handoffs ?? [],
      collaborators: overrides.collaborators ?? [],
    },
    outcomes: { success: overrides.success ?? true },
  });
}
