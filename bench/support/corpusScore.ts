// Scores a security scan of a corpus app against the app's truth file (test/fixtures/corpus/<app>/truth.json):
// which planted vulnerabilities were found (recall), which findings are real (precision), per class and overall.
// A finding matches a truth entry when the file and the class are equal and its line lies within
// [line - 2, endLine + 2], or lies that near the entry's `crossFile` place; each truth entry counts once, further
// findings on it are duplicates (shown, but not false positives); findings in test files are reported apart. Entries
// whose flow crosses files are counted apart too, since the auditor promises only same-file helpers.

/** The classes of the auditor's own rules: `agent-orchestrator/<class>`. */
export const SECURITY_CLASSES = [
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
  'hardcoded-secret',
  'missing-access-control',
  'missing-tenant-filter',
] as const;

/** Problems a static scan of code cannot be expected to see; allowed in truth files only with `codeLevel: false`. */
export const NON_CODE_CLASSES = ['vulnerable-dependency', 'missing-rate-limit', 'missing-security-headers', 'weak-session-config'] as const;

const OWN_RULE_PREFIX = 'agent-orchestrator/';

/** Third-party rule ids (and id prefixes, ending in '/') and the class their findings count for. */
const THIRD_PARTY_CLASSES: readonly [idOrPrefix: string, securityClass: string][] = [
  ['security/detect-child-process', 'command-injection'],
  ['security/detect-eval-with-expression', 'code-injection'],
  ['security/detect-non-literal-require', 'code-injection'],
  ['security/detect-non-literal-fs-filename', 'path-traversal'],
  ['security/detect-disable-mustache-escape', 'xss'],
  ['no-unsanitized/', 'xss'],
  ['@microsoft/sdl/no-inner-html', 'xss'],
  ['@microsoft/sdl/no-html-method', 'xss'],
  ['@microsoft/sdl/no-document-write', 'xss'],
  ['@microsoft/sdl/no-angular-bypass-sanitizer', 'xss'],
  ['@microsoft/sdl/no-angularjs-bypass-sce', 'xss'],
  ['react/no-danger', 'xss'],
];

/** The class a rule's findings count for, or undefined for a rule outside every class (its findings are noise here). */
export function classOfRule(ruleId: string): string | undefined {
  if (ruleId.startsWith(OWN_RULE_PREFIX)) return ruleId.slice(OWN_RULE_PREFIX.length);
  for (const [idOrPrefix, securityClass] of THIRD_PARTY_CLASSES) {
    if (idOrPrefix.endsWith('/') ? ruleId.startsWith(idOrPrefix) : ruleId === idOrPrefix) return securityClass;
  }
  return undefined;
}

const TEST_PATH = /(^|\/)(test|tests|spec|specs|__tests__|__mocks__|e2e|cypress)\/|\.(test|spec)\.[cm]?[jt]sx?$|Spec\.[cm]?[jt]s$/;

/** Whether a workspace-relative path is a test file, whose findings are reported apart. */
export function isTestPath(file: string): boolean {
  return TEST_PATH.test(file);
}

export interface TruthEntry {
  class: string;
  file: string;
  line: number;
  endLine?: number;
  description: string;
  /** False for what a static scan of code cannot see (a vulnerable dependency version, a missing rate limit). */
  codeLevel: boolean;
  /**
   * Set when the request data reaches this line through a function in another file (a controller calling a service,
   * a route handing input to a helper module): where the flow crosses, in that other file. A finding there counts too.
   */
  crossFile?: { file: string; line: number };
}

export interface TruthFile {
  app: string;
  vulnerabilities: TruthEntry[];
}

/** The part of a finding the score needs. */
export interface ScoredFinding {
  ruleId: string;
  file: string;
  line: number;
  message?: string;
}

export interface AppScore {
  app: string;
  /** Each truth entry found, with the finding that found it. */
  found: { truth: TruthEntry; finding: ScoredFinding }[];
  /** Code-level truth entries no finding matched. */
  missed: TruthEntry[];
  /** Findings that match no truth entry (outside test files). */
  falsePositives: ScoredFinding[];
  /** Further findings on a truth entry already found. */
  duplicates: { truth: TruthEntry; finding: ScoredFinding }[];
  /** Findings in test files: neither true nor false positives. */
  inTests: ScoredFinding[];
}

