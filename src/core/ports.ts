// Interfaces the engine needs from the outside world. The CLI and the VS Code extension pass implementations
// to constructors; tests may pass fakes. Nothing under src/core imports 'vscode'.
import type { OrchestratorEvent } from './protocol/events';
import type { LearnedPattern, LearningRecord } from './protocol/learning';

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Durable append-only sink for events: when append returns, the event survives a crash. */
export interface EventJournal {
  append(event: OrchestratorEvent): void;
}

/** Read access to stored executions and patterns, for the learning system. */
export interface LearningRepository {
  /** The newest `limit` executions of `agent`, newest first. */
  recentExecutions(agent: string, limit: number): LearningRecord[];
  /** Number of stored executions, all agents. */
  executionCount(): number;
  /** Names of agents with at least one stored execution. */
  agentsWithHistory(): string[];
  /** Per finished session, the agents in the order they started, newest sessions first. */
  sessionAgentSequences(limit: number): { sessionId: string; taskType: string; agents: string[]; success: boolean }[];
  /** Patterns stored so far (latest version of each id). */
  patterns(): LearnedPattern[];
}

/** Thrown when a path given by an agent, a model or a user resolves outside the workspace. */
export class PathOutsideWorkspaceError extends Error {
  constructor(readonly requestedPath: string, readonly workspaceRoot: string) {
    super(`Path "${requestedPath}" is outside the workspace ${workspaceRoot}`);
    this.name = 'PathOutsideWorkspaceError';
  }
}

/** Files of the workspace an agent works on. Paths are workspace-relative with forward slashes. */
export interface WorkspaceFiles {
  readonly root: string;
  /** Source files under the root, skipping dependency and build folders; sorted. */
  listFiles(options?: { extensions?: readonly string[]; maxFiles?: number }): Promise<string[]>;
  readFile(relativePath: string): Promise<string>;
  writeFile(relativePath: string, content: string): Promise<void>;
  exists(relativePath: string): Promise<boolean>;
  /** Absolute path of a workspace-relative path; throws PathOutsideWorkspaceError if it escapes the root. */
  resolve(relativePath: string): string;
}

export interface CommandResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

/** Runs a real process. Only constructed when the user allowed commands. */
export interface CommandRunner {
  run(
    command: string,
    args: readonly string[],
    options: { cwd: string; timeoutMs: number; signal?: AbortSignal; env?: Record<string, string> },
  ): Promise<CommandResult>;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A language model; adapters exist per provider. The offline agents never need one. */
export interface ChatModel {
  readonly id: string;
  complete(messages: readonly ChatMessage[], options: { signal?: AbortSignal; maxTokens?: number }): Promise<string>;
}

/** Where warnings the user should see go (terminal, output channel). */
export interface UserNotifier {
  warn(message: string): void;
}
