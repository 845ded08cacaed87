// What the item-taking commands accept: a tree item (it carries the id), a plain object with the id, or the id
// itself (from another command or a test). Free of `vscode`.
import { z } from 'zod';

function idFrom(arg: unknown, key: string): string | undefined {
  if (typeof arg === 'string') return arg.trim() || undefined;
  if (arg && typeof arg === 'object' && key in arg) {
    const value = (arg as Record<string, unknown>)[key];
    if (typeof value === 'string' && value.trim()) return value;
  }
  return undefined;
}

export function sessionIdOf(arg: unknown): string | undefined {
  return idFrom(arg, 'sessionId');
}

export function patternIdOf(arg: unknown): string | undefined {
  return idFrom(arg, 'patternId');
}

/** A handoff tree item carries `handoff.id`; other callers pass `{ handoffId }` or the id. */
export function handoffIdOf(arg: unknown): string | undefined {
  if (arg && typeof arg === 'object' && 'handoff' in arg) return idFrom((arg as { handoff: unknown }).handoff, 'id');
  return idFrom(arg, 'handoffId');
}

export const FindingLocationSchema = z.object({
  file: z.string().min(1).max(4096),
  line: z.number().int().min(1),
  column: z.number().int().min(1).default(1),
});
export type FindingLocation = z.output<typeof FindingLocationSchema>;