function normalise(file: string): string {
  return file.replace(/\\/g, '/').replace(/^\.\//, '');
}

function covers(truth: TruthEntry, file: string, line: number): boolean {
  const near = (from: number, to: number): boolean => line >= from - 2 && line <= to + 2;
  if (normalise(truth.file) === file && near(truth.line, truth.endLine ?? truth.line)) return true;
  return truth.crossFile !== undefined && normalise(truth.crossFile.file) === file && near(truth.crossFile.line, truth.crossFile.line);
}

/** Matches one app's findings to its truth file. */
export function scoreApp(truth: TruthFile, findings: readonly ScoredFinding[]): AppScore {
  const score: AppScore = { app: truth.app, found: [], missed: [], falsePositives: [], duplicates: [], inTests: [] };
  const matched = new Set<TruthEntry>();
  const ordered = [...findings].sort((a, b) => normalise(a.file).localeCompare(normalise(b.file)) || a.line - b.line);
  for (const finding of ordered) {
    const file = normalise(finding.file);
    const securityClass = classOfRule(finding.ruleId);
    const candidates = securityClass === undefined
      ? []
      : truth.vulnerabilities.filter((entry) => entry.class === securityClass && covers(entry, file, finding.line));
    if (candidates.length === 0) {
      if (isTestPath(file)) score.inTests.push(finding);
      else score.falsePositives.push(finding);
      continue;
    }
    // Of several entries in reach, the nearest one not yet found: two planted flaws on neighbouring lines both count.
    const distance = (entry: TruthEntry): number => Math.abs((normalise(entry.file) === file ? entry.line : (entry.crossFile?.line ?? entry.line)) - finding.line);
    const fresh = candidates.filter((entry) => !matched.has(entry)).sort((a, b) => distance(a) - distance(b));
    const target = fresh[0];
    if (target) {
      matched.add(target);
      score.found.push({ truth: target, finding });
    } else {
      score.duplicates.push({ truth: [...candidates].sort((a, b) => distance(a) - distance(b))[0] as TruthEntry, finding });
    }
  }
  score.missed = truth.vulnerabilities.filter((entry) => entry.codeLevel && !matched.has(entry));
  return score;
}

export interface ClassFigures {
  truePositives: number;
  falseNegatives: number;
  falsePositives: number;
  duplicates: number;
  /** Null when there was nothing to find (recall) or nothing reported (precision). */
  recall: number | null;
  precision: number | null;
}

function figures(truePositives: number, falseNegatives: number, falsePositives: number, duplicates: number): ClassFigures {
  const planted = truePositives + falseNegatives;
  const reported = truePositives + falsePositives;
  return {
    truePositives,
    falseNegatives,
    falsePositives,
    duplicates,
    recall: planted === 0 ? null : truePositives / planted,
    precision: reported === 0 ? null : truePositives / reported,
  };
}

export interface CorpusSummary {
  /** By class; findings of rules outside every class count as false positives of "(no class)". */
  byClass: Map<string, ClassFigures>;
  /** Code-level truth only; every false positive counts. */
  overall: ClassFigures;
  /** Recall over the code-level entries whose flow stays in one file, and over those that cross files. */
  sameFile: { found: number; planted: number };
  crossFile: { found: number; planted: number };
}

export const NO_CLASS = '(no class)';

/** Per-class and overall recall and precision over the code-level truth of every app scored. */
export function summarize(scores: readonly AppScore[]): CorpusSummary {
  const counts = new Map<string, { tp: number; fn: number; fp: number; dup: number }>();
  const bucket = (securityClass: string): { tp: number; fn: number; fp: number; dup: number } => {
    let entry = counts.get(securityClass);
    if (!entry) {
      entry = { tp: 0, fn: 0, fp: 0, dup: 0 };
      counts.set(securityClass, entry);
    }
    return entry;
  };
  for (const score of scores) {
    for (const { truth } of score.found) if (truth.codeLevel) bucket(truth.class).tp++;
    for (const truth of score.missed) bucket(truth.class).fn++;
    for (const finding of score.falsePositives) bucket(classOfRule(finding.ruleId) ?? NO_CLASS).fp++;
    for (const { truth } of score.duplicates) if (truth.codeLevel) bucket(truth.class).dup++;
  }
  const byClass = new Map([...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, c]) => [name, figures(c.tp, c.fn, c.fp, c.dup)] as const));
  const total = [...counts.values()].reduce((sum, c) => ({ tp: sum.tp + c.tp, fn: sum.fn + c.fn, fp: sum.fp + c.fp, dup: sum.dup + c.dup }), { tp: 0, fn: 0, fp: 0, dup: 0 });
  const split = (crosses: boolean): { found: number; planted: number } => {
    const found = scores.reduce((n, score) => n + score.found.filter(({ truth }) => truth.codeLevel && (truth.crossFile !== undefined) === crosses).length, 0);
    const missed = scores.reduce((n, score) => n + score.missed.filter((truth) => (truth.crossFile !== undefined) === crosses).length, 0);
    return { found, planted: found + missed };
  };
  return { byClass, overall: figures(total.tp, total.fn, total.fp, total.dup), sameFile: split(false), crossFile: split(true) };
}

