// A model agent asking before it edits, in a real VS Code: the run is started through the product's command with
// the provider set to the scripted test model (vscode.lm, test/extensionHost/lmProvider) and "ask before each edit
// or command"; the model reads a file, then edits it; the edit reaches the window as a diff editor and a prompt,
// and only the user's answer decides whether the file on disk changes.
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { AgentOrchestratorApi } from '../../../src/vscode/extensionApi';
import { eventually, extensionApi, labelOf, workspaceFolder, type RunResult } from './support';

const VENDOR = 'agent-orchestrator-test';
const FILE = 'notes/approval.txt';
const ORIGINAL = 'color = red\nsize = 3\n';
const REQUEST = `Please edit ${FILE} replacing "color = red" with "color = blue"`;
const PROPOSAL_SCHEME = 'agent-orchestrator-proposal';

/** The open diff editor whose right side is a proposal of the approval prompt. */
function proposalDiffTab(): vscode.TabInputTextDiff | undefined {
  for (const tab of vscode.window.tabGroups.all.flatMap((group) => group.tabs)) {
    if (tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.scheme === PROPOSAL_SCHEME) return tab.input;
  }
  return undefined;
}

function startAskingRun(): Thenable<RunResult | undefined> {
  return vscode.commands.executeCommand<RunResult | undefined>('agentOrchestrator.orchestrateRequest', {
    request: REQUEST,
    apply: true,
    allowCommands: true,
    askBeforeChanges: true,
    agents: ['backend-api-developer'],
  });
}

/** Runs `command` on the open prompt until the diff editor closes (the prompt may open a moment after the diff). */
async function answerPrompt(command: string): Promise<void> {
  await eventually('the approval prompt to take the answer', async () => {
    await vscode.commands.executeCommand(command);
    await new Promise((resolve) => setTimeout(resolve, 100));
    return proposalDiffTab() ? undefined : true;
  }, 30_000);
}

describe('Approvals: a vscode.lm model agent asks before each edit', function () {
  this.timeout(180_000);
  let api: AgentOrchestratorApi;
  let file: string;
  const configuration = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('agentOrchestrator');

  before(async () => {
    api = await extensionApi();
    await eventually('the scripted test model in vscode.lm.selectChatModels', async () => (await vscode.lm.selectChatModels({ vendor: VENDOR }))[0], 45_000);
    await configuration().update('provider', 'vscode-lm', vscode.ConfigurationTarget.Global);
    await configuration().update('vscodeLm.vendor', VENDOR, vscode.ConfigurationTarget.Global);
    file = path.join(workspaceFolder().uri.fsPath, FILE);
    mkdirSync(path.dirname(file), { recursive: true });
  });

  beforeEach(() => writeFileSync(file, ORIGINAL));

  after(async () => {
    await configuration().update('provider', undefined, vscode.ConfigurationTarget.Global);
    await configuration().update('vscodeLm.vendor', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('shows the proposed edit as a diff, shows the agent waiting, and writes the file once approved', async () => {
    const run = startAskingRun();
    const diff = await eventually('the diff editor of the proposed edit', proposalDiffTab, 90_000);
    assert.equal(diff.original.fsPath, file, 'the left side is the file as it is');
    assert.equal((await vscode.workspace.openTextDocument(diff.modified)).getText(), 'color = blue\nsize = 3\n');
    const waiting = await eventually('the Agents view to show the agent waiting', () =>
      api.trees.agents.getChildren().find((item) => labelOf(item) === 'backend-api-developer' && /^waiting for approval/.test(String(item.description))),
    );
    assert.match(String(waiting.description), /edit notes\/approval\.txt/);
    assert.equal(readFileSync(file, 'utf8'), ORIGINAL, 'nothing is written before the answer');

    await answerPrompt('workbench.action.acceptSelectedQuickOpenItem');
    const result = await run;
    assert.ok(result, 'the command returned nothing: the run did not start');
    assert.equal(result.status, 'completed', result.error);
    assert.equal(readFileSync(file, 'utf8'), 'color = blue\nsize = 3\n');

    const state = api.sessionModel.state!;
    const agent = state.agents.find((candidate) => candidate.name === 'backend-api-developer')!;
    assert.equal(agent.status, 'completed');
    assert.equal(agent.model, 'vscode-lm/scripted-tool-model');
    // Read, Edit, answer: three model.called events, each with the tokens vscode.lm counted.
    assert.equal(agent.usage.modelCalls, 3);
    assert.ok(agent.usage.inputTokens > 0 && agent.usage.outputTokens > 0, `usage ${JSON.stringify(agent.usage)}`);
    assert.ok(agent.filesModified.includes(FILE), `files modified: ${agent.filesModified.join(', ')}`);
  });

  it('leaves the file unchanged when the prompt is dismissed (no consent)', async () => {
    const run = startAskingRun();
    await eventually('the diff editor of the proposed edit', proposalDiffTab, 90_000);
    await answerPrompt('workbench.action.closeQuickOpen');
    const result = await run;
    assert.ok(result);
    assert.equal(readFileSync(file, 'utf8'), ORIGINAL);
  });
});
