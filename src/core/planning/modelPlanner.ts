// Plans made by a language model: the model gets the request, the roster and what past runs say, and answers with
// a `submit_plan` tool call (or the same JSON in its text). The answer is checked against the roster and the plan's
// rules; an invalid plan is sent back once with the errors, and a second failure falls back to the rule planner.
import { z } from 'zod';
import { ModelError, type ModelClient, type ModelMessage, type ModelStreamPart, type ModelToolCall, type ModelUsage } from '../ports';
import type { EventPayloadInput } from '../protocol/events';
import type { RecordedModelExchange } from '../protocol/modelExchange';
import { describeUncovered, type ExecutionPlan, type PlannedAgent } from '../protocol/plan';
import { classifyRequest, coverRequested, criticalPathEstimate, planRequest, type PlanInput, type PlannableAgent } from './planner';

export { PLANNER_AGENT } from '../protocol/plan';
export const SUBMIT_PLAN_TOOL = 'submit_plan';

/** The model the planner may ask, with the price of its turns (the composition root owns the price table). */
export interface PlanModel {
  readonly client: ModelClient;
  estimateCostUsd?(provider: string, modelId: string, usage: ModelUsage): number | null;
}

/** What the model is asked to answer: the parts of a plan only judgement can fill. */
export const ModelPlanSchema = z.object({
  taskType: z.string().min(1).describe('A short kebab-case kind of work, e.g. security-fix, feature-development, review'),
  agents: z.array(z.object({
    name: z.string().min(1).describe('An agent of the roster, spelled exactly'),
    task: z.string().min(1).describe('What this agent should do for the request'),
    dependsOn: z.array(z.string()).describe('Agents of this plan that must finish before this one starts'),
  })).min(1),
  phases: z.array(z.array(z.string()).min(1)).min(1).describe('Agent names by phase, in order; agents of one phase run in parallel'),
});
export type ModelPlan = z.infer<typeof ModelPlanSchema>;

/** Records one planning turn as the run's events (model.called and model.exchange under PLANNER_AGENT). */
export interface PlanTurnRecorder {
  exchange(turn: number, exchange: RecordedModelExchange): void;
  called(call: Omit<EventPayloadInput<'model.called'>, 'agent'>): void;
}

export interface ModelPlanInput extends PlanInput {
  model: PlanModel;
  record?: PlanTurnRecorder;
  signal?: AbortSignal;
  maxOutputTokens?: number;
}

/**
 * Checks a model's plan against the agents that may run; returns the errors, each naming the field, or none.
 * Dependencies must point at earlier phases, so a valid plan can always be scheduled.
 */
export function validateModelPlan(plan: ModelPlan, runnable: readonly PlannableAgent[]): string[] {
  const errors: string[] = [];
  const known = new Set(runnable.map((agent) => agent.name));
  const planned = new Set<string>();
  plan.agents.forEach((agent, index) => {
    if (!known.has(agent.name)) errors.push(`agents[${index}].name: unknown agent "${agent.name}" (agents that can run: ${[...known].join(', ')})`);
    if (planned.has(agent.name)) errors.push(`agents[${index}].name: "${agent.name}" is planned twice`);
    planned.add(agent.name);
  });
  plan.agents.forEach((agent, index) => {
    agent.dependsOn.forEach((dependency, d) => {
      if (dependency === agent.name) errors.push(`agents[${index}].dependsOn[${d}]: "${agent.name}" depends on itself`);
      else if (!planned.has(dependency)) errors.push(`agents[${index}].dependsOn[${d}]: "${dependency}" is not an agent of this plan`);
    });
  });
  const cycle = findCycle(plan.agents);
  if (cycle) errors.push(`agents[].dependsOn: dependency cycle ${cycle.join(' -> ')}`);
  const phaseOf = new Map<string, number>();
  plan.phases.forEach((phase, p) => phase.forEach((name, i) => {
    if (!planned.has(name)) errors.push(`phases[${p}][${i}]: "${name}" is not in agents`);
    else if (phaseOf.has(name)) errors.push(`phases[${p}][${i}]: "${name}" is in more than one phase`);
    else phaseOf.set(name, p);
  }));
  for (const name of planned) if (!phaseOf.has(name)) errors.push(`phases: "${name}" is in agents but in no phase`);
  if (!cycle) {
    plan.agents.forEach((agent, index) => agent.dependsOn.forEach((dependency, d) => {
      const mine = phaseOf.get(agent.name);
      const theirs = phaseOf.get(dependency);
      if (mine !== undefined && theirs !== undefined && theirs >= mine) errors.push(`agents[${index}].dependsOn[${d}]: "${dependency}" (phase ${theirs}) must be in an earlier phase than "${agent.name}" (phase ${mine})`);
    }));
  }
  return errors;
}