/** Problems with a truth file's shape, as readable sentences; empty when it is well-formed. */
export function truthShapeProblems(value: unknown): string[] {
  const problems: string[] = [];
  const doc = value as Partial<TruthFile> | null;
  if (typeof doc !== 'object' || doc === null) return ['it is not a JSON object'];
  if (typeof doc.app !== 'string' || doc.app.length === 0) problems.push('"app" is missing');
  if (!Array.isArray(doc.vulnerabilities)) return [...problems, '"vulnerabilities" is not a list'];
  const known = new Set<string>(SECURITY_CLASSES);
  const nonCode = new Set<string>(NON_CODE_CLASSES);
  doc.vulnerabilities.forEach((entry: Partial<TruthEntry>, index) => {
    const where = `vulnerabilities[${index}]`;
    if (typeof entry.file !== 'string' || entry.file.length === 0) problems.push(`${where}: "file" is missing`);
    if (!Number.isInteger(entry.line) || (entry.line as number) < 1) problems.push(`${where}: "line" is not a positive whole number`);
    if (entry.endLine !== undefined && (!Number.isInteger(entry.endLine) || entry.endLine < (entry.line ?? 1))) problems.push(`${where}: "endLine" is before "line"`);
    if (typeof entry.description !== 'string' || entry.description.trim().length === 0) problems.push(`${where}: "description" is missing`);
    if (typeof entry.codeLevel !== 'boolean') problems.push(`${where}: "codeLevel" is not true or false`);
    const crossFile = entry.crossFile as Partial<NonNullable<TruthEntry['crossFile']>> | undefined;
    if (crossFile !== undefined && (typeof crossFile !== 'object' || crossFile === null || typeof crossFile.file !== 'string' || crossFile.file.length === 0 || !Number.isInteger(crossFile.line) || (crossFile.line as number) < 1)) {
      problems.push(`${where}: "crossFile" is not { "file": <path>, "line": <positive whole number> }`);
    } else if (crossFile !== undefined && normalise(crossFile.file ?? '') === normalise(entry.file ?? '')) {
      problems.push(`${where}: "crossFile" names the entry's own file`);
    }
    const securityClass = entry.class ?? '';
    if (entry.codeLevel === true && !known.has(securityClass)) problems.push(`${where}: "${securityClass}" is not a security class (${SECURITY_CLASSES.join(', ')})`);
    if (entry.codeLevel === false && !known.has(securityClass) && !nonCode.has(securityClass)) problems.push(`${where}: "${securityClass}" is neither a security class nor a known non-code class (${NON_CODE_CLASSES.join(', ')})`);
  });
  return problems;
}
