// A model agent uses the tools VS Code offers, in a real VS Code: the test language model extension registers two
// tools with vscode.lm.registerTool (one tagged read-only) beside its scripted model; a run started through the
// product's command, with a workspace agent file that grants every tool, has the model call both as
// vscode__<tool>. The read-only one runs at once; the other waits for the user's answer in the approval prompt.
import { strict as assert } from 'node:assert';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { foldEvents } from '../../../src/core/logging/runState';
import type { AgentOrchestratorApi } from '../../../src/vscode/extensionApi';
import type { TestToolsApi } from '../lmProvider/extension';
import { eventually, extensionApi, workspaceFolder, type RunResult } from './support';

const VENDOR = 'agent-orchestrator-test';
const TEST_EXTENSION_ID = 'agent-orchestrator.agent-orchestrator-test-language-model';
const PROPOSAL_SCHEME = 'agent-orchestrator-proposal';
const AGENT = 'ticket-clerk';

/** The approval prompt's document of a tool call, while it is open. */
function toolCallTab(): vscode.TabInputText | undefined {
  for (const tab of vscode.window.tabGroups.all.flatMap((group) => group.tabs)) {
    if (tab.input instanceof vscode.TabInputText && tab.input.uri.scheme === PROPOSAL_SCHEME && tab.input.uri.path.endsWith('tool-call.json')) return tab.input;
  }
  return undefined;
}

/** The run's status and its agents' tool calls and errors, for a failure message. */
async function describeRun(result: RunResult | undefined): Promise<string> {
  if (!result) return 'nothing ran';
  const { events } = await (await extensionApi()).engine.request('sessionEvents', { sessionId: result.sessionId });
  const lines = events.flatMap((event) => {
    if (event.type === 'agent.tool_called') return [`${event.payload.agent} ${event.payload.tool}: ${event.payload.status} ${event.payload.summary}`];
    if (event.type === 'agent.failed' || event.type === 'agent.completed') return [`${event.type} ${JSON.stringify(event.payload).slice(0, 300)}`];
    if (event.type === 'model.exchange') return [`model: ${JSON.stringify(event.payload).slice(-300)}`];
    return [];
  });
  return `${result.status} ${result.error ?? ''}\n${lines.join('\n')}`;
}

describe('VS Code tools (vscode.lm.tools) for a model agent', function () {
  this.timeout(180_000);
  let api: AgentOrchestratorApi;
  let tools: TestToolsApi;
  let agentFile: string;
  const configuration = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('agentOrchestrator');

  before(async () => {
    api = await extensionApi();
    await eventually('the scripted test model in vscode.lm.selectChatModels', async () => (await vscode.lm.selectChatModels({ vendor: VENDOR }))[0], 45_000);
    const testExtension = vscode.extensions.getExtension<TestToolsApi>(TEST_EXTENSION_ID);
    assert.ok(testExtension, `${TEST_EXTENSION_ID} is not loaded`);
    tools = await testExtension.activate();
    await eventually('the test tools in vscode.lm.tools', () => (vscode.lm.tools.some((tool) => tool.name === 'aotest_fileTicket') ? true : undefined), 30_000);
    await configuration().update('provider', 'vscode-lm', vscode.ConfigurationTarget.Global);
    await configuration().update('vscodeLm.vendor', VENDOR, vscode.ConfigurationTarget.Global);
    // No `tools:` line: the agent gets every tool, VS Code's included (Claude Code's rule).
    agentFile = path.join(workspaceFolder().uri.fsPath, '.claude', 'agents', `${AGENT}.md`);
    mkdirSync(path.dirname(agentFile), { recursive: true });
    writeFileSync(agentFile, `---\nname: ${AGENT}\ndescription: Files tickets with the editor's tools\n---\nYou file tickets.\n`);
  });

  after(async () => {
    rmSync(agentFile, { force: true });
    await configuration().update('provider', undefined, vscode.ConfigurationTarget.Global);
    await configuration().update('vscodeLm.vendor', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('calls the read-only tool at once and the other only once the user approved it; both are events counted for the agent', async () => {
    tools.toolCalls.length = 0;
    const run = vscode.commands.executeCommand<RunResult | undefined>('agentOrchestrator.orchestrateRequest', {
      request: 'Please use the ticket tools for BUG-7',
      apply: false,
      allowCommands: false,
      agents: [AGENT],
    });
    let finished: RunResult | undefined | 'pending' = 'pending';
    void Promise.resolve(run).then((value) => { finished = value; }, () => { finished = undefined; });
    const prompt = await eventually('the approval prompt of the tool call', async () => {
      // A run that ends without asking would otherwise cost the whole wait, and say nothing of why.
      if (finished !== 'pending') assert.fail(`the run ended before asking: ${await describeRun(finished)}`);
      return toolCallTab();
    }, 90_000);
    const shown = (await vscode.workspace.openTextDocument(prompt.uri)).getText();
    assert.match(shown, /^vscode__aotest_fileTicket\n/);
    assert.match(shown, /"title": "Fix BUG-7"/);
    assert.deepEqual(tools.toolCalls, [{ tool: 'aotest_lookupTicket', input: { id: 'BUG-7' } }], 'the read-only tool ran without asking; the other waits');

    await eventually('the approval prompt to take the answer', async () => {
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      await new Promise((resolve) => setTimeout(resolve, 100));
      return toolCallTab() ? undefined : true;
    }, 30_000);
    const result = await run;
    assert.ok(result, 'the run started');
    assert.equal(result.status, 'completed', result.error);
    assert.deepEqual(tools.toolCalls, [
      { tool: 'aotest_lookupTicket', input: { id: 'BUG-7' } },
      { tool: 'aotest_fileTicket', input: { title: 'Fix BUG-7' } },
    ]);

    const { events } = await api.engine.request('sessionEvents', { sessionId: result.sessionId });
    const calls = events.flatMap((event) => (event.type === 'agent.tool_called' && event.payload.tool.startsWith('vscode__') ? [event.payload] : []));
    assert.deepEqual(calls.map((call) => [call.tool, call.status, call.params.tool]), [
      ['vscode__aotest_lookupTicket', 'success', 'aotest_lookupTicket'],
      ['vscode__aotest_fileTicket', 'success', 'aotest_fileTicket'],
    ]);
    const asked = events.flatMap((event) => (event.type === 'agent.waiting' && event.payload.waitingFor === 'approval' ? [event.payload.detail] : []));
    assert.deepEqual(asked, ['vscode__aotest_fileTicket'], 'only the tool not tagged read-only was asked');
    assert.deepEqual(foldEvents(result.sessionId, events).agents.find((agent) => agent.name === AGENT)?.vscodeToolCalls, { aotest_lookupTicket: 1, aotest_fileTicket: 1 });
    const answer = JSON.stringify(events.filter((event) => event.type === 'model.exchange').at(-1));
    assert.match(answer, /Tickets said: BUG-7 is open: login accepts any password \| filed \\"Fix BUG-7\\" as BUG-100/);
  });
});
