// Reviewing a dry run in a real VS Code: a proposed change opens as a diff editor (the file as it is against what
// the change would write, from a read-only document), Apply writes exactly that and records it in the session,
// applying again says so, and a file edited since the run is refused and left as it is.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { AgentOrchestratorApi } from '../../../src/vscode/extensionApi';
import { REQUEST, eventually, extensionApi, workspaceFolder, type RunResult } from './support';

const PROPOSED_SCHEME = 'agent-orchestrator-proposed';
const AUTH = 'src/routes/auth.ts';
const INVOICES = 'src/routes/invoices.ts';

interface ChangeResult { id: string; file: string; outcome: string; message: string }

function proposedDiffTab(changeId: string): vscode.TabInputTextDiff | undefined {
  for (const tab of vscode.window.tabGroups.all.flatMap((group) => group.tabs)) {
    if (tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.scheme === PROPOSED_SCHEME && new URLSearchParams(tab.input.modified.query).get('change') === changeId) return tab.input;
  }
  return undefined;
}

describe('Reviewing a dry run: diff editor, Apply and Discard', function () {
  this.timeout(180_000);
  let api: AgentOrchestratorApi;
  let run: RunResult;
  const original: Record<string, string> = {};
  const fileOf = (file: string): string => path.join(workspaceFolder().uri.fsPath, file);

  before(async () => {
    api = await extensionApi();
    await vscode.workspace.getConfiguration('agentOrchestrator').update('provider', 'offline', vscode.ConfigurationTarget.Global);
    for (const file of [AUTH, INVOICES]) original[file] = readFileSync(fileOf(file), 'utf8');
    const result = await vscode.commands.executeCommand<RunResult | undefined>('agentOrchestrator.orchestrateRequest', {
      request: REQUEST, apply: false, allowCommands: false, agents: ['security-auditor', 'backend-api-developer'],
    });
    assert.ok(result && result.status === 'completed', result?.error ?? 'the run did not start');
    run = result;
  });

  after(async () => {
    await vscode.workspace.getConfiguration('agentOrchestrator').update('provider', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // Later suites find the example as it was.
    for (const file of [AUTH, INVOICES]) writeFileSync(fileOf(file), original[file]!);
  });

  it('opens a proposed change as a diff editor: the file as it is, against what the change would write', async () => {
    assert.equal(await vscode.commands.executeCommand('agentOrchestrator.openChangeDiff', { sessionId: run.sessionId, changeId: '1' }), true);
    const diff = await eventually('the diff editor of change 1', () => proposedDiffTab('1'));
    assert.equal(diff.original.fsPath, fileOf(AUTH), 'the left side is the file on disk');
    const proposed = (await vscode.workspace.openTextDocument(diff.modified)).getText();
    assert.match(proposed, /organizationId: req\.user\.organizationId, id: req\.params\.id/);
    assert.equal(readFileSync(fileOf(AUTH), 'utf8'), original[AUTH], 'opening the diff writes nothing');
    const commands = await vscode.commands.getCommands(true);
    for (const command of ['agentOrchestrator.applyChanges', 'agentOrchestrator.applyProposedChange', 'agentOrchestrator.discardProposedChange']) assert.ok(commands.includes(command), command);
  });

  it('Apply in the diff editor writes exactly the proposed content, closes the diff and records it in the session', async () => {
    const diff = await eventually('the diff editor of change 1', () => proposedDiffTab('1'));
    const proposed = (await vscode.workspace.openTextDocument(diff.modified)).getText();
    const results = await vscode.commands.executeCommand<ChangeResult[] | undefined>('agentOrchestrator.applyProposedChange', diff.modified);
    assert.deepEqual(results?.map((r) => [r.id, r.outcome]), [['1', 'applied']], JSON.stringify(results));
    assert.equal(readFileSync(fileOf(AUTH), 'utf8'), proposed);
    await eventually('the diff editor to close', () => (proposedDiffTab('1') ? undefined : true));
    await eventually('the shown session to record the review', () => (api.sessionModel.state?.changes.find((c) => c.id === '1')?.review === 'applied' ? true : undefined));
    const again = await vscode.commands.executeCommand<ChangeResult[] | undefined>('agentOrchestrator.applyChanges', run.sessionId, { changeIds: ['1'], confirm: false });
    assert.equal(again, undefined, 'change 1 is no longer offered: it is applied');
    const direct = await vscode.commands.executeCommand<ChangeResult[] | undefined>('agentOrchestrator.applyProposedChange', diff.modified);
    assert.deepEqual(direct?.map((r) => r.outcome), ['already-applied']);
  });

  it('Apply Changes refuses a file edited since the run and leaves it as it is; Discard records the decision', async () => {
    const edited = `${original[INVOICES]}// edited by hand\n`;
    writeFileSync(fileOf(INVOICES), edited);
    const results = await vscode.commands.executeCommand<ChangeResult[] | undefined>('agentOrchestrator.applyChanges', run.sessionId, { changeIds: ['2'], confirm: false });
    assert.deepEqual(results?.map((r) => [r.id, r.outcome]), [['2', 'refused']]);
    assert.match(results![0]!.message, /src\/routes\/invoices\.ts changed since the run/);
    assert.equal(readFileSync(fileOf(INVOICES), 'utf8'), edited);

    assert.equal(await vscode.commands.executeCommand('agentOrchestrator.openChangeDiff', { sessionId: run.sessionId, changeId: '2' }), true);
    const diff = await eventually('the diff editor of change 2', () => proposedDiffTab('2'));
    const discarded = await vscode.commands.executeCommand<ChangeResult[] | undefined>('agentOrchestrator.discardProposedChange', diff.modified);
    assert.deepEqual(discarded?.map((r) => r.outcome), ['discarded']);
    await eventually('the diff editor to close', () => (proposedDiffTab('2') ? undefined : true));
    await eventually('the shown session to record the discard', () => (api.sessionModel.state?.changes.find((c) => c.id === '2')?.review === 'discarded' ? true : undefined));
    assert.equal(readFileSync(fileOf(INVOICES), 'utf8'), edited);
  });
});
