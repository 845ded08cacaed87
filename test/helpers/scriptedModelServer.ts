// A local OpenAI-compatible endpoint that plays a script per agent: the agent is read from its system prompt and
// the turn from the assistant messages already in the conversation, so parallel agents get their own replies.
import { startFakeServer, openaiFinish, openaiText, openaiToolCall, openaiUsage, OPENAI_DONE, sse, type FakeServer } from '../unit/models/fakeProviders';

export interface ScriptedTurn {
  text?: string;
  calls?: { name: string; input: Record<string, unknown> }[];
}

export type AgentScripts = Record<string, ScriptedTurn[]>;

export function agentOf(body: Record<string, unknown>): string {
  const messages = body.messages as { role: string; content: unknown }[];
  const system = messages.find((message) => message.role === 'system');
  const text = String(system?.content ?? '');
  // A model agent validating another's change runs its own short conversation: scripted as "<agent>:validate".
  const validator = /You are "([^"]+)", validating/.exec(text)?.[1];
  if (validator) return `${validator}:validate`;
  return /You are the agent "([^"]+)"/.exec(text)?.[1] ?? '(unknown)';
}

export function startScriptedModelServer(scripts: AgentScripts): Promise<FakeServer> {
  return startFakeServer([(request, res) => {
    const agent = agentOf(request.body);
    const turn = (request.body.messages as { role: string }[]).filter((message) => message.role === 'assistant').length;
    // An agent without a script (or past its end) just finishes, so an unexpected agent cannot hang the run.
    const step: ScriptedTurn = scripts[agent]?.[turn] ?? { text: `${agent} has nothing more to do.` };
    const chunks: string[] = [];
    if (step.text) chunks.push(openaiText(step.text));
    (step.calls ?? []).forEach((call, index) => chunks.push(...openaiToolCall(index, `call_${agent}_${turn}_${index}`, call.name, [JSON.stringify(call.input)])));
    chunks.push(openaiFinish(step.calls?.length ? 'tool_calls' : 'stop'), openaiUsage(100 + turn, 20), OPENAI_DONE);
    sse(res, chunks);
  }]);
}
