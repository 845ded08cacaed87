// Hand-built, schema-valid events and temp folders for the store tests.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { OrchestratorEvent } from '../../../src/core/protocol/events';
import type { LearnedPattern, LearningRecord } from '../../../src/core/protocol/learning';

export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ao-store-'));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Builds the events of sessions with increasing seq per session. */
export class EventFactory {
  readonly #seqs = new Map<string, number>();
  #ts: number;

  constructor(startTs = 1_700_000_000_000) {
    this.#ts = startTs;
  }

  #envelope(sessionId: string): { sessionId: string; seq: number; ts: number } {
    const seq = (this.#seqs.get(sessionId) ?? 0) + 1;
    this.#seqs.set(sessionId, seq);
    this.#ts += 10;
    return { sessionId, seq, ts: this.#ts };
  }

  runStarted(sessionId: string, request = 'review the code'): OrchestratorEvent {
    return {
      ...this.#envelope(sessionId),
      type: 'run.started',
      payload: {
        request,
        workspace: '/tmp/workspace',
        options: { apply: false, allowCommands: false, maxParallelAgents: 3, agentTimeout: 1000, timeout: null },
      },
    };
  }

  agentStarted(sessionId: string, agent: string): OrchestratorEvent {
    return {
      ...this.#envelope(sessionId),
      type: 'agent.started',
      payload: { agent, task: `work of ${agent}`, phase: 0, parallelWith: [], mcpServers: [] },
    };
  }

  agentCompleted(sessionId: string, agent: string): OrchestratorEvent {
    return {
      ...this.#envelope(sessionId),
      type: 'agent.completed',
      payload: { agent, durationMs: 5, summary: 'done', filesRead: [], filesModified: [], nextAgents: [], recommendations: [] },
    };
  }

  planCreated(sessionId: string, taskType: string): OrchestratorEvent {
    return {
      ...this.#envelope(sessionId),
      type: 'plan.created',
      payload: {
        plan: {
          request: 'review the code',
          taskType,
          agents: [],
          phases: [],
          skipped: [],
          warnings: [],
          estimatedDuration: null,
          mcpServers: [],
        },
      },
    };
  }

  runCompleted(sessionId: string, success = true): OrchestratorEvent {
    return {
      ...this.#envelope(sessionId),
      type: 'run.completed',
      payload: { success, status: success ? 'completed' : 'failed', durationMs: 100 },
    };
  }

  learningRecorded(sessionId: string, agent: string, timestamp: number, success = true): OrchestratorEvent {
    return { ...this.#envelope(sessionId), type: 'learning.recorded', payload: { record: learningRecord(sessionId, agent, timestamp, success) } };
  }

  patternDiscovered(sessionId: string, pattern: LearnedPattern): OrchestratorEvent {
    return { ...this.#envelope(sessionId), type: 'pattern.discovered', payload: { pattern } };
  }
}

export function learningRecord(sessionId: string, agent: string, timestamp: number, success = true): LearningRecord {
  return {
    agent,
    timestamp,
    sessionId,
    taskType: 'security',
    successPatterns: {
      toolSequence: ['read_file', 'search'],
      parallelExecutions: [],
      mcpUsage: {},
      duration: 1200,
      filesModified: [],
      efficientApproaches: [],
    },
    failures: { errors: [], bottlenecks: [], missedOptimizations: [], slowOperations: [] },
    discoveries: { newPatterns: [], codePatterns: [], securityIssues: [], optimizationOpportunities: [] },
    collaboration: { messagesReceived: 0, messagesSent: 1, assistanceRequests: 0, handoffs: [], collaborators: [] },
    outcomes: { success, qualityScore: null, userSatisfaction: null, requiresRework: false },
  };
}

export function pattern(id: string, support: number): LearnedPattern {
  return {
    id,
    type: 'agent_sequence',
    name: `pattern ${id}`,
    sequence: ['security-auditor', 'fixer'],
    context: '',
    support,
    confidence: 80,
    discoveredAt: 1_700_000_000_000 + support,
  };
}
