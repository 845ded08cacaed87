// The extension loads in a real extension host of a trusted window and registers every command it contributes.
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';

const EXTENSION_ID = 'agent-orchestrator.agent-orchestrator';

describe('extension in a trusted window', () => {
  it('opens the fixture workspace as trusted', () => {
    assert.equal(vscode.workspace.isTrusted, true);
    assert.ok(vscode.workspace.workspaceFolders?.[0], 'no workspace folder open');
  });

  it('activates and registers every command of package.json', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `extension ${EXTENSION_ID} is not loaded`);
    await extension.activate();
    const contributed = (extension.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands.map((entry) => entry.command);
    assert.ok(contributed.length >= 13, `package.json contributes only ${contributed.length} commands`);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(contributed.filter((command) => !registered.has(command)), [], 'contributed but not registered');
  });

  it('shows no session and no findings before the first run', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    const api = (await extension.activate()) as { sessionModel: { sessionId: string | null } };
    assert.equal(api.sessionModel.sessionId, null);
    const ours = vscode.languages.getDiagnostics().flatMap(([, diagnostics]) => diagnostics).filter((d) => d.source === 'Agent Orchestrator');
    assert.deepEqual(ours, []);
  });

  it('starts no findings language server before a session is shown', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    const api = (await extension.activate()) as { problems: { serverState: string } };
    assert.equal(api.problems.serverState, 'stopped');
  });
});
