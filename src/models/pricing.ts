// What a model turn costs, in USD, from a small built-in price table the user can override in the config
// (`models.prices`). Prices change: the table is a default, not a promise, and an unknown model costs null
// (unknown), never a guess.
import type { ModelUsage } from '../core/ports';

/** USD per million tokens. `cachedInput` defaults to `input` (a provider without a prompt cache). */
export interface ModelPrice {
  input: number;
  cachedInput?: number;
  output: number;
}

export type PriceTable = Readonly<Record<string, ModelPrice>>;

export interface PricingOverrides {
  /** The user's prices by model id (or id prefix); consulted before the built-in table. */
  prices?: PriceTable;
  /** The endpoint the model was called at: a loopback address (Ollama, LM Studio, llama.cpp) costs nothing. */
  baseUrl?: string;
}

/** Public list prices (USD / 1M tokens) of common models, matched by the longest id prefix. */
export const BUILTIN_PRICES: PriceTable = {
  // OpenAI
  'gpt-5': { input: 1.25, cachedInput: 0.125, output: 10 },
  'gpt-5-mini': { input: 0.25, cachedInput: 0.025, output: 2 },
  'gpt-5-nano': { input: 0.05, cachedInput: 0.005, output: 0.4 },
  'gpt-4.1': { input: 2, cachedInput: 0.5, output: 8 },
  'gpt-4.1-mini': { input: 0.4, cachedInput: 0.1, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, cachedInput: 0.025, output: 0.4 },
  'gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10 },
  'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 },
  o3: { input: 2, cachedInput: 0.5, output: 8 },
  'o3-mini': { input: 1.1, cachedInput: 0.55, output: 4.4 },
  'o4-mini': { input: 1.1, cachedInput: 0.275, output: 4.4 },
  // Anthropic (cachedInput: cache reads)
  'claude-opus-4-5': { input: 5, cachedInput: 0.5, output: 25 },
  'claude-opus-4': { input: 15, cachedInput: 1.5, output: 75 },
  'claude-sonnet-4': { input: 3, cachedInput: 0.3, output: 15 },
  'claude-3-7-sonnet': { input: 3, cachedInput: 0.3, output: 15 },
  'claude-3-5-sonnet': { input: 3, cachedInput: 0.3, output: 15 },
  'claude-haiku-4-5': { input: 1, cachedInput: 0.1, output: 5 },
  'claude-3-5-haiku': { input: 0.8, cachedInput: 0.08, output: 4 },
};

/**
 * Cost of one model call in USD, or null when the model's price is unknown. Cached input tokens are a subset of the
 * input tokens and are charged at the cached price.
 */
export function estimateCostUsd(provider: string, modelId: string, usage: ModelUsage, overrides?: PricingOverrides): number | null {
  if (overrides?.baseUrl !== undefined && isLoopbackUrl(overrides.baseUrl)) return 0;
  const price = findPrice(modelId, overrides?.prices) ?? (provider === 'openai-compatible' || provider === 'anthropic' ? findPrice(modelId, BUILTIN_PRICES) : undefined);
  if (!price) return null;
  const cached = Math.min(usage.cachedInputTokens, usage.inputTokens);
  const cost = (usage.inputTokens - cached) * price.input + cached * (price.cachedInput ?? price.input) + usage.outputTokens * price.output;
  return cost / 1_000_000;
}

/** Exact id first, then the longest prefix; OpenRouter-style ids ("anthropic/claude-sonnet-4.5") match too. */
function findPrice(modelId: string, table: PriceTable | undefined): ModelPrice | undefined {
  if (!table) return undefined;
  const candidates = [modelId, normalize(modelId)];
  for (const id of candidates) if (Object.hasOwn(table, id)) return table[id];
  let best: string | undefined;
  for (const key of Object.keys(table)) {
    const normalizedKey = normalize(key);
    if (candidates.some((id) => normalize(id).startsWith(`${normalizedKey}-`) || normalize(id) === normalizedKey) && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : table[best];
}

function normalize(modelId: string): string {
  const withoutVendor = modelId.includes('/') ? modelId.slice(modelId.lastIndexOf('/') + 1) : modelId;
  // Anthropic writes versions with dashes ("claude-sonnet-4-5"), OpenRouter with dots ("claude-sonnet-4.5").
  return withoutVendor.toLowerCase().replace(/(claude-[a-z0-9-]*?\d)\.(\d)/g, '$1-$2');
}

export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
