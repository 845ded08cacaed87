// Realistic event streams for the dashboard bench: one real run of the offline agents on a temporary copy of
// examples/vulnerable-api (dry run, no commands), then grown to any size by repeating the kinds of events a long
// run is made of (message.sent, agent.tool_called, finding.reported) with fresh seq numbers, ids and locations.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openWorkspaceEngine } from '../../src/agents/workspaceEngine';
import type { EventOf, OrchestratorEvent } from '../../src/core/protocol/events';
import { OrchestratorEventSchema } from '../../src/core/protocol/events';

export const EXAMPLE_REQUEST = 'Fix security vulnerability in authentication endpoint';
const EXAMPLE_DIR = path.resolve(__dirname, '..', '..', 'examples', 'vulnerable-api');

/** The events of one real run on a throwaway copy of the example workspace (apply false, allowCommands false). */
export async function recordExampleRun(): Promise<OrchestratorEvent[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ao-bench-example-'));
  try {
    fs.cpSync(EXAMPLE_DIR, dir, { recursive: true, filter: (source) => !source.includes(`${path.sep}node_modules`) });
    // env {}: the user's environment (provider keys, config overrides) must not change what the bench records.
    const engine = await openWorkspaceEngine({ workspaceRoot: dir, mode: 'write', env: {} });
    try {
      const result = await engine.orchestrator.executeRequest(EXAMPLE_REQUEST, { apply: false, allowCommands: false });
      if (!result.success) throw new Error(`the example run failed: ${result.error ?? result.status}`);
      return engine.store.getEvents(result.sessionId);
    } finally {
      await engine.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

type Repeatable = EventOf<'message.sent'> | EventOf<'agent.tool_called'> | EventOf<'finding.reported'>;

/** Messages that stand alone; handoffs and validations refer to ids of other events, so repeats would dangle. */
const REPEATABLE_MESSAGES: ReadonlySet<string> = new Set(['finding_report', 'warning', 'context_share', 'progress_update', 'pattern_discovered', 'optimization_tip']);

function isRepeatable(event: OrchestratorEvent): event is Repeatable {
  if (event.type === 'message.sent') return REPEATABLE_MESSAGES.has(event.payload.message.type);
  return event.type === 'agent.tool_called' || event.type === 'finding.reported';
}

function freshFindingId(): string {
  return randomUUID().replace(/-/g, '').slice(0, 16);
}

/** A large session being written: the real run's head, then repeated work of the agent running at that point. */
export interface GrowingSession {
  sessionId: string;
  /** The first `count` events of the session, seq 1..count, valid for OrchestratorEventSchema. */
  head: OrchestratorEvent[];
  /** The next event of the same session (seq count+1, count+2, ...); each call makes a new one. */
  next(): OrchestratorEvent;
}

/**
 * Cuts the recorded run just after the second agent starts (so the snapshot shows a live run with agents done,
 * one running and some pending) and grows it to `count` events by repeating the run's messages, tool calls and
 * findings as the running agent's, each with a fresh id and a different file and line (a large workspace).
 */
export function growSession(recorded: readonly OrchestratorEvent[], count: number): GrowingSession {
  const starts = recorded.map((event, index) => ({ event, index })).filter(({ event }) => event.type === 'agent.started');
  const cut = starts[1] ?? starts[0];
  if (cut === undefined || cut.event.type !== 'agent.started') throw new Error('the recorded run started no agent');
  const runningAgent = cut.event.payload.agent;
  const prefix = recorded.slice(0, cut.index + 1);
  const templates = recorded.filter(isRepeatable);
  if (templates.length === 0) throw new Error('the recorded run has no messages, tool calls or findings to repeat');
  if (prefix.length > count) throw new Error(`the recorded run's head has ${prefix.length} events, more than ${count}`);

  const sessionId = prefix[0]?.sessionId ?? 'bench-session';
  let seq = 0;
  let ts = prefix[prefix.length - 1]?.ts ?? Date.now();
  let round = 0;

  const repeat = (): OrchestratorEvent => {
    const template = templates[round % templates.length] as Repeatable;
    round += 1;
    seq += 1;
    ts += 3;
    const event = structuredClone(template) as Repeatable;
    event.seq = seq;
    event.ts = ts;
    // A large workspace: findings spread over many files.
    const file = `src/modules/module-${String(Math.floor(round / 7) % 1500).padStart(4, '0')}/routes.ts`;
    const line = 1 + (round % 400);
    switch (event.type) {
      case 'agent.tool_called':
        event.payload.agent = runningAgent;
        if (typeof event.payload.params.file === 'string') event.payload.params.file = file;
        break;
      case 'finding.reported':
        event.payload.agent = runningAgent;
        Object.assign(event.payload.finding, { id: freshFindingId(), file, line, endLine: line, agent: runningAgent });
        break;
      case 'message.sent': {
        const message = event.payload.message;
        Object.assign(message, { id: randomUUID(), from: runningAgent, timestamp: ts });
        if (message.to === runningAgent) message.to = 'all';
        if (message.type === 'finding_report') Object.assign(message.payload, { id: freshFindingId(), file, line, endLine: line, agent: runningAgent });
        break;
      }
    }
    return event;
  };

  const head: OrchestratorEvent[] = prefix.map((event) => {
    seq += 1;
    return { ...event, seq };
  });
  while (head.length < count) head.push(repeat());
  // Catches a template the schema would reject before the page (which validates too) does.
  for (const event of [head[0], head[prefix.length], head[head.length - 1]]) OrchestratorEventSchema.parse(event);
  return { sessionId, head, next: repeat };
}
