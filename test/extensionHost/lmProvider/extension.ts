// Test only: a language model whose replies are scripted from the request, registered with
// vscode.lm.registerLanguageModelChatProvider (VS Code 1.104+), so the extension-host tier drives the product's
// vscode.lm path through the real API with no Copilot and no network. Its own manifest (package.json here) asks for
// 1.104; the extension under test keeps its lower engines.vscode. Bundled with the suites by scripts/e2e/buildTests.mjs.
//
// Script, by the last message of the request:
// - Edit is offered and the conversation asks to 'edit <file> replacing "<old>" with "<new>"': Read the file first,
//   then (after the Read's result) Edit it, then (after the Edit's result) answer "Edit said: <the result's text>";
// - tools named vscode__aotest_* are offered and the conversation says "use the ticket tools for <id>": call
//   vscode__aotest_lookupTicket for the id, then (after its result) vscode__aotest_fileTicket, then (after that)
//   answer "Tickets said: <lookup result> | <file result>";
// - it holds a tool result: answer "Read returned: <the result's text>";
// - its text contains "fail with blocked": throw LanguageModelError.Blocked;
// - its text contains "never finish": stream one text part, then wait for cancellation;
// - its first message holds a session digest (a "Timeline:" line, the chat participant's questions about a run):
//   answer "From the session:" and the four digest lines that share the most words of five letters or more with
//   the question (the last message), in digest order among equals;
// - tools are offered and one is named Read: stream "Reading it first." and a Read call for the path after "read ";
// - otherwise: answer that no tool was offered.
import * as vscode from 'vscode';

export const TEST_VENDOR = 'agent-orchestrator-test';
export const TEST_MODEL_ID = 'scripted-tool-model';

// @types/vscode 1.95 (the extension's floor) predates the provider API: its shape, as far as this script uses it.
interface ChatInformation {
  id: string;
  name: string;
  family: string;
  version: string;
  maxInputTokens: number;
  maxOutputTokens: number;
  capabilities: { toolCalling: boolean; imageInput: boolean };
}
type ResponsePart = vscode.LanguageModelTextPart | vscode.LanguageModelToolCallPart;
interface ChatProvider {
  provideLanguageModelChatInformation(options: { silent: boolean }, token: vscode.CancellationToken): ChatInformation[];
  provideLanguageModelChatResponse(
    model: ChatInformation,
    messages: readonly vscode.LanguageModelChatMessage[],
    options: { tools?: readonly vscode.LanguageModelChatTool[] },
    progress: vscode.Progress<ResponsePart>,
    token: vscode.CancellationToken,
  ): Promise<void>;
  provideTokenCount(model: ChatInformation, text: string | vscode.LanguageModelChatMessage, token: vscode.CancellationToken): Promise<number>;
}
type LanguageModelsWithProviders = typeof vscode.lm & {
  registerLanguageModelChatProvider(vendor: string, provider: ChatProvider): vscode.Disposable;
};

const EDIT_REQUEST = /\bedit (\S+) replacing "([^"]+)" with "([^"]*)"/;
const TICKET_REQUEST = /\buse the ticket tools for (\S+)/;

/** What the test tools were called with, in order: the extension-host suites read it through the exports. */
export interface TestToolsApi {
  toolCalls: { tool: string; input: unknown }[];
}

const MODEL: ChatInformation = {
  id: TEST_MODEL_ID,
  name: 'Scripted Test Model',
  family: 'scripted',
  version: '1.0.0',
  maxInputTokens: 100_000,
  maxOutputTokens: 4_096,
  capabilities: { toolCalling: true, imageInput: false },
};

export function activate(context: vscode.ExtensionContext): TestToolsApi {
  const lm = vscode.lm as LanguageModelsWithProviders;
  const api: TestToolsApi = { toolCalls: [] };
  const testTool = (name: string, answer: (input: Record<string, unknown>) => string): vscode.Disposable =>
    vscode.lm.registerTool<Record<string, unknown>>(name, {
      invoke: (options) => {
        api.toolCalls.push({ tool: name, input: options.input });
        return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(answer(options.input))]);
      },
    });
  context.subscriptions.push(
    lm.registerLanguageModelChatProvider(TEST_VENDOR, {
      provideLanguageModelChatInformation: () => [MODEL],
      provideLanguageModelChatResponse: respond,
      provideTokenCount: async (_model, text) => Math.max(1, Math.ceil(textOf(text).length / 4)),
    }),
    testTool('aotest_lookupTicket', (input) => `${String(input.id)} is open: login accepts any password`),
    testTool('aotest_fileTicket', (input) => `filed "${String(input.title)}" as BUG-100`),
  );
  return api;
}

