import { z } from 'zod';
import { AgentCapabilities, AgentNameSchema, CapabilitySchema } from '../../core/protocol/messages';

/** Phases the planner orders agents by: analysis runs first, documentation last. */
export const AgentStageSchema = z.enum(['analysis', 'implementation', 'verification', 'documentation']);
export type AgentStage = z.infer<typeof AgentStageSchema>;

/** 'offline' = a built-in implementation that needs no model exists for this name; 'model' = runs in the LLM tool loop. */
export const AgentRuntimeSchema = z.enum(['offline', 'model']);
export type AgentRuntime = z.infer<typeof AgentRuntimeSchema>;

export const AgentSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('builtin') }),
  z.object({ kind: z.literal('file'), path: z.string().min(1) }),
]);
export type AgentSource = z.infer<typeof AgentSourceSchema>;

export const AgentDefinitionSchema = z.object({
  name: AgentNameSchema,
  description: z.string().min(1),
  capabilities: z.array(CapabilitySchema),
  /** Tool names as written by the author (Claude Code names such as "Read", "Bash(git:*)" or "mcp__server__tool").
   *  Empty means the author did not restrict tools: Claude Code gives such agents every tool. */
  tools: z.array(z.string().min(1)),
  /** 'inherit', an alias (sonnet/opus/haiku) or a model id; null when the author left it to the configuration. */
  model: z.string().min(1).nullable(),
  /** System prompt used when the agent runs over a model. */
  prompt: z.string(),
  source: AgentSourceSchema,
  runtime: AgentRuntimeSchema,
  stage: AgentStageSchema,
  /** Built-ins only: what the offline implementation does when no model runs the agent (see PlannableAgent). */
  offlineWork: z.object({ does: z.string().min(1), reviewsOwnDomain: z.boolean() }).optional(),
});
export type AgentDefinition = z.infer<typeof AgentDefinitionSchema>;

/** Keyword -> capability. Word-start anchors keep "latest" from meaning testing and "build" from meaning UI. */
const CAPABILITY_KEYWORDS: readonly { pattern: RegExp; capability: string }[] = [
  { pattern: /\bsecur/g, capability: AgentCapabilities.SECURITY_AUDIT },
  { pattern: /\btest/g, capability: AgentCapabilities.TESTING },
  { pattern: /\bdoc/g, capability: AgentCapabilities.DOCUMENTATION },
  { pattern: /\bapis?\b|\bback-?end/g, capability: AgentCapabilities.BACKEND_DEVELOPMENT },
  { pattern: /\bdatabase|sql/g, capability: AgentCapabilities.DATABASE_OPTIMIZATION },
  { pattern: /\breview/g, capability: AgentCapabilities.CODE_REVIEW },
  { pattern: /\bfront-?end|\bui\b/g, capability: AgentCapabilities.FRONTEND_DEVELOPMENT },
  { pattern: /\bdeploy|\bkubernetes|\bk8s\b|\bhelm\b|\bterraform/g, capability: 'deployment' },
];

/** Capabilities mentioned in `text`, ordered by where they are mentioned: last mention first, or first mention first. */
function capabilitiesInText(text: string, order: 'last-first' | 'first-first'): string[] {
  const lower = text.toLowerCase();
  const positions: { capability: string; at: number }[] = [];
  for (const { pattern, capability } of CAPABILITY_KEYWORDS) {
    const matches = [...lower.matchAll(pattern)];
    if (matches.length === 0) continue;
    const at = order === 'last-first' ? matches[matches.length - 1].index : matches[0].index;
    positions.push({ capability, at });
  }
  return positions.sort((a, b) => (order === 'last-first' ? b.at - a.at : a.at - b.at)).map((p) => p.capability);
}

/**
 * Capabilities guessed from an agent's name and description, main one first. In a name the head noun comes last
 * ("api-test-writer" writes tests), so name keywords are ranked from the right; the description only adds more.
 */
export function inferCapabilities(name: string, description: string): string[] {
  const result = capabilitiesInText(name.replace(/[-_.]/g, ' '), 'last-first');
  for (const capability of capabilitiesInText(description, 'first-first')) {
    if (!result.includes(capability)) result.push(capability);
  }
  return result;
}

const STAGE_BY_CAPABILITY: Readonly<Record<string, AgentStage>> = {
  [AgentCapabilities.SECURITY_AUDIT]: 'analysis',
  [AgentCapabilities.CODE_REVIEW]: 'analysis',
  [AgentCapabilities.VALIDATION]: 'analysis',
  [AgentCapabilities.BACKEND_DEVELOPMENT]: 'implementation',
  [AgentCapabilities.FRONTEND_DEVELOPMENT]: 'implementation',
  [AgentCapabilities.DATABASE_OPTIMIZATION]: 'implementation',
  [AgentCapabilities.TESTING]: 'verification',
  [AgentCapabilities.DOCUMENTATION]: 'documentation',
};

/**
 * Stage of the first capability that has one (authors and inferCapabilities list the main capability first).
 * Agents with no known capability are treated as implementers, the role a general-purpose agent plays.
 */
export function inferStage(capabilities: readonly string[]): AgentStage {
  for (const capability of capabilities) {
    const stage = STAGE_BY_CAPABILITY[capability];
    if (stage) return stage;
  }
  return 'implementation';
}
