import { z } from 'zod';

export const SeveritySchema = z.enum(['critical', 'high', 'medium', 'low', 'info']);
export type Severity = z.infer<typeof SeveritySchema>;

/** A problem an agent found in the workspace. `file` is workspace-relative with forward slashes; line and column are 1-based. */
export const FindingSchema = z.object({
  id: z.string().min(1),
  ruleId: z.string().min(1),
  severity: SeveritySchema,
  message: z.string().min(1),
  file: z.string().min(1),
  line: z.number().int().min(1),
  column: z.number().int().min(1),
  endLine: z.number().int().min(1).optional(),
  endColumn: z.number().int().min(1).optional(),
  recommendation: z.string(),
  /** True when a mechanical (autofix) change exists; false means a model or a person must fix it. */
  fixable: z.boolean(),
  /** Why no mechanical change is offered, when the rule knows (the fix needs a model or a person). */
  manualFixReason: z.string().optional(),
  agent: z.string().optional(),
});
export type Finding = z.infer<typeof FindingSchema>;

export const severityRank: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };
