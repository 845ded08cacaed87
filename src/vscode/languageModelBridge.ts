// The window's side of the vscode.lm model adapter: serves the engine's model/list and model/stream requests with
// VS Code's Language Model API (any chat model the user has in VS Code, such as Copilot's, with no key here).
// The engine side is src/engineHost/vscodeLmModelClient.ts; the protocol is src/shared/engineProtocol.ts.
import * as vscode from 'vscode';
import { ModelError, type ModelFinishReason, type ModelMessage, type ModelToolCall, type ModelUsage } from '../core/ports';
import type { HostParams, HostResult, LanguageModelInfo, LanguageModelSelector } from '../shared/engineProtocol';
import type { HostHandlers, HostRequestContext } from './engineClient';

const PROVIDER = 'vscode-lm';

/** Shown by VS Code when it asks the user to let this extension use another extension's model. */
export const MODEL_ACCESS_JUSTIFICATION = 'Agent Orchestrator runs the agents of the requests you start on this model.';

type ChatPart = vscode.LanguageModelTextPart | vscode.LanguageModelToolCallPart | vscode.LanguageModelToolResultPart;

export class LanguageModelBridge {
  readonly #log: (line: string) => void;

  constructor(log: (line: string) => void) {
    this.#log = log;
  }

  /** The handlers to pass to EngineProcess (hostHandlers). */
  handlers(): Pick<HostHandlers, 'model/list' | 'model/stream'> {
    return {
      'model/list': (params) => this.listModels(params.selector).then((models) => ({ models })),
      'model/stream': (params, context) => this.stream(params, context),
    };
  }

  async listModels(selector: LanguageModelSelector): Promise<LanguageModelInfo[]> {
    const models = await vscode.lm.selectChatModels(selector);
    return models.map((model) => ({
      id: model.id,
      vendor: model.vendor,
      family: model.family,
      name: model.name,
      version: model.version,
      maxInputTokens: Number.isSafeInteger(model.maxInputTokens) && model.maxInputTokens > 0 ? model.maxInputTokens : 0,
    }));
  }

  /** One model turn: streams text and tool calls through `context.notify`, resolves with the finish. */
  async stream(params: HostParams<'model/stream'>, context: HostRequestContext): Promise<HostResult<'model/stream'>> {
    const [model] = await vscode.lm.selectChatModels(params.selector);
    if (!model) {
      throw new ModelError('provider', PROVIDER, `VS Code no longer offers the language model ${describe(params.selector)} (uninstalled, signed out or disabled).`);
    }
    const cancellation = new vscode.CancellationTokenSource();
    const onAbort = (): void => cancellation.cancel();
    if (context.signal.aborted) cancellation.cancel();
    context.signal.addEventListener('abort', onAbort, { once: true });
    const messages = toChatMessages(params.messages);
    const output: string[] = [];
    let toolCalls = 0;
    try {
      // vscode.lm has no portable output-token limit (modelOptions are model-specific), so maxOutputTokens is not
      // forwarded; the tool loop's own budgets still bound the run.
      const response = await model.sendRequest(
        messages,
        { justification: MODEL_ACCESS_JUSTIFICATION, ...(params.tools?.length ? { tools: params.tools.map(toChatTool) } : {}) },
        cancellation.token,
      );
      for await (const part of response.stream) {
        if (part instanceof vscode.LanguageModelTextPart) {
          if (part.value === '') continue;
          output.push(part.value);
          await context.notify('model/part', { requestId: params.requestId, part: { type: 'text', text: part.value } });
        } else if (part instanceof vscode.LanguageModelToolCallPart) {
          toolCalls += 1;
          const call = toToolCall(part, params.requestId, toolCalls);
          output.push(call.inputText, call.name);
          await context.notify('model/part', { requestId: params.requestId, part: { type: 'tool-call', call } });
        }
        // Other parts (images, thinking, future kinds) have no place in the port yet: skipped, not failed.
      }
      if (cancellation.token.isCancellationRequested) throw new vscode.CancellationError();
      const reason: ModelFinishReason = toolCalls > 0 ? 'tool-calls' : 'stop';
      return { modelId: model.id, reason, usage: await this.#usage(model, messages, output.join(''), cancellation.token) };
    } catch (error) {
      throw toModelError(error, cancellation.token.isCancellationRequested);
    } finally {
      context.signal.removeEventListener('abort', onAbort);
      cancellation.dispose();
    }
  }

  /**
   * vscode.lm reports no usage, so both sides are counted with the model's own tokenizer (model.countTokens): the
   * input message by message, the output as the text and tool calls it streamed. Prompt caching is not visible here.
   */
  async #usage(model: vscode.LanguageModelChat, messages: vscode.LanguageModelChatMessage[], output: string, token: vscode.CancellationToken): Promise<ModelUsage> {
    const count = async (what: string | vscode.LanguageModelChatMessage): Promise<number> => {
      try {
        const counted = await model.countTokens(what, token);
        return Number.isSafeInteger(counted) && counted >= 0 ? counted : estimate(what);
      } catch (error) {
        // A provider whose tokenizer fails must not fail a turn that succeeded: estimate instead, and say so.
        this.#log(`The model ${model.id} could not count tokens (${error instanceof Error ? error.message : String(error)}); estimating.`);
        return estimate(what);
      }
    };
    const inputs = await Promise.all(messages.map((message) => count(message)));
    return { inputTokens: inputs.reduce((sum, tokens) => sum + tokens, 0), outputTokens: output ? await count(output) : 0, cachedInputTokens: 0 };
  }
}

