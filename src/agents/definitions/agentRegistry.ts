import type { AgentDefinition } from './agentDefinition';

export interface AgentRoster {
  agents: AgentDefinition[];
  /** Things the user should know about how the roster was assembled (overrides, ignored duplicates). */
  warnings: string[];
}

function describeSource(agent: AgentDefinition): string {
  return agent.source.kind === 'file' ? agent.source.path : 'the built-in roster';
}

/**
 * Merges the built-in agents with the workspace's agent files (in load order). A file named like a built-in
 * replaces its description, prompt, tools and model but keeps the built-in's runtime, capabilities and stage, since
 * the offline implementation keeps doing the work; a second file with an already used name is ignored.
 */
export function buildAgentRoster(builtins: readonly AgentDefinition[], fileAgents: readonly AgentDefinition[]): AgentRoster {
  const agents: AgentDefinition[] = builtins.map((agent) => ({ ...agent }));
  const warnings: string[] = [];
  const builtinIndex = new Map(agents.map((agent, index) => [agent.name, index] as const));
  const seenFiles = new Map<string, AgentDefinition>();

  for (const fileAgent of fileAgents) {
    const earlier = seenFiles.get(fileAgent.name);
    if (earlier) {
      warnings.push(
        `Agent "${fileAgent.name}" in ${describeSource(fileAgent)} is ignored: ${describeSource(earlier)} already defines it.`,
      );
      continue;
    }
    seenFiles.set(fileAgent.name, fileAgent);

    const index = builtinIndex.get(fileAgent.name);
    if (index === undefined) {
      agents.push({ ...fileAgent });
      continue;
    }
    const builtin = agents[index];
    // Capabilities, stage and runtime stay the built-in's: the offline implementation still does the work, so the
    // planner and the bus must keep routing to it what it can do (a reworded description must not drop 'validation').
    agents[index] = {
      ...builtin,
      description: fileAgent.description,
      prompt: fileAgent.prompt,
      tools: fileAgent.tools,
      model: fileAgent.model ?? builtin.model,
      source: fileAgent.source,
    };
    warnings.push(
      builtin.runtime === 'offline'
        ? `Agent "${fileAgent.name}" in ${describeSource(fileAgent)} overrides the built-in agent's description, prompt and ` +
            'tools; without a model it still runs the built-in offline implementation, which does not use the prompt.'
        : `Agent "${fileAgent.name}" in ${describeSource(fileAgent)} overrides the built-in agent of that name.`,
    );
  }
  return { agents, warnings };
}