async function respond(
  _model: ChatInformation,
  messages: readonly vscode.LanguageModelChatMessage[],
  options: { tools?: readonly vscode.LanguageModelChatTool[] },
  progress: vscode.Progress<ResponsePart>,
  token: vscode.CancellationToken,
): Promise<void> {
  const last = messages.at(-1);
  const toolResult = last?.content.find(isToolResult);
  const editing = options.tools?.some((tool) => tool.name === 'Edit') ? EDIT_REQUEST.exec(messages.map(textOf).join('\n')) : null;
  if (editing) {
    const [, file, oldText, newText] = editing;
    if (!toolResult) {
      progress.report(new vscode.LanguageModelToolCallPart('call-edit-read', 'Read', { file_path: file }));
    } else if (toolResult.callId === 'call-edit-read') {
      progress.report(new vscode.LanguageModelToolCallPart('call-edit-1', 'Edit', { file_path: file, old_string: oldText, new_string: newText }));
    } else {
      progress.report(new vscode.LanguageModelTextPart(`Edit said: ${toolResult.content.map(textOf).join('')}`));
    }
    return;
  }
  const ticket = options.tools?.some((tool) => tool.name.startsWith('vscode__aotest_')) ? TICKET_REQUEST.exec(messages.map(textOf).join('\n')) : null;
  if (ticket) {
    if (!toolResult) {
      progress.report(new vscode.LanguageModelToolCallPart('call-lookup', 'vscode__aotest_lookupTicket', { id: ticket[1] }));
    } else if (toolResult.callId === 'call-lookup') {
      progress.report(new vscode.LanguageModelToolCallPart('call-file', 'vscode__aotest_fileTicket', { title: `Fix ${ticket[1]}` }));
    } else {
      const results = messages.flatMap((message) => message.content.filter(isToolResult)).map((part) => part.content.map(textOf).join(''));
      progress.report(new vscode.LanguageModelTextPart(`Tickets said: ${results.join(' | ')}`));
    }
    return;
  }
  if (toolResult) {
    progress.report(new vscode.LanguageModelTextPart(`Read returned: ${toolResult.content.map(textOf).join('')}`));
    return;
  }
  const said = last ? textOf(last) : '';
  if (said.includes('fail with blocked')) throw vscode.LanguageModelError.Blocked('The scripted model is over its quota.');
  if (said.includes('never finish')) {
    progress.report(new vscode.LanguageModelTextPart('Thinking forever...'));
    await new Promise<void>((resolve) => {
      if (token.isCancellationRequested) resolve();
      else token.onCancellationRequested(() => resolve());
    });
    return;
  }
  const digest = messages.length > 1 ? textOf(messages[0]) : '';
  if (/^Timeline:$/m.test(digest)) {
    const words = said.toLowerCase().match(/[a-z][a-z-]{4,}/g) ?? [];
    const scored = digest
      .split('\n')
      .map((line, index) => ({ line, index, score: words.filter((word) => line.toLowerCase().includes(word)).length }))
      .filter((entry) => entry.score > 0)
      .sort((a, b) => b.score - a.score || a.index - b.index);
    progress.report(new vscode.LanguageModelTextPart(`From the session:\n${scored.slice(0, 4).map((entry) => entry.line).join('\n')}`));
    return;
  }
  if (options.tools?.some((tool) => tool.name === 'Read')) {
    const path = /\bread\s+(\S+)/i.exec(said)?.[1] ?? 'README.md';
    progress.report(new vscode.LanguageModelTextPart('Reading it first.'));
    progress.report(new vscode.LanguageModelToolCallPart('call-read-1', 'Read', { path }));
    return;
  }
  progress.report(new vscode.LanguageModelTextPart('No tool was offered, so there is nothing to read.'));
}

function isToolResult(part: unknown): part is vscode.LanguageModelToolResultPart {
  return part instanceof vscode.LanguageModelToolResultPart || (typeof part === 'object' && part !== null && 'callId' in part && 'content' in part);
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof vscode.LanguageModelTextPart) return value.value;
  if (value instanceof vscode.LanguageModelChatMessage) return value.content.map(textOf).join('');
  if (typeof value === 'object' && value !== null) {
    if ('value' in value && typeof value.value === 'string') return value.value;
    if ('content' in value && Array.isArray(value.content)) return value.content.map(textOf).join('');
    if ('input' in value) return JSON.stringify(value.input);
  }
  return '';
}
