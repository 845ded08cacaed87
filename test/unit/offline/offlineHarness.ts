// Runs the real offline agents through the real orchestrator on a scratch workspace (a temp copy of a fixture).
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtinAgents } from '../../../src/agents/definitions/builtinAgents';
import { createOfflineAgents } from '../../../src/agents/offline/offlineAgents';
import { SecurityAuditorAgent } from '../../../src/agents/offline/securityAuditor';
import { NodeWorkspaceFiles } from '../../../src/agents/workspace/nodeWorkspaceFiles';
import type { AgentRuntime } from '../../../src/core/orchestrator/agentRuntime';
import { ExecutionOrchestrator, type ExecutionOptions, type ExecutionResult } from '../../../src/core/orchestrator/executionOrchestrator';
import type { CommandResult, CommandRunner } from '../../../src/core/ports';
import { OrchestratorConfigSchema } from '../../../src/core/protocol/config';
import type { OrchestratorEvent } from '../../../src/core/protocol/events';
import type { Finding } from '../../../src/core/protocol/findings';
import type { Message, MessagePayloads } from '../../../src/core/protocol/messages';
import { MemoryStore } from '../../helpers/memoryStore';

export const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures', 'offline');
export const SECURITY_REQUEST = 'Fix security vulnerability in authentication endpoint';

/** Temp folders made by this module, removed by `removeScratch`. */
const scratch: string[] = [];

/** A fresh temp workspace holding a copy of each named fixture folder (merged) plus `extra` files. */
export function scratchWorkspace(fixtures: readonly string[], extra: Record<string, string> = {}): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ao-offline-'));
  scratch.push(root);
  for (const fixture of fixtures) cpSync(path.join(FIXTURES, fixture), root, { recursive: true });
  for (const [file, text] of Object.entries(extra)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

export function scratchDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ao-offline-logs-'));
  scratch.push(dir);
  return dir;
}

export function removeScratch(): void {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Every file under `root` with its exact bytes, by forward-slash relative path. */
export function snapshot(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const absolute = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(absolute);
      else files.set(path.relative(root, absolute).split(path.sep).join('/'), readFileSync(absolute).toString('base64'));
    }
  };
  walk(root);
  return files;
}

export function readText(root: string, file: string): string {
  return readFileSync(path.join(root, file), 'utf8');
}

/** A CommandRunner that records what it was asked to run and answers with `answer` (or throws it). */
export class RecordingCommandRunner implements CommandRunner {
  readonly calls: { command: string; args: readonly string[] }[] = [];
  constructor(private readonly answer: CommandResult | Error = { exitCode: 0, stdout: '', stderr: '', timedOut: false, durationMs: 1 }) {}

  async run(command: string, args: readonly string[]): Promise<CommandResult> {
    this.calls.push({ command, args });
    if (this.answer instanceof Error) throw this.answer;
    return this.answer;
  }
}

/** The real security auditor (scan, findings, handoff) whose validation service answers with `verdict` instead of re-scanning. */
export function auditorWithVerdict(
  verdict: (request: MessagePayloads['validation_request']) => Promise<MessagePayloads['validation_result']>,
): AgentRuntime {
  const real = new SecurityAuditorAgent();
  return { name: real.name, capabilities: real.capabilities, run: (context) => real.run(context), services: { validate: (request) => verdict(request) } };
}

/** An auditor that rejects every change it is asked to validate, with `reason`. */
export function rejectingAuditor(reason: string): AgentRuntime {
  return auditorWithVerdict(async (request) => ({ approved: false, reasons: [reason], filesChecked: request.filesModified, remainingFindings: [] }));
}

export interface HarnessRun {
  result: ExecutionResult;
  events: OrchestratorEvent[];
  logDir: string;
}

/** Runs `request` with the built-in roster and the real offline agents (some may be replaced by `runtimes`). */
export async function runOffline(
  root: string,
  options: ExecutionOptions & { request?: string; runtimes?: AgentRuntime[]; commandRunner?: CommandRunner | null; agentTimeout?: number } = {},
): Promise<HarnessRun> {
  const store = new MemoryStore();
  const logDir = scratchDir();
  const replacements = options.runtimes ?? [];
  const runtimes = createOfflineAgents().map((agent) => replacements.find((r) => r.name === agent.name) ?? agent);
  const orchestrator = new ExecutionOrchestrator({
    workspace: new NodeWorkspaceFiles(root),
    store,
    roster: builtinAgents(),
    runtimes,
    config: OrchestratorConfigSchema.parse({ orchestration: { agentTimeout: options.agentTimeout ?? 50_000 } }),
    logDir,
    commandRunner: options.commandRunner ?? null,
  });
  try {
    const result = await orchestrator.executeRequest(options.request ?? SECURITY_REQUEST, options);
    return { result, events: store.eventsOf(result.sessionId), logDir };
  } finally {
    await orchestrator.shutdown();
  }
}

// ---- Event queries -------------------------------------------------------------------------------------

type EventOf<T extends OrchestratorEvent['type']> = Extract<OrchestratorEvent, { type: T }>;

export function eventsOfType<T extends OrchestratorEvent['type']>(events: readonly OrchestratorEvent[], type: T): EventOf<T>[] {
  return events.filter((event): event is EventOf<T> => event.type === type);
}

export function completion(events: readonly OrchestratorEvent[], agent: string): EventOf<'agent.completed'>['payload'] {
  const done = eventsOfType(events, 'agent.completed').find((event) => event.payload.agent === agent);
  if (!done) {
    const failed = eventsOfType(events, 'agent.failed').find((event) => event.payload.agent === agent);
    throw new Error(`${agent} did not complete${failed ? `: ${failed.payload.reason} — ${failed.payload.error}` : ''}`);
  }
  return done.payload;
}

export function findingsBy(events: readonly OrchestratorEvent[], agent: string): Finding[] {
  return eventsOfType(events, 'finding.reported').filter((event) => event.payload.agent === agent).map((event) => event.payload.finding);
}

export function toolCalls(events: readonly OrchestratorEvent[], agent: string): EventOf<'agent.tool_called'>['payload'][] {
  return eventsOfType(events, 'agent.tool_called').filter((event) => event.payload.agent === agent).map((event) => event.payload);
}

export function messages(events: readonly OrchestratorEvent[]): Message[] {
  return eventsOfType(events, 'message.sent').map((event) => event.payload.message);
}

/** The data of the test-suite-developer's CONTEXT_SHARE "test-results" broadcast, if it sent one. */
export function testResults(events: readonly OrchestratorEvent[]): Record<string, unknown> | null {
  for (const message of messages(events)) {
    if (message.type === 'context_share' && message.payload.topic === 'test-results') return message.payload.data;
  }
  return null;
}

/** Index in the stream of the first event matching `predicate`; -1 when none. */
export function indexOf(events: readonly OrchestratorEvent[], predicate: (event: OrchestratorEvent) => boolean): number {
  return events.findIndex(predicate);
}

/** 1-based numbers of the lines that differ between two texts with the same number of lines. */
export function changedLines(before: string, after: string): number[] {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length !== b.length) throw new Error(`line count changed: ${a.length} -> ${b.length}`);
  return a.flatMap((line, index) => (line === b[index] ? [] : [index + 1]));
}

/** 1-based number of the first line of `text` containing `needle`. */
export function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`"${needle}" not found`);
  return index + 1;
}
