// Turns whatever the AI SDK, fetch or the socket threw into the port's typed ModelError, so the tool loop can
// retry (rate-limit, honouring retry-after), shrink the conversation (context-length) or stop with a clear message.
// Provider replies are untrusted text: messages are bounded, stripped of control characters and of the API key.
import { APICallError } from 'ai';
import { ModelError, type ModelErrorKind } from '../core/ports';

/** Messages providers (OpenAI, Anthropic, vLLM, llama.cpp, LM Studio, Ollama, OpenRouter) use for an over-long prompt. */
const CONTEXT_LENGTH =
  /context[_ ]length|context window|maximum context|prompt is too long|exceeds? (the )?(available )?context|context size|context limit|too many tokens|input is too long/i;

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

const MAX_DETAIL = 400;

export interface ErrorContext {
  provider: string;
  signal?: AbortSignal;
  /** Strings that must never appear in a message (the API key). */
  secrets: readonly string[];
}

export function toModelError(error: unknown, context: ErrorContext): ModelError {
  if (error instanceof ModelError) return error;
  const { provider } = context;
  const make = (kind: ModelErrorKind, message: string, options: { status?: number; retryAfterMs?: number; cause?: unknown } = {}): ModelError =>
    new ModelError(kind, provider, clean(message, context.secrets), options);

  if (context.signal?.aborted || isAbort(error)) return make('aborted', `${provider}: the model call was cancelled`);

  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    const detail = providerDetail(error);
    // The cause is left off: an APICallError carries the whole request body, which the journal already holds.
    if (status === undefined) return make('network', `${provider}: cannot reach ${hostOf(error.url)}: ${networkDetail(error.cause) ?? detail}`);
    // A 200 whose body broke off: the SDK reports it as a failed call with the socket error as its cause.
    const cutOff = status < 300 ? networkDetail(error.cause) : undefined;
    if (cutOff !== undefined) return make('network', `${provider}: the reply from ${hostOf(error.url)} was cut off: ${cutOff}`);
    if (status === 429) {
      const retryAfterMs = retryAfterFrom(error.responseHeaders);
      const wait = retryAfterMs === undefined ? '' : ` (retry after ${Math.ceil(retryAfterMs / 1000)} s)`;
      return make('rate-limit', `${provider}: rate limited (HTTP 429)${wait}: ${detail}`, { status, retryAfterMs });
    }
    if (status === 401 || status === 403) {
      return make('auth', `${provider}: the API key was refused (HTTP ${status}): ${detail}. Check the key in the environment variable you set.`, { status });
    }
    if ((status === 400 || status === 413 || status === 422) && CONTEXT_LENGTH.test(`${error.message} ${error.responseBody ?? ''}`)) {
      return make('context-length', `${provider}: the conversation is longer than the model's context (HTTP ${status}): ${detail}`, { status });
    }
    if (status === 413) return make('context-length', `${provider}: the request is too large (HTTP 413): ${detail}`, { status });
    return make('provider', `${provider}: HTTP ${status}: ${detail}`, { status });
  }

  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'AI_JSONParseError' || name === 'AI_TypeValidationError' || name === 'AI_InvalidResponseDataError' || name === 'AI_EmptyResponseBodyError') {
    return make('bad-reply', `${provider}: the reply could not be read (${String(name).replace(/^AI_/, '')}): ${messageOf(error)}`);
  }
  const network = networkDetail(error);
  if (network !== undefined) return make('network', `${provider}: the connection failed: ${network}`);
  return make('provider', `${provider}: ${messageOf(error)}`);
}

/** Milliseconds from `retry-after-ms` (OpenAI) or `retry-after` (seconds or an HTTP date). */
export function retryAfterFrom(headers: Record<string, string> | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const lower = Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value]));
  const ms = Number.parseFloat(lower['retry-after-ms'] ?? '');
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const raw = lower['retry-after']?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.round(Number(raw) * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function isAbort(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'ResponseAborted';
}

/** The provider's own explanation: `error.message` of its JSON body when there is one, else the SDK's message. */
function providerDetail(error: APICallError): string {
  const body = error.responseBody;
  if (body) {
    try {
      const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
      const inner = typeof parsed.error === 'object' ? parsed.error?.message : parsed.error ?? parsed.message;
      if (typeof inner === 'string' && inner) return inner;
    } catch {
      // Not JSON (a proxy's HTML page): the SDK's message below says enough.
    }
  }
  return error.message;
}

/** A socket-level failure anywhere in the cause chain (fetch wraps them: TypeError "fetch failed" / "terminated"). */
function networkDetail(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current; depth++) {
    const { code, message, name } = current as { code?: unknown; message?: unknown; name?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || code.startsWith('UND_ERR'))) return `${code}${typeof message === 'string' && message ? ` (${message})` : ''}`;
    if (name === 'TypeError' && (message === 'terminated' || message === 'fetch failed')) {
      const below = networkDetail((current as { cause?: unknown }).cause);
      return below ?? (message === 'terminated' ? 'the reply stream was cut off' : 'fetch failed');
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the endpoint';
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function clean(message: string, secrets: readonly string[]): string {
  let text = message;
  for (const secret of secrets) if (secret.length >= 4) text = text.split(secret).join('[redacted]');
  // eslint-disable-next-line no-control-regex
  text = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}…` : text;
}
