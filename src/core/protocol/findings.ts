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
  /** Set when the finding is in test code (tests, specs, fixtures): reported apart, at a lower severity. */
  inTest: z.boolean().optional(),
});
export type Finding = z.infer<typeof FindingSchema>;

export const severityRank: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };

/** Why a file or folder was left out of a scan. */
export const ScanSkipCategorySchema = z.enum(['gitignored', 'build-output', 'vendored', 'minified', 'bundled', 'too-large', 'binary', 'unreadable']);
export type ScanSkipCategory = z.infer<typeof ScanSkipCategorySchema>;

/** What a scan covered: how many files it read, what it left out and why, and what it could not parse. */
export const ScanCoverageSchema = z.object({
  filesScanned: z.number().int().min(0),
  /** One entry per category: the count, and the first paths (folders end with `/`). */
  skipped: z.array(z.object({
    category: ScanSkipCategorySchema,
    count: z.number().int().min(1),
    reason: z.string(),
    paths: z.array(z.string()),
  })),
  parseErrors: z.array(z.object({ file: z.string(), message: z.string() })),
  findingsInTests: z.number().int().min(0),
});
export type ScanCoverage = z.infer<typeof ScanCoverageSchema>;
