import { z } from 'zod';
import { FindingSchema } from './findings';
import { AgentNameSchema, PrioritySchema } from './messages';

const strings = z.array(z.string()).default([]);

const RecommendationsSchema = z
  .object({
    nextActions: strings,
    potentialIssues: strings,
    optimizations: strings,
    testingNeeded: z.boolean().default(false),
    securityReview: z.boolean().default(false),
  })
  .default({ nextActions: [], potentialIssues: [], optimizations: [], testingNeeded: false, securityReview: false });

const DependenciesSchema = z
  .object({ completedTasks: strings, requiredInputs: strings, optionalInputs: strings })
  .default({ completedTasks: [], requiredInputs: [], optionalInputs: [] });

/** The seed's handoff package: everything the receiving agent needs to continue without asking again. */
export const HandoffPackageSchema = z.object({
  id: z.string().min(1),
  timestamp: z.number().int().nonnegative(),
  from: AgentNameSchema,
  to: AgentNameSchema,
  executionContext: z.object({
    task: z.string().min(1),
    filesModified: strings,
    filesRead: strings,
    searchResults: z.array(z.unknown()).default([]),
    decisions: strings,
    warnings: strings,
    discoveries: strings,
    /** Findings the sender wants the receiver to act on (not in the seed's prose; its FINDING_REPORTs carried them). */
    findings: z.array(FindingSchema).default([]),
  }),
  mcpData: z.record(z.string(), z.unknown()).default({}),
  recommendations: RecommendationsSchema,
  urgency: PrioritySchema.default('normal'),
  requiresValidation: z.boolean().default(false),
  blockingIssues: strings,
  dependencies: DependenciesSchema,
});
export type HandoffPackage = z.output<typeof HandoffPackageSchema>;

/** The seed's short form accepted by initiateHandoff; the handoff system expands it into a full package. */
export const HandoffRequestSchema = z.object({
  task: z.string().min(1),
  outputs: z
    .object({
      filesRead: strings,
      filesModified: strings,
      decisions: strings,
      warnings: strings,
      discoveries: strings,
      searchResults: z.array(z.unknown()).default([]),
      findings: z.array(FindingSchema).default([]),
    })
    .catchall(z.unknown())
    .default({ filesRead: [], filesModified: [], decisions: [], warnings: [], discoveries: [], searchResults: [], findings: [] }),
  recommendations: RecommendationsSchema,
  mcpData: z.record(z.string(), z.unknown()).default({}),
  urgency: PrioritySchema.default('normal'),
  requiresValidation: z.boolean().default(false),
  blockingIssues: strings,
  dependencies: DependenciesSchema,
});
export type HandoffRequest = z.input<typeof HandoffRequestSchema>;

/** Number of non-blank context entries a package carries (what the log and dashboard call "context items"). */
export function countContextItems(pkg: HandoffPackage): number {
  const { executionContext: c, recommendations: r, dependencies: d } = pkg;
  return (
    countNonBlank(c.filesRead) +
    countNonBlank(c.filesModified) +
    countNonBlank(c.searchResults) +
    countNonBlank(c.decisions) +
    countNonBlank(c.warnings) +
    countNonBlank(c.discoveries) +
    c.findings.length +
    countNonBlank(r.nextActions) +
    countNonBlank(r.potentialIssues) +
    countNonBlank(r.optimizations) +
    countNonBlank(pkg.blockingIssues) +
    countNonBlank(d.completedTasks) +
    countNonBlank(d.requiredInputs) +
    countNonBlank(d.optionalInputs) +
    countNonBlank(Object.values(pkg.mcpData))
  );
}

function countNonBlank(values: readonly unknown[]): number {
  let count = 0;
  for (const value of values) if (!isBlank(value)) count++;
  return count;
}

/** Null, undefined, whitespace, [] and {} carry no context. */
export function isBlank(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}
