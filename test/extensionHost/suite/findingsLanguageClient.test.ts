// The Problems panel, hovers and quick fixes come from the findings language server (dist/lspServer.js) through
// vscode-languageclient, in a real VS Code: a run's findings reach Problems with their recommendation, a hover
// explains a finding and names its agent, and a quick fix asks for consent: it opens the proposed change in the
// review diff editor and writes nothing until the user applies it there.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { AgentOrchestratorApi } from '../../../src/vscode/extensionApi';
import { diagnosticMessageOf } from '../../../src/core/logging/diagnosticMapping';
import { REQUEST, eventually, extensionApi, workspaceFolder, type RunResult } from './support';

const AUTH = 'src/routes/auth.ts';
const TENANT_RULE = 'agent-orchestrator/missing-tenant-filter';
const PROPOSED_SCHEME = 'agent-orchestrator-proposed';

function codeOf(diagnostic: vscode.Diagnostic): string {
  const code = diagnostic.code;
  return typeof code === 'object' ? String(code.value) : String(code);
}

function proposedDiffTab(changeId: string): vscode.TabInputTextDiff | undefined {
  for (const tab of vscode.window.tabGroups.all.flatMap((group) => group.tabs)) {
    if (tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.scheme === PROPOSED_SCHEME && new URLSearchParams(tab.input.modified.query).get('change') === changeId) return tab.input;
  }
  return undefined;
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers.flatMap((hover) => hover.contents).map((content) => (typeof content === 'string' ? content : content.value)).join('\n');
}

describe('Problems, hovers and quick fixes through the findings language server', function () {
  this.timeout(180_000);
  let api: AgentOrchestratorApi;
  let run: RunResult;
  let original: string;
  const authUri = (): vscode.Uri => vscode.Uri.joinPath(workspaceFolder().uri, AUTH);
  const authPath = (): string => path.join(workspaceFolder().uri.fsPath, AUTH);
  const tenantDiagnostic = (): vscode.Diagnostic | undefined =>
    vscode.languages.getDiagnostics(authUri()).find((diagnostic) => diagnostic.source === 'Agent Orchestrator' && codeOf(diagnostic) === TENANT_RULE);

  before(async () => {
    api = await extensionApi();
    await vscode.workspace.getConfiguration('agentOrchestrator').update('provider', 'offline', vscode.ConfigurationTarget.Global);
    original = readFileSync(authPath(), 'utf8');
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
    writeFileSync(authPath(), original);
  });

  it("puts the run's findings in Problems through the language client, with what to do", async () => {
    await eventually('the findings language server to run', () => (api.problems.serverState === 'running' ? true : undefined), 30_000);
    const diagnostic = await eventually('the tenant finding in Problems', tenantDiagnostic);
    const finding = api.sessionModel.state!.findings.find((candidate) => candidate.ruleId === TENANT_RULE && candidate.file === AUTH);
    assert.ok(finding?.recommendation, 'the tenant finding says what to do');
    // The message, what to do, then (where they apply) why no mechanical fix is offered and that it is in a test.
    assert.equal(diagnostic.message, diagnosticMessageOf(finding));
    assert.ok(diagnostic.message.startsWith(`${finding.message}\nFix: ${finding.recommendation}\n`) || diagnostic.message === `${finding.message}\nFix: ${finding.recommendation}`);
    assert.deepEqual([diagnostic.range.start.line, diagnostic.range.start.character], [finding.line - 1, finding.column - 1]);
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Error);
    // One source of these diagnostics: each finding of the session is in Problems once.
    const ours = (): number => vscode.languages.getDiagnostics().flatMap(([, list]) => list).filter((d) => d.source === 'Agent Orchestrator').length;
    await eventually('one diagnostic per finding', () => (ours() === api.sessionModel.state!.findings.length ? true : undefined));
  });

  it('explains a finding on hover: the finding, what to do, and the agent that found it', async () => {
    const diagnostic = tenantDiagnostic()!;
    const text = await eventually('a hover on the finding', async () => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', authUri(), diagnostic.range.start);
      const found = hoverText(hovers);
      return found.includes('found by') ? found : undefined;
    });
    assert.match(text, /found by \*\*security-auditor\*\*/);
    assert.match(text, /organizationId/);
    assert.match(text, /\*What to do:\*/);
    assert.ok(text.replace(/\\/g, '').includes(run.sessionId), text);
  });

  /**
   * The quick fixes offered at `range`, as the light bulb asks for them. VS Code cancels a code-action request when the
   * document's diagnostics change while it runs (they are republished as the run's events arrive): ask again then.
   */
  async function quickFixesAt(range: vscode.Range): Promise<(vscode.CodeAction | vscode.Command)[]> {
    return eventually('the quick fixes of the document', async () => {
      try {
        return await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', authUri(), range, vscode.CodeActionKind.QuickFix.value);
      } catch (error) {
        if ((error as Error).message === 'Canceled' || (error as Error).name === 'Canceled') return undefined;
        throw error;
      }
    }, 30_000);
  }

  it('asks for consent before a quick fix writes: it opens the change for review, and only Apply writes it', async () => {
    const diagnostic = tenantDiagnostic()!;
    // Quick fixes are asked for an open document, as when the user clicks the light bulb.
    await vscode.window.showTextDocument(authUri());
    const actions = await quickFixesAt(diagnostic.range);
    const fix = actions.find((action): action is vscode.CodeAction => 'kind' in action && action.command?.command === 'agentOrchestrator.openChangeDiff');
    assert.ok(fix?.command, `quick fixes: ${actions.map((action) => action.title).join('; ')}`);
    assert.equal(fix.edit, undefined, 'the quick fix edits nothing itself');
    const [target] = fix.command.arguments as [{ sessionId: string; changeId: string }];
    assert.equal(target.sessionId, run.sessionId);

    assert.equal(await vscode.commands.executeCommand(fix.command.command, ...(fix.command.arguments ?? [])), true);
    const diff = await eventually('the review diff editor of the change', () => proposedDiffTab(target.changeId));
    assert.equal(readFileSync(authPath(), 'utf8'), original, 'the quick fix wrote before the user applied');

    const proposed = (await vscode.workspace.openTextDocument(diff.modified)).getText();
    const results = await vscode.commands.executeCommand<{ outcome: string }[] | undefined>('agentOrchestrator.applyProposedChange', diff.modified);
    assert.deepEqual(results?.map((result) => result.outcome), ['applied']);
    assert.equal(readFileSync(authPath(), 'utf8'), proposed);
    // Applied: the server reads the review from the store and offers the change no more.
    await eventually('the quick fix to be withdrawn', async () => {
      const after = await quickFixesAt(diagnostic.range);
      return after.some((action) => 'kind' in action && action.command?.command === 'agentOrchestrator.openChangeDiff') ? undefined : true;
    }, 60_000);
  });
});
