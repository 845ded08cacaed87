// The harness opens this window without --disable-workspace-trust: the fixture folder is in Restricted Mode. There
// nothing may run agents or write: Orchestrate Request, Clear Learnings and deletions refuse (and say why), while
// the history stays viewable.
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { AgentOrchestratorApi } from '../../../src/vscode/extensionApi';

const EXTENSION_ID = 'agent-orchestrator.agent-orchestrator';

function storeDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder open');
  return path.join(folder.uri.fsPath, '.agent-orchestrator');
}

describe('extension in a Restricted Mode window', function () {
  this.timeout(60_000);
  let api: AgentOrchestratorApi;

  before(async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `extension ${EXTENSION_ID} is not loaded`);
    api = (await extension.activate()) as AgentOrchestratorApi;
  });

  it('runs with the fixture workspace untrusted', () => {
    assert.ok(vscode.workspace.workspaceFolders?.[0], 'no workspace folder open');
    assert.equal(vscode.workspace.isTrusted, false);
    assert.equal(existsSync(storeDir()), false, 'the fixture must start without a store');
  });

  it('refuses Orchestrate Request, with or without arguments: no session, no store written', async () => {
    const withArgs = await vscode.commands.executeCommand('agentOrchestrator.orchestrateRequest', {
      request: 'Fix security vulnerability in authentication endpoint',
      apply: false,
      allowCommands: false,
    });
    assert.equal(withArgs, undefined);
    // Without arguments it must refuse before any picker opens (a picker would keep this call pending).
    const withoutArgs = await vscode.commands.executeCommand('agentOrchestrator.orchestrateRequest');
    assert.equal(withoutArgs, undefined);
    assert.equal(api.sessionModel.sessionId, null, 'a session is shown');
    assert.equal(existsSync(storeDir()), false, '.agent-orchestrator was created');
  });

  it('refuses Clear Learnings and deletions without asking for confirmation', async () => {
    assert.equal(await vscode.commands.executeCommand('agentOrchestrator.clearLearnings'), undefined);
    assert.equal(await vscode.commands.executeCommand('agentOrchestrator.deleteSession', 'session_x', false), false);
    assert.equal(await vscode.commands.executeCommand('agentOrchestrator.deletePattern', { patternId: 'p' }), false);
    assert.equal(existsSync(storeDir()), false, '.agent-orchestrator was created');
  });

  it('still lets the user view the (empty) history, without creating a store', async () => {
    assert.deepEqual(await api.trees.sessions.getChildren(), []);
    assert.deepEqual(await api.trees.patterns.getChildren(), []);
    assert.equal(existsSync(storeDir()), false, 'viewing created .agent-orchestrator');
  });
});