function findCycle(agents: ModelPlan['agents']): string[] | null {
  const edges = new Map(agents.map((agent) => [agent.name, agent.dependsOn]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | null => {
    if (state.get(name) === 'done' || !edges.has(name)) return null;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const next of edges.get(name) ?? []) {
      const found = visit(next);
      if (found) return found;
    }
    path.pop();
    state.set(name, 'done');
    return null;
  };
  for (const agent of agents) {
    const found = visit(agent.name);
    if (found) return found;
  }
  return null;
}

/** The plan from a reply: the submit_plan call's arguments, or else a JSON object in the text. */
export function parseModelPlan(text: string, calls: readonly ModelToolCall[]): { plan: ModelPlan } | { error: string } {
  const call = calls.find((c) => c.name === SUBMIT_PLAN_TOOL);
  let raw: unknown;
  if (call) {
    if (call.input === undefined) return { error: `the arguments of ${SUBMIT_PLAN_TOOL} are not valid JSON` };
    raw = call.input;
  } else {
    const start = text.indexOf('{');
    const end = text.lastIndexOf('}');
    if (start < 0 || end <= start) return { error: `no plan: call ${SUBMIT_PLAN_TOOL} with the plan` };
    try {
      raw = JSON.parse(text.slice(start, end + 1));
    } catch (error) {
      return { error: `the plan in the reply is not valid JSON: ${(error as Error).message}` };
    }
  }
  const parsed = ModelPlanSchema.safeParse(raw);
  if (!parsed.success) return { error: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ') };
  return { plan: parsed.data };
}

function planningPrompt(input: ModelPlanInput, runnable: readonly PlannableAgent[], taskType: string): ModelMessage[] {
  const roster = runnable.map((agent) => {
    const estimate = input.estimate(agent.name, taskType);
    return {
      name: agent.name,
      description: agent.description,
      capabilities: agent.capabilities,
      stage: agent.stage,
      ...(estimate.samples > 0 ? { pastRuns: { samples: estimate.samples, typicalDurationMs: estimate.estimated } } : {}),
    };
  });
  return [
    {
      role: 'system',
      content: [
        'You plan the work of a team of agents on a software workspace. Choose only the agents the request needs, give each a concrete task, and order them in phases: agents of one phase run in parallel; an agent may depend only on agents of earlier phases.',
        'Analysis usually comes before implementation, and testing and documentation after it. Past runs (when given) tell how long an agent took on this kind of work.',
        `Answer by calling ${SUBMIT_PLAN_TOOL} once with the plan.`,
      ].join('\n'),
    },
    { role: 'user', content: `Request: ${input.request.trim()}\n\nAgents that can run:\n${JSON.stringify(roster, null, 2)}` },
  ];
}

/**
 * A plan from the model, or the rule planner's plan with a warning saying why the model's was not used (a model
 * error, or a plan that was still invalid after one retry with the errors).
 */
export async function planWithModel(input: ModelPlanInput): Promise<ExecutionPlan> {
  // The rule plan decides who may run at all (skips, --agents) and is the fallback.
  const rules = planRequest(input);
  const fallback = (why: string): ExecutionPlan => ({ ...rules, warnings: [...rules.warnings, `The model's plan was not used (${why}); the rule planner made this plan.`], source: { kind: 'rules' } });
  const skippedNames = new Set(rules.skipped.map((s) => s.name));
  const pool = input.only && input.only.length > 0 ? input.roster.filter((agent) => input.only?.includes(agent.name)) : input.roster;
  const runnable = pool.filter((agent) => !skippedNames.has(agent.name) && !(agent.runtime === 'model' && !input.modelAvailable));
  // Nothing can do what was asked: no model is asked to plan work nobody can do.
  if (runnable.length === 0 || rules.agents.length === 0) return { ...rules, source: { kind: 'rules' } };

  const { client } = input.model;
  const tool = { name: SUBMIT_PLAN_TOOL, description: 'Submit the plan for the request.', inputSchema: z.toJSONSchema(ModelPlanSchema) as Record<string, unknown> };
  const messages = planningPrompt(input, runnable, rules.taskType);
  let lastError = '';
  for (let turn = 1; turn <= 2; turn++) {
    let reply: { text: string; calls: ModelToolCall[] };
    try {
      reply = await planningTurn(input, turn, messages, tool);
    } catch (error) {
      if (input.signal?.aborted) throw input.signal.reason;
      const reason = error instanceof ModelError ? `${error.provider} failed (${error.kind}): ${error.message}` : (error as Error).message;
      return fallback(`the ${client.provider}/${client.modelId} planning call failed: ${reason}`);
    }
    const parsed = parseModelPlan(reply.text, reply.calls);
    const errors = 'error' in parsed ? [parsed.error] : validateModelPlan(parsed.plan, runnable);
    if ('plan' in parsed && errors.length === 0) return toExecutionPlan(parsed.plan, input, runnable, rules, client);
    lastError = errors.join('; ');
    messages.push({ role: 'assistant', content: reply.text, ...(reply.calls.length > 0 ? { toolCalls: reply.calls } : {}) });
    const feedback = `The plan is invalid: ${lastError}. Call ${SUBMIT_PLAN_TOOL} again with a corrected plan.`;
    const submitted = reply.calls.find((c) => c.name === SUBMIT_PLAN_TOOL);
    // Every tool call needs its answer, or providers refuse the next request.
    for (const call of reply.calls) messages.push({ role: 'tool', toolCallId: call.id, toolName: call.name, content: call === submitted ? feedback : `Error: only ${SUBMIT_PLAN_TOOL} is available`, isError: true });
    if (!submitted) messages.push({ role: 'user', content: feedback });
  }
  return fallback(`it was invalid twice: ${lastError}`);
}

async function planningTurn(input: ModelPlanInput, turn: number, messages: readonly ModelMessage[], tool: { name: string; description: string; inputSchema: Record<string, unknown> }): Promise<{ text: string; calls: ModelToolCall[] }> {
  const { client } = input.model;
  const request = { messages: [...messages], tools: [tool], ...(input.maxOutputTokens ? { maxOutputTokens: input.maxOutputTokens } : {}) };
  const parts: ModelStreamPart[] = [];
  const started = Date.now();
  let text = '';
  const calls: ModelToolCall[] = [];
  let finish: Extract<ModelStreamPart, { type: 'finish' }> | null = null;
  let failure: unknown = null;
  try {
    for await (const part of client.stream({ ...request, ...(input.signal ? { signal: input.signal } : {}) })) {
      parts.push(part);
      if (part.type === 'text') text += part.text;
      else if (part.type === 'tool-call') calls.push(part.call);
      else finish = part;
    }
    if (!finish) throw new ModelError('bad-reply', client.provider, 'the reply ended without a finish (no usage)');
  } catch (error) {
    failure = error;
  }
  const durationMs = Math.max(0, Date.now() - started);
  const usage = finish?.usage ?? { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
  const modelError = failure instanceof ModelError ? failure : null;
  const errorKind = failure ? (modelError?.kind ?? (input.signal?.aborted ? 'aborted' : 'provider')) : null;
  input.record?.exchange(turn, {
    provider: client.provider, modelId: client.modelId, request, parts, durationMs,
    ...(failure ? { error: { kind: errorKind!, message: failure instanceof Error ? failure.message : String(failure), ...(modelError?.status !== undefined ? { status: modelError.status } : {}), ...(modelError?.retryAfterMs !== undefined ? { retryAfterMs: modelError.retryAfterMs } : {}) } } : {}),
  });
  input.record?.called({
    provider: client.provider, model: client.modelId, turn, ...usage, durationMs,
    costUsd: input.model.estimateCostUsd?.(client.provider, client.modelId, usage) ?? null,
    finishReason: finish?.reason ?? null, errorKind,
  });
  if (failure) throw failure;
  return { text, calls };
}

function toExecutionPlan(plan: ModelPlan, input: ModelPlanInput, runnable: readonly PlannableAgent[], rules: ExecutionPlan, client: ModelClient): ExecutionPlan {
  const byName = new Map(runnable.map((agent) => [agent.name, agent]));
  const phaseOf = new Map<string, number>();
  plan.phases.forEach((phase, index) => phase.forEach((name) => phaseOf.set(name, index)));
  const agents: PlannedAgent[] = plan.agents
    .map((agent) => {
      const definition = byName.get(agent.name)!;
      const estimate = input.estimate(agent.name, plan.taskType);
      return {
        name: agent.name,
        task: agent.task,
        phase: phaseOf.get(agent.name)!,
        dependsOn: [...agent.dependsOn],
        capabilities: definition.capabilities,
        runtime: definition.runtime,
        estimatedDuration: estimate.samples > 0 ? estimate : null,
      };
    })
    .sort((a, b) => a.phase - b.phase);
  const requested = coverRequested(classifyRequest(rules.request), agents.map((agent) => byName.get(agent.name)!), input.roster, rules.skipped, input.modelAvailable);
  const uncovered = requested.filter((item) => item.coveredBy.length === 0);
  return {
    request: rules.request,
    taskType: plan.taskType,
    agents,
    phases: plan.phases.map((phase) => [...phase]),
    skipped: rules.skipped,
    // The rule plan's "not covered" warnings are replaced by the model plan's own.
    warnings: [
      ...rules.warnings.filter((warning) => warning !== 'No agent can run this request.' && !(rules.uncovered ?? []).some((item) => warning === `Not covered: ${describeUncovered(item)}.`)),
      ...uncovered.map((item) => `Not covered: ${describeUncovered(item)}.`),
    ],
    estimatedDuration: criticalPathEstimate(agents),
    mcpServers: rules.mcpServers,
    requested,
    uncovered,
    source: { kind: 'model', provider: client.provider, model: client.modelId },
  };
}
