// The user's model settings (config file + flags) and the environment's keys, turned into one ModelClient per
// agent. Everything is checked when the resolver is built, so a bad provider, a missing model or a missing key is
// reported before a run starts, naming what to set.
import { ConfigError } from '../core/config/loadConfig';
import type { ModelClient, ModelLimits, ModelResolver, ModelUsage } from '../core/ports';
import type { ModelSettings } from '../core/protocol/config';
import { MODEL_PROVIDERS, type ModelProviderName } from '../core/protocol/config';
import { estimateCostUsd, isLoopbackUrl } from './pricing';
import { createHttpModelClient } from './sdkModelClient';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** What an agent file's `model: sonnet|opus|haiku` means on Anthropic when the config names no alias. */
const ANTHROPIC_ALIASES: Readonly<Record<string, string>> = {
  sonnet: 'claude-sonnet-4-5',
  opus: 'claude-opus-4-1',
  haiku: 'claude-haiku-4-5',
};

interface Endpoint {
  provider: Exclude<ModelProviderName, 'offline'>;
  model: string;
  baseUrl: string | undefined;
  apiKey: string | undefined;
}

type EndpointSetting = { provider?: string; model?: string; baseUrl?: string };

export function createModelResolver(settings: ModelSettings, env: NodeJS.ProcessEnv = process.env): ModelResolver {
  const defaultSetting = settings.default;
  const defaultEndpoint = toEndpoint(defaultSetting, 'models.default', env);
  const agentEndpoints = new Map<string, Endpoint | null>();
  for (const [agent, override] of Object.entries(settings.agents)) {
    // Another provider than the default: the default's model and endpoint do not carry over.
    const merged: EndpointSetting =
      override.provider !== undefined && override.provider !== defaultSetting.provider
        ? { provider: override.provider, model: override.model, baseUrl: override.baseUrl }
        : { provider: defaultSetting.provider, model: override.model ?? defaultSetting.model, baseUrl: override.baseUrl ?? defaultSetting.baseUrl };
    agentEndpoints.set(agent, toEndpoint(merged, `models.agents.${agent}`, env));
  }

  const clients = new Map<string, ModelClient>();
  const baseUrls = new Map<string, string | undefined>();
  const clientFor = (endpoint: Endpoint): ModelClient => {
    const key = `${endpoint.provider}\u0000${endpoint.model}\u0000${endpoint.baseUrl ?? ''}`;
    let client = clients.get(key);
    if (!client) {
      client = createHttpModelClient({ provider: endpoint.provider, modelId: endpoint.model, baseUrl: endpoint.baseUrl, apiKey: endpoint.apiKey });
      clients.set(key, client);
      baseUrls.set(`${endpoint.provider}\u0000${endpoint.model}`, endpoint.baseUrl);
    }
    return client;
  };

  return {
    forAgent(agentName: string, agentModel?: string): ModelClient | null {
      if (agentEndpoints.has(agentName)) {
        const endpoint = agentEndpoints.get(agentName) ?? null;
        return endpoint ? clientFor(endpoint) : null;
      }
      if (!defaultEndpoint) return null;
      return clientFor({ ...defaultEndpoint, model: modelForAlias(agentModel, defaultEndpoint, settings.aliases) });
    },
    describe(): string {
      if (!defaultEndpoint && agentEndpoints.size === 0) return 'offline (no model configured)';
      const main = defaultEndpoint ? describeEndpoint(defaultEndpoint) : 'offline';
      const perAgent = [...agentEndpoints].map(([agent, endpoint]) => `${agent}: ${endpoint ? describeEndpoint(endpoint) : 'offline'}`);
      return perAgent.length > 0 ? `${main} (${perAgent.join('; ')})` : main;
    },
    estimateCostUsd(provider: string, modelId: string, usage: ModelUsage): number | null {
      return estimateCostUsd(provider, modelId, usage, { prices: settings.prices, baseUrl: baseUrls.get(`${provider}\u0000${modelId}`) });
    },
    runLimits: { ...settings.limits.run },
    limitsFor(agentName: string): ModelLimits {
      return { ...settings.limits.agent, ...(settings.agents[agentName]?.limits ?? {}) };
    },
  };
}

function modelForAlias(agentModel: string | undefined, endpoint: Endpoint, aliases: Readonly<Record<string, string>>): string {
  const wanted = agentModel?.trim().toLowerCase();
  if (!wanted || wanted === 'inherit') return endpoint.model;
  if (Object.hasOwn(aliases, wanted)) return aliases[wanted]!;
  if (endpoint.provider === 'anthropic' && Object.hasOwn(ANTHROPIC_ALIASES, wanted)) return ANTHROPIC_ALIASES[wanted]!;
  // An agent file (workspace content) only picks among configured models; anything else runs on the default.
  return endpoint.model;
}

function toEndpoint(setting: EndpointSetting, where: string, env: NodeJS.ProcessEnv): Endpoint | null {
  const provider = setting.provider ?? 'offline';
  if (!(MODEL_PROVIDERS as readonly string[]).includes(provider)) {
    throw new ConfigError(`${where}.provider: unknown provider "${provider}"; expected one of ${MODEL_PROVIDERS.join(', ')}`);
  }
  if (provider === 'offline') {
    if (setting.model !== undefined || setting.baseUrl !== undefined) {
      throw new ConfigError(`${where}: a model is chosen but the provider is offline; pass --provider openai-compatible|anthropic or set ${where}.provider`);
    }
    return null;
  }
  const httpProvider = provider as Endpoint['provider'];
  if (!setting.model) {
    const example = httpProvider === 'anthropic' ? 'claude-sonnet-4-5' : 'gpt-4.1 or llama3.1';
    throw new ConfigError(`${where}.model: the ${httpProvider} provider needs a model; set it in the config or pass --model (e.g. ${example})`);
  }
  const baseUrl = setting.baseUrl ?? (httpProvider === 'openai-compatible' ? OPENAI_DEFAULT_BASE_URL : undefined);
  const variable = httpProvider === 'anthropic' ? 'ANTHROPIC_API_KEY' : 'OPENAI_API_KEY';
  const apiKey = nonEmpty(env.AGENT_ORCHESTRATOR_API_KEY) ?? nonEmpty(env[variable]);
  // A server on this machine (Ollama, LM Studio, llama.cpp) usually needs no key; anything else does.
  if (!apiKey && !(baseUrl !== undefined && isLoopbackUrl(baseUrl))) {
    throw new ConfigError(`${where}: no API key for ${httpProvider}${baseUrl ? ` at ${new URL(baseUrl).host}` : ''}; set ${variable} (or AGENT_ORCHESTRATOR_API_KEY) in the environment`);
  }
  return { provider: httpProvider, model: setting.model, baseUrl, apiKey };
}

function describeEndpoint(endpoint: Endpoint): string {
  return `${endpoint.provider} ${endpoint.model}${endpoint.baseUrl ? ` at ${new URL(endpoint.baseUrl).host}` : ''}`;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
