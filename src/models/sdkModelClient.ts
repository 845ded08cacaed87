// The HTTP providers (OpenAI-compatible Chat Completions, Anthropic Messages) through the Vercel AI SDK. One
// `stream` call is one model turn: tools are offered without `execute`, so the SDK never runs a tool and never
// loops; the agent loop in src/agents does both, as events.
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { jsonSchema, streamText, type LanguageModel, type ModelMessage as SdkMessage, type Tool } from 'ai';
import {
  ModelError,
  type ModelClient,
  type ModelFinishReason,
  type ModelMessage,
  type ModelRequest,
  type ModelStreamPart,
  type ModelToolCall,
  type ModelToolSpec,
} from '../core/ports';
import { toModelError } from './modelErrors';

export type HttpProvider = 'openai-compatible' | 'anthropic';

export interface HttpModelOptions {
  provider: HttpProvider;
  modelId: string;
  /** Defaults: Anthropic's API; none for OpenAI-compatible (there is no one default endpoint). */
  baseUrl?: string;
  apiKey?: string;
  contextWindow?: number;
}

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com/v1';

export function createHttpModelClient(options: HttpModelOptions): ModelClient {
  let model: LanguageModel;
  if (options.provider === 'anthropic') {
    model = createAnthropic({ apiKey: options.apiKey ?? '', baseURL: options.baseUrl ?? ANTHROPIC_DEFAULT_BASE_URL })(options.modelId);
  } else {
    if (!options.baseUrl) throw new Error('An OpenAI-compatible model needs a base URL (e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1)');
    // includeUsage asks for the final usage chunk (stream_options.include_usage); without it a stream reports no tokens.
    model = createOpenAICompatible({ name: 'openai-compatible', baseURL: options.baseUrl, apiKey: options.apiKey, includeUsage: true })(options.modelId);
  }
  return new SdkModelClient(options.provider, options.modelId, model, options.apiKey, options.contextWindow);
}

class SdkModelClient implements ModelClient {
  constructor(
    readonly provider: string,
    readonly modelId: string,
    private readonly model: LanguageModel,
    private readonly apiKey: string | undefined,
    readonly contextWindow: number | undefined,
  ) {}

  async *stream(request: ModelRequest): AsyncIterable<ModelStreamPart> {
    const errorContext = { provider: this.provider, signal: request.signal, secrets: this.apiKey ? [this.apiKey] : [] };
    let failure: unknown;
    const result = streamText({
      model: this.model,
      messages: toSdkMessages(request.messages),
      // The agent loop keeps its system prompt as the first message; the SDK otherwise wants it apart.
      allowSystemInMessages: true,
      tools: request.tools && request.tools.length > 0 ? toSdkTools(request.tools) : undefined,
      maxOutputTokens: request.maxOutputTokens,
      temperature: request.temperature,
      abortSignal: request.signal,
      // The loop decides on retries (it honours retry-after and records each attempt).
      maxRetries: 0,
      // The SDK would print the error (with the request) to the console; it is thrown to the loop instead.
      onError: ({ error }) => {
        failure ??= error;
      },
    });

    /** Raw argument text per tool call, so a call whose JSON does not parse still reaches the loop as sent. */
    const argumentText = new Map<string, string>();
    let finished = false;
    try {
      for await (const part of result.fullStream) {
        switch (part.type) {
          case 'text-delta':
            if (part.text) yield { type: 'text', text: part.text };
            break;
          case 'tool-input-start':
            argumentText.set(part.id, '');
            break;
          case 'tool-input-delta':
            argumentText.set(part.id, (argumentText.get(part.id) ?? '') + part.delta);
            break;
          case 'tool-call':
            yield { type: 'tool-call', call: toToolCall(part, argumentText.get(part.toolCallId)) };
            break;
          case 'error':
            throw part.error;
          case 'abort':
            throw new ModelError('aborted', this.provider, `${this.provider}: the model call was cancelled`);
          case 'finish':
            if (finished) break;
            finished = true;
            yield {
              type: 'finish',
              reason: toFinishReason(part.finishReason),
              usage: {
                inputTokens: part.totalUsage.inputTokens ?? 0,
                outputTokens: part.totalUsage.outputTokens ?? 0,
                cachedInputTokens: part.totalUsage.inputTokenDetails?.cacheReadTokens ?? 0,
              },
            };
            break;
          default:
            break;
        }
      }
    } catch (error) {
      throw toModelError(error, errorContext);
    }
    if (failure !== undefined && !finished) throw toModelError(failure, errorContext);
    if (!finished) throw new ModelError('bad-reply', this.provider, `${this.provider}: the reply ended without finishing the turn`);
  }
}

function toToolCall(part: { toolCallId: string; toolName: string; input: unknown; invalid?: boolean }, streamedText: string | undefined): ModelToolCall {
  // An invalid call (bad JSON, unknown tool) carries the raw text as its input; a valid one carries the parsed object.
  const raw = streamedText || (part.invalid && typeof part.input === 'string' ? part.input : undefined);
  if (raw !== undefined) return { id: part.toolCallId, name: part.toolName, input: parseJson(raw), inputText: raw };
  return { id: part.toolCallId, name: part.toolName, input: part.input, inputText: JSON.stringify(part.input ?? {}) };
}

function parseJson(text: string): unknown {
  // A tool without arguments streams nothing (Anthropic) or "" (some local servers): that is an empty object.
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function toFinishReason(reason: string): ModelFinishReason {
  return reason === 'stop' || reason === 'tool-calls' || reason === 'length' || reason === 'content-filter' ? reason : 'other';
}

function toSdkTools(tools: readonly ModelToolSpec[]): Record<string, Tool> {
  // No `execute` and no validation: the loop validates arguments with zod and answers bad calls as tool errors.
  return Object.fromEntries(tools.map((spec) => [spec.name, { description: spec.description, inputSchema: jsonSchema(spec.inputSchema as Parameters<typeof jsonSchema>[0]) } as Tool]));
}

export function toSdkMessages(messages: readonly ModelMessage[]): SdkMessage[] {
  return messages.map((message): SdkMessage => {
    switch (message.role) {
      case 'system':
      case 'user':
        return { role: message.role, content: message.content };
      case 'assistant': {
        const calls = message.toolCalls ?? [];
        if (calls.length === 0) return { role: 'assistant', content: message.content };
        return {
          role: 'assistant',
          content: [
            ...(message.content ? [{ type: 'text' as const, text: message.content }] : []),
            // A call whose arguments did not parse is sent back as an empty object; its tool result says what was wrong.
            ...calls.map((call) => ({ type: 'tool-call' as const, toolCallId: call.id, toolName: call.name, input: call.input ?? {} })),
          ],
        };
      }
      case 'tool':
        return {
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: message.toolCallId,
              toolName: message.toolName,
              output: message.isError ? { type: 'error-text', value: message.content } : { type: 'text', value: message.content },
            },
          ],
        };
    }
  });
}
