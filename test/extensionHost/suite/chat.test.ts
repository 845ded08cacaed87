// @orchestrator in VS Code's chat, in a real extension host: the participant the extension registered, called as VS
// Code calls it (see ../chatRecorder.ts), answers /plan with the plan, /run with progress, findings anchored at
// real files and lines, the cost and buttons that work, /status and /learnings with what the views show, and a
// question about the run with the chat's model (the scripted test model) from that run's events.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { AgentOrchestratorApi } from '../../../src/vscode/extensionApi';
import { chatText } from '../../../src/vscode/chatPresentation';
import { chatContext, chatRequest, RecordingStream } from '../chatRecorder';
import { REQUEST, eventually, extensionApi, labelOf, workspaceFolder } from './support';

const PARTICIPANT_ID = 'agentOrchestrator.orchestrator';
const VENDOR = 'agent-orchestrator-test';

describe('@orchestrator in the chat', function () {
  this.timeout(180_000);
  let api: AgentOrchestratorApi;
  let model: vscode.LanguageModelChat;
  let runResult: vscode.ChatResult;
  let runSessionId: string;

  /** Sends one chat request to the registered participant and returns what it streamed and returned. */
  async function ask(command: string | undefined, prompt: string, options: { context?: vscode.ChatContext; token?: vscode.CancellationToken; stream?: RecordingStream } = {}): Promise<{ stream: RecordingStream; result: vscode.ChatResult }> {
    const participant = api.chat.participant;
    assert.ok(participant, 'no chat participant was registered');
    const stream = options.stream ?? new RecordingStream();
    const token = options.token ?? new vscode.CancellationTokenSource().token;
    const result = (await participant.requestHandler(chatRequest(command, prompt, model), options.context ?? chatContext(), stream, token)) ?? {};
    return { stream, result };
  }

  before(async function () {
    this.timeout(60_000);
    api = await extensionApi();
    model = await eventually('the scripted test model in vscode.lm.selectChatModels', async () => (await vscode.lm.selectChatModels({ vendor: VENDOR }))[0], 45_000);
    // The offline agents' findings are checked; the test model answers the chat's questions only.
    await vscode.workspace.getConfiguration('agentOrchestrator').update('provider', 'offline', vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('agentOrchestrator').update('provider', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('registers @orchestrator with the commands package.json declares', async () => {
    assert.equal(api.chat.participant?.id, PARTICIPANT_ID);
    const extension = vscode.extensions.getExtension('agent-orchestrator.agent-orchestrator')!;
    const declared = (extension.packageJSON as { contributes: { chatParticipants: { id: string; name: string; commands: { name: string }[] }[] } }).contributes.chatParticipants;
    assert.deepEqual(declared.map((entry) => [entry.id, entry.name, entry.commands.map((command) => command.name)]), [[PARTICIPANT_ID, 'orchestrator', ['plan', 'run', 'status', 'learnings']]]);
  });

  it('/plan shows the plan with its agents by phase and the estimate, and offers to run it', async () => {
    const { stream, result } = await ask('plan', REQUEST);
    assert.match(stream.text, /\*\*Plan: \d+ agents in \d+ phases · /);
    for (const agent of ['security-auditor', 'backend-api-developer']) assert.ok(stream.text.includes(`**${agent}**`), stream.text);
    assert.match(stream.text, /\*Phase 1\*/);
    assert.deepEqual(result.metadata, { command: 'plan', request: REQUEST });
    const followups = (await api.chat.participant!.followupProvider?.provideFollowups(result, chatContext(), new vscode.CancellationTokenSource().token)) ?? [];
    assert.deepEqual(followups.map((followup) => [followup.command, followup.prompt]), [['run', REQUEST]]);
    assert.equal(api.sessionModel.live, false, 'planning started no run');
  });

  it('/run --dry-run streams progress, then the outcome, the findings anchored at their files and lines, the cost and buttons', async () => {
    const auth = path.join(workspaceFolder().uri.fsPath, 'src', 'routes', 'auth.ts');
    const before = readFileSync(auth, 'utf8');
    const { stream, result } = await ask('run', `--dry-run ${REQUEST}`);
    const metadata = result.metadata as { command: string; sessionId: string };
    assert.equal(metadata.command, 'run');
    runSessionId = metadata.sessionId;
    runResult = result;
    assert.equal(api.sessionModel.sessionId, runSessionId, 'the chat run is the shown session, as a palette run is');
    assert.ok(stream.progressLines.some((line) => /^\d+\/\d+ agents · security-auditor: /.test(line)), stream.progressLines.join('\n'));
    assert.match(stream.text, /\*\*Plan: \d+ agents/, 'the plan the run made is shown');
    assert.match(stream.text, /The run completed in [\d.]+ m?s: \d+ findings \\\(/);
    assert.match(stream.text, /Cost: no model calls \(offline agents only\)\./);
    assert.equal(readFileSync(auth, 'utf8'), before, 'a dry run wrote a file');

    // Every anchor points at an existing file of the workspace, at a line it has; the tenant finding at its column.
    const anchors = stream.anchors;
    assert.ok(anchors.length >= 5, `anchors: ${anchors.length}`);
    const root = workspaceFolder().uri.fsPath;
    for (const { location, title } of anchors) {
      assert.ok(location.uri.fsPath.startsWith(root + path.sep) && existsSync(location.uri.fsPath), location.uri.fsPath);
      const lines = readFileSync(location.uri.fsPath, 'utf8').split('\n');
      assert.ok(location.range.start.line < lines.length, `${title} is past the end of the file`);
      assert.equal(title, `${path.relative(root, location.uri.fsPath).split(path.sep).join('/')}:${location.range.start.line + 1}`);
    }
    const tenant = anchors.find((anchor) => anchor.title === 'src/routes/auth.ts:31');
    assert.ok(tenant, anchors.map((anchor) => anchor.title).join(', '));
    assert.equal(tenant.location.range.start.character, 21);
    assert.match(readFileSync(auth, 'utf8').split('\n')[30]!, /findFirst\(\{ where: \{ id: req\.params\.id \} \}\)/);
    assert.match(stream.text, /missing-tenant-filter/);

    // The buttons do what they say: the dashboard of this session, the diff of a proposed change.
    const buttons = stream.buttons;
    const dashboard = buttons.find((button) => button.title === 'Show Dashboard');
    assert.deepEqual([dashboard?.command, dashboard?.arguments], ['agentOrchestrator.openSession', [runSessionId]]);
    const diff = buttons.find((button) => button.command === 'agentOrchestrator.openChangeDiff');
    assert.ok(diff, `buttons: ${buttons.map((button) => button.title).join(', ')}`);
    assert.match(diff.title, /^Diff: src\/routes\/(auth|invoices)\.ts$/);
    assert.equal(await vscode.commands.executeCommand(diff.command, ...(diff.arguments ?? [])), true);
    await eventually('the diff editor of the proposed change', () =>
      vscode.window.tabGroups.all.flatMap((group) => group.tabs).some((tab) => tab.input instanceof vscode.TabInputTextDiff) ? true : undefined,
    );
    assert.ok(buttons.some((button) => button.command === 'agentOrchestrator.applyChanges' && button.arguments?.[0] === runSessionId));
    assert.ok(buttons.some((button) => button.title === 'Open Report'));
  });

  it('/status shows the last run: its outcome and findings', async () => {
    const { stream, result } = await ask('status', '');
    assert.equal((result.metadata as { sessionId?: string }).sessionId, runSessionId);
    assert.ok(stream.text.startsWith(`Last run: ${chatText(REQUEST)}`), stream.text.slice(0, 200));
    assert.match(stream.text, /The run completed/);
    assert.ok(stream.anchors.some((anchor) => anchor.title === 'src/routes/auth.ts:31'));
  });

  it('/learnings lists what the Learned Patterns view shows', async () => {
    const { stream } = await ask('learnings', '');
    const labels = (await api.trees.patterns.getChildren()).map(labelOf);
    if (labels.length === 0) assert.match(stream.text, /Nothing learned yet/);
    for (const label of labels) assert.ok(stream.text.includes(chatText(label, 120)), `${label} is missing from:\n${stream.text}`);
    const { stream: nobody } = await ask('learnings', 'no-such-agent');
    assert.match(nobody.text, /No learned pattern involves no-such-agent yet/);
  });

  it('answers a question about the run from its events with the chat model', async () => {
    const { stream, result } = await ask(undefined, 'Why was the validation approved?', { context: chatContext(runResult) });
    assert.equal((result.metadata as { sessionId?: string }).sessionId, runSessionId, 'the question is about the run the conversation was about');
    assert.ok(stream.progressLines.some((line) => line.startsWith(`Reading session ${runSessionId}`)), stream.progressLines.join('\n'));
    // The scripted model quotes the lines of the prompt that match the question: they come from this run's events.
    assert.match(stream.text, /^From the session:/);
    assert.match(stream.text, /backend-api-developer: completed; .*validation approved/);
    assert.match(stream.text, /validation by security-auditor of backend-api-developer's changes: approved/);
  });

  it('stops answering when the chat cancels the request', async () => {
    const cancel = new vscode.CancellationTokenSource();
    const stream = new RecordingStream();
    // The scripted model streams one part for "never finish", then waits for the cancellation.
    stream.onPart = (part) => {
      if (part.kind === 'markdown' && part.text.includes('Thinking forever')) cancel.cancel();
    };
    const { result } = await ask(undefined, 'never finish this answer', { token: cancel.token, stream });
    assert.ok(cancel.token.isCancellationRequested, 'the model never streamed its first part');
    assert.equal(result.errorDetails, undefined);
    assert.equal((result.metadata as { sessionId?: string }).sessionId, runSessionId);
  });
});
