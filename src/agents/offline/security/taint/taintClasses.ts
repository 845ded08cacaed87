// The vulnerability classes the taint analysis reports, each the `<class>` of a rule id `agent-orchestrator/<class>`.

export const TAINT_CLASSES = [
  'sql-injection',
  'nosql-injection',
  'command-injection',
  'path-traversal',
  'open-redirect',
  'ssrf',
  'xss',
  'code-injection',
  'insecure-deserialization',
  'xxe',
] as const;

export type TaintClass = (typeof TAINT_CLASSES)[number];

/** How a finding of each class starts, as a reader scanning a report would name the problem. */
export const CLASS_TITLES: Readonly<Record<TaintClass, string>> = {
  'sql-injection': 'SQL injection',
  'nosql-injection': 'NoSQL injection',
  'command-injection': 'Command injection',
  'path-traversal': 'Path traversal',
  'open-redirect': 'Open redirect',
  ssrf: 'Server-side request forgery',
  xss: 'Cross-site scripting',
  'code-injection': 'Code injection',
  'insecure-deserialization': 'Insecure deserialization',
  xxe: 'XML external entities',
};

export const ALL_CLASSES: ReadonlySet<TaintClass> = new Set(TAINT_CLASSES);