/**
 * Our conversation as vscode.lm messages. vscode.lm (1.95) has only User and Assistant roles: the system prompt goes
 * first as a User message; tool results go in a User message after the Assistant message that called the tools
 * (consecutive results share one message, as the API expects).
 */
export function toChatMessages(messages: readonly ModelMessage[]): vscode.LanguageModelChatMessage[] {
  const chat: vscode.LanguageModelChatMessage[] = [];
  let toolResults: vscode.LanguageModelToolResultPart[] | null = null;
  const flushToolResults = (): void => {
    if (toolResults) chat.push(vscode.LanguageModelChatMessage.User(toolResults));
    toolResults = null;
  };
  for (const message of messages) {
    if (message.role === 'tool') {
      const text = message.isError ? `Error: ${message.content}` : message.content;
      (toolResults ??= []).push(new vscode.LanguageModelToolResultPart(message.toolCallId, [new vscode.LanguageModelTextPart(text)]));
      continue;
    }
    flushToolResults();
    switch (message.role) {
      case 'system':
      case 'user':
        chat.push(vscode.LanguageModelChatMessage.User(message.content));
        break;
      case 'assistant': {
        const parts: (vscode.LanguageModelTextPart | vscode.LanguageModelToolCallPart)[] = [];
        if (message.content) parts.push(new vscode.LanguageModelTextPart(message.content));
        for (const call of message.toolCalls ?? []) parts.push(new vscode.LanguageModelToolCallPart(call.id, call.name, toolInput(call)));
        chat.push(vscode.LanguageModelChatMessage.Assistant(parts.length > 0 ? parts : ''));
        break;
      }
    }
  }
  flushToolResults();
  return chat;
}

function toChatTool(tool: { name: string; description: string; inputSchema: Record<string, unknown> }): vscode.LanguageModelChatTool {
  return { name: tool.name, description: tool.description, inputSchema: tool.inputSchema };
}

/** vscode.lm wants an object; a call another provider recorded with unparsable arguments is replayed as its text. */
function toolInput(call: ModelToolCall): object {
  if (call.input !== null && typeof call.input === 'object') return call.input;
  try {
    const parsed: unknown = JSON.parse(call.inputText);
    if (parsed !== null && typeof parsed === 'object') return parsed;
  } catch {
    // fall through
  }
  return { arguments: call.inputText };
}

function toToolCall(part: vscode.LanguageModelToolCallPart, requestId: string, ordinal: number): ModelToolCall {
  return {
    // The port needs an id to pair the result with; a provider that sends none still gets a unique one.
    id: part.callId || `${requestId}-call-${ordinal}`,
    name: part.name,
    input: part.input,
    inputText: JSON.stringify(part.input ?? {}),
  };
}

function toModelError(error: unknown, cancelled: boolean): ModelError {
  if (error instanceof ModelError) return error;
  if (cancelled || error instanceof vscode.CancellationError) return new ModelError('aborted', PROVIDER, 'The model call was cancelled.', { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof vscode.LanguageModelError) {
    switch (error.code) {
      case vscode.LanguageModelError.NoPermissions.name:
        return new ModelError('auth', PROVIDER, `VS Code did not let Agent Orchestrator use this language model (${message}). Allow it when VS Code asks, or choose another model with "Select Model Provider".`, { cause: error });
      case vscode.LanguageModelError.Blocked.name:
        return new ModelError('rate-limit', PROVIDER, `The language model refused the request: quota or rate limit reached (${message}).`, { cause: error });
      case vscode.LanguageModelError.NotFound.name:
        return new ModelError('provider', PROVIDER, `The language model no longer exists in VS Code (${message}).`, { cause: error });
    }
  }
  return new ModelError('provider', PROVIDER, `The VS Code language model failed: ${message}`, { cause: error });
}

function estimate(what: string | vscode.LanguageModelChatMessage): number {
  const text = typeof what === 'string' ? what : what.content.map((part: ChatPart) => ('value' in part ? part.value : JSON.stringify(part))).join('');
  return Math.ceil(text.length / 4);
}

function describe(selector: LanguageModelSelector): string {
  return [selector.vendor, selector.family, selector.id].filter(Boolean).join('/') || '(any)';
}
