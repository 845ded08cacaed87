import type { z } from 'zod';

/** Thrown when data crossing a boundary does not match its schema; the message names every bad field. */
export class ProtocolValidationError extends Error {
  readonly issues: readonly { path: string; message: string }[];

  constructor(what: string, issues: readonly { path: string; message: string }[]) {
    super(`Invalid ${what}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`);
    this.name = 'ProtocolValidationError';
    this.issues = issues;
  }
}

export function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

/** Parses `value` with `schema`, or throws a ProtocolValidationError naming `what` and the bad fields. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ProtocolValidationError(what, describeIssues(result.error));
  return result.data;
}
