// Shared by the trusted suites: the extension's API (what activate() returns) and small readers of tree items.
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { AgentOrchestratorApi } from '../../../src/vscode/extensionApi';

export const EXTENSION_ID = 'agent-orchestrator.agent-orchestrator';
export const REQUEST = 'Fix security vulnerability in authentication endpoint';

/** The engine's run result, as the command returns it. */
export interface RunResult {
  success: boolean;
  status: 'completed' | 'failed' | 'cancelled' | 'timed_out';
  sessionId: string;
  reportFile: string;
  error?: string;
}

export async function extensionApi(): Promise<AgentOrchestratorApi> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension, `extension ${EXTENSION_ID} is not loaded`);
  const api = (await extension.activate()) as AgentOrchestratorApi | undefined;
  assert.ok(api?.sessionModel && api.trees, 'activate() must return { sessionModel, trees }');
  return api;
}

export function workspaceFolder(): vscode.WorkspaceFolder {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder open');
  return folder;
}

export function labelOf(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}

export async function runRequest(args: { request: string; apply: boolean; allowCommands: boolean }): Promise<RunResult | undefined> {
  return vscode.commands.executeCommand<RunResult | undefined>('agentOrchestrator.orchestrateRequest', args);
}

/** Polls `check` until it returns a value (the Problems panel and the views update asynchronously after events). */
export async function eventually<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
