// The security rules engine of the offline security auditor: ESLint with eslint-plugin-security's recommended
// rules plus our own `agent-orchestrator` rules, run in memory over workspace files (no config files on disk).
import { createHash } from 'node:crypto';
import type { ESLint, Linter, Rule } from 'eslint';
import type { Finding, ScanCoverage, Severity } from '../../../core/protocol/findings';
import { FileTooLargeError, type WorkspaceFiles } from '../../../core/ports';
import { maskSecrets } from '../../../core/security/secretMasking';
import { FACT_EXTENSIONS, gatherCodebaseFacts, NEEDS_PERSON_MARK, NO_FACTS, type CodebaseFacts } from './codebaseFacts';
import { DISABLED_PLUGIN_RULES, ruleInfo, SUPERSEDED_PLUGIN_RULES } from './ruleCatalog';
import { agentOrchestratorPlugin, DEFAULT_TENANT_KEYS, LOCAL_PLUGIN_NAME } from './rules';
import { CODE_EXTENSIONS, CoverageCollector, extensionOf, isTestFile, scannedKindOf, skipByContent, skipByPath, testSeverity } from './scanScope';
import { TAINT_CLASSES } from './taint/taintClasses';
import { ScanCache, rulesFingerprint, type ScanCacheStats } from './scanCache';
import { analyzeInWorker, SCAN_WORKER_LANES, scanWorkersAvailable } from './scanWorkerPool';
import type { ScanWorkerRequest } from './scanWorker';
import { findConfigSecrets } from './secrets/configSecrets';
import { SHAPED_SECRET_MESSAGE } from './secrets/hardcodedSecretRule';
import type { EscapingOff, RenderCall, TemplateFact } from './templates/templateCodeRules';
import { analyzeTemplate, judgeTemplateOutputs, type TemplateAnalysis } from './templates/templateOutputs';

export interface ScanResult {
  findings: Finding[];
  filesScanned: string[];
  parseErrors: { file: string; message: string }[];
  /** Files not analysed, each with why and what the user can do about it. */
  skipped: { file: string; reason: string }[];
  /** Counts by category of what was left out and why, parse errors, findings in tests: for the run's result. */
  coverage: ScanCoverage;
  /** Results reused from the workspace's scan cache, when it has one. */
  cache?: ScanCacheStats;
}

/** What the analysis of one file yields: its findings, or why it could not be parsed, and facts for the template pass. */
export interface FileAnalysis {
  findings: Finding[];
  parseError?: string;
  /** Render calls and escaping settings found in code, which decide how a template's raw output is judged. */
  templateFacts?: TemplateFact[];
}

export interface SecurityScannerOptions {
  /** Property names that count as a tenant filter; the first one is inserted by the fix. */
  tenantKeys?: string[];
  /** Files larger than this (in UTF-16 code units, about bytes for source code) are skipped with a note. */
  maxFileSize?: number;
  /** Major version of js-yaml the workspace uses (4 made `load` safe); read from its package.json when omitted. */
  jsYamlMajorVersion?: number;
  /** Reuse and keep per-file results in the workspace's .agent-orchestrator folder, when it has one. @default true */
  cache?: boolean;
  /** Analyse in worker threads when that pays (see analyzePending); false keeps everything in this thread. @default true */
  workers?: boolean;
  /** Files to analyse (not answered by the cache) must add up to this many characters before they are spread over workers. */
  parallelFromBytes?: number;
  /** What the access-control rules know of the codebase; gathered from the workspace by `prepare` when omitted. */
  facts?: CodebaseFacts;
}

/** The major version a package.json asks for a dependency (`^3.13.1` → 3), if it names one. */
export function dependencyMajorVersion(packageJson: string, name: string): number | undefined {
  let manifest: unknown;
  try {
    manifest = JSON.parse(packageJson);
  } catch {
    return undefined;
  }
  for (const group of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
    const range = recordOf(recordOf(manifest)?.[group])?.[name];
    const major = typeof range === 'string' ? /^\s*[~^>=v]*\s*(\d+)/.exec(range)?.[1] : undefined;
    if (major !== undefined) return Number(major);
  }
  return undefined;
}

/**
 * Generated bundles and minified vendor files can keep ESLint busy for minutes and gigabytes; hand-written sources
 * rarely approach this. Overridden by AGENT_ORCHESTRATOR_MAX_SCAN_FILE_BYTES or the scanner's option.
 */
export const DEFAULT_MAX_SCAN_FILE_SIZE = 1024 * 1024;
export const MAX_SCAN_FILE_SIZE_VARIABLE = 'AGENT_ORCHESTRATOR_MAX_SCAN_FILE_BYTES';
/**
 * From this size on a file is analysed in a worker that an abort terminates. ESLint needs about a second per
 * 60 KB of dense code; below that, the worker's start-up (loading ESLint a second time) would cost more than it saves.
 */
const IN_WORKER_FROM_SIZE = 64 * 1024;
/**
 * From this much code to analyse, the files are spread over one worker per core. Each worker loads ESLint, the
 * plugins and the TypeScript parser before its first file, which costs about as much as linting half a megabyte of
 * typical code in one thread (`worker start-up` against `cold scan in one thread` in `npm run bench -- --only
 * security-corpus`); a second core halves the rest, so workers pay from about twice that, and a smaller workspace
 * is analysed in this thread.
 */
export const PARALLEL_FROM_BYTES = 1024 * 1024;

function configuredMaxFileSize(): number {
  const raw = process.env[MAX_SCAN_FILE_SIZE_VARIABLE]?.trim();
  return raw && /^\d+$/.test(raw) && Number(raw) > 0 ? Number(raw) : DEFAULT_MAX_SCAN_FILE_SIZE;
}

function formatSize(size: number): string {
  return size >= 1024 * 1024 ? `${(size / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(size / 1024)} KB`;
}

export const SECURITY_AGENT = 'security-auditor';

export const SCANNED_EXTENSIONS: readonly string[] = CODE_EXTENSIONS;
const TYPESCRIPT_EXTENSIONS = new Set(['.ts', '.tsx', '.mts', '.cts']);

// ---------------------------------------------------------------------------------------------------------
// Lazy loading: ESLint, the TypeScript parser and the plugin take hundreds of milliseconds to load, and the
// extension must activate without them, so they are required on first scan only.

interface Analyzers {
  linter: Linter;
  typescriptParser: Linter.Parser;
  securityPlugin: ESLint.Plugin;
  securityRecommendedRules: Linter.RulesRecord;
  /** Mozilla's eslint-plugin-no-unsanitized: DOM sinks (innerHTML, insertAdjacentHTML, document.write) in front-end code. */
  domPlugin: ESLint.Plugin;
}

let analyzers: Analyzers | undefined;

function isParser(value: unknown): value is Linter.Parser {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { parse?: unknown; parseForESLint?: unknown };
  return typeof candidate.parse === 'function' || typeof candidate.parseForESLint === 'function';
}

function recordOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

function loadAnalyzers(): Analyzers {
  if (analyzers) return analyzers;
  const eslint = require('eslint') as typeof import('eslint');
  const parser: unknown = require('@typescript-eslint/parser');
  const plugin: unknown = require('eslint-plugin-security');
  if (!isParser(parser)) throw new Error('@typescript-eslint/parser does not export a parser');
  const rules = recordOf(recordOf(plugin)?.rules);
  const recommended = recordOf(recordOf(recordOf(recordOf(plugin)?.configs)?.recommended)?.rules);
  if (!rules || !recommended) throw new Error('eslint-plugin-security has no recommended config');
  // The rules are required one by one: the plugin's index reads its package.json beside itself at load, which is
  // not there once bundled into dist/.
  const domRules = {
    method: require('eslint-plugin-no-unsanitized/lib/rules/method') as Rule.RuleModule,
    property: require('eslint-plugin-no-unsanitized/lib/rules/property') as Rule.RuleModule,
  };
  if (typeof domRules.method?.create !== 'function' || typeof domRules.property?.create !== 'function') throw new Error('eslint-plugin-no-unsanitized has no rules');
  const domPlugin: ESLint.Plugin = { meta: { name: 'eslint-plugin-no-unsanitized' }, rules: domRules };
  analyzers = {
    linter: new eslint.Linter({ configType: 'flat' }),
    typescriptParser: parser,
    securityPlugin: plugin as ESLint.Plugin,
    securityRecommendedRules: recommended as Linter.RulesRecord,
    domPlugin,
  };
  return analyzers;
}

// ---------------------------------------------------------------------------------------------------------

/** Tests and fixtures hold throwaway credentials on purpose: a secret found by its name alone is not reported there
 * (one found by its shape, a real Stripe or AWS key, still is). */
const SECRET_RULE = `${LOCAL_PLUGIN_NAME}/hardcoded-secret`;
const XSS_RULE = `${LOCAL_PLUGIN_NAME}/xss`;
/** Our rules that report under a shared class id (several rules find XSS). */
const RULE_ID_OF: Readonly<Record<string, string>> = { [`${LOCAL_PLUGIN_NAME}/template-escaping-off`]: XSS_RULE };
/** Rules that hand facts to the template pass instead of reporting findings. */
const FACT_RULE = `${LOCAL_PLUGIN_NAME}/render-locals`;

const taintRuleSettings: Linter.RulesRecord = Object.fromEntries(TAINT_CLASSES.map((c) => [`${LOCAL_PLUGIN_NAME}/${c}`, 'error' as const]));

/** One finding per problem: a generic plugin finding is dropped where a source-to-sink rule reports the same line. */
function withoutSupersededFindings(findings: Finding[]): Finding[] {
  const reported = new Set(findings.map((f) => `${f.ruleId}:${f.line}`));
  return findings.filter((f) => {
    const superseding = SUPERSEDED_PLUGIN_RULES[f.ruleId];
    return superseding === undefined || !reported.has(`${superseding}:${f.line}`);
  });
}


function findingId(ruleId: string, file: string, line: number, column: number, message: string): string {
  return createHash('sha256').update([ruleId, file, line, column, message].join('\u0000')).digest('hex').slice(0, 16);
}

interface PendingFile {
  file: string;
  source: string;
  /** Its place in `filesScanned`, so results keep the file order whatever order they arrive in. */
  slot: number;
  cacheKey: string | undefined;
}

interface Analysis {
  findings: Finding[];
  /** The ESLint fix behind each fixable finding, by finding id. */
  fixes: Map<string, Rule.Fix>;
  templateFacts: TemplateFact[];
  parseError?: string;
}

export class SecurityScanner {
  private readonly tenantKeys: string[];
  private readonly maxFileSize: number;
  private jsYamlMajorVersion: number | undefined;
  private readonly useCache: boolean;
  private readonly useWorkers: boolean;
  private readonly parallelFromBytes: number;
  /** Until `prepare` ran (or facts were given), the scanner knows nothing of the codebase: no tenant, no auth. */
  private facts: CodebaseFacts;
  private factsReady: boolean;

  constructor(private readonly workspace: WorkspaceFiles, options: SecurityScannerOptions = {}) {
    const keys = options.tenantKeys?.filter((k) => k.length > 0) ?? [];
    this.tenantKeys = keys.length > 0 ? keys : [...DEFAULT_TENANT_KEYS];
    this.maxFileSize = options.maxFileSize ?? configuredMaxFileSize();
    this.jsYamlMajorVersion = options.jsYamlMajorVersion;
    this.useCache = options.cache ?? true;
    this.useWorkers = options.workers ?? true;
    this.parallelFromBytes = options.parallelFromBytes ?? PARALLEL_FROM_BYTES;
    this.facts = options.facts ?? NO_FACTS;
    this.factsReady = options.facts !== undefined;
  }

  /** What the scanner knows of the codebase (after `prepare`). */
  get codebaseFacts(): CodebaseFacts {
    return this.facts;
  }

  /**
   * Reads the workspace's sources, schemas and migrations once to learn its models, tenant fields and where
   * authentication guards routes. Runs before the first scan; call it before `fix` on a scanner that has not scanned.
   */
  async prepare(signal?: AbortSignal): Promise<CodebaseFacts> {
    if (this.factsReady) return this.facts;
    const listed = await this.workspace.listFiles();
    const texts = new Map<string, string>();
    for (const file of listed.map((f) => f.replace(/\\/g, '/'))) {
      // Third-party code's models and routes are not the application's.
      if (!FACT_EXTENSIONS.includes(extensionOf(file)) || skipByPath(file)) continue;
      signal?.throwIfAborted();
      // Bounded: a file over the scan limit is not read whole (the scan skips it too).
      const text = await this.workspace.readFile(file, { maxBytes: this.maxFileSize }).catch(() => undefined);
      signal?.throwIfAborted();
      if (text === undefined || text.length > this.maxFileSize || text.includes('\u0000')) continue;
      texts.set(file, text);
    }
    this.facts = gatherCodebaseFacts(texts, this.tenantKeys);
    this.factsReady = true;
    return this.facts;
  }

  /** js-yaml's major version from the workspace's package.json (bounded read; a missing or odd file means unknown). */
  private async readJsYamlMajorVersion(): Promise<void> {
    if (this.jsYamlMajorVersion !== undefined) return;
    try {
      if (!(await this.workspace.exists('package.json'))) return;
      const manifest = await this.workspace.readFile('package.json');
      if (manifest.length <= 1024 * 1024) this.jsYamlMajorVersion = dependencyMajorVersion(manifest, 'js-yaml');
    } catch {
      // Unknown version: js-yaml load() is judged as the old, unsafe one.
    }
  }

  /**
   * Scans `files`, or the workspace's code, templates and configuration files (what .gitignore excludes, build output
   * and third-party or generated code are left out, and counted in `coverage`). Throws the signal's reason when aborted.
   */
  async scan(options: { files?: string[]; signal?: AbortSignal } = {}): Promise<ScanResult> {
    const { signal } = options;
    signal?.throwIfAborted();
    const coverage = new CoverageCollector();
    const wholeWorkspace = options.files === undefined;
    await this.prepare(signal);
    // Filter here rather than pass extensions to listFiles, so the result does not depend on how an
    // implementation spells them ('.ts' or 'ts').
    const candidates = options.files ?? (await this.workspace.listFiles({ onExcluded: (path, why) => coverage.skip(path, why) }));
    const files = [...new Set(candidates.map((f) => f.replace(/\\/g, '/')))].filter((f) => scannedKindOf(f) !== undefined);

    const result: ScanResult = { findings: [], filesScanned: [], parseErrors: [], skipped: [], coverage: coverage.coverage(0, 0) };
    const skip = (file: string, category: Parameters<CoverageCollector['skip']>[1], reason: string): void => {
      result.skipped.push({ file, reason });
      // What the category means and what to do about it; the file's own size is in `skipped`.
      coverage.skip(file, category, category === 'too-large' ? this.#tooLarge() : category === 'binary' ? reason : undefined);
    };
    const renderCalls: (RenderCall & { file: string })[] = [];
    const escapingOff: EscapingOff[] = [];
    const templates: { file: string; analysis: TemplateAnalysis }[] = [];
    await this.readJsYamlMajorVersion();
    const cache = this.useCache ? ScanCache.forWorkspace(this.workspace.root, rulesFingerprint(this.fingerprintInputs())) : undefined;
    const outcomes: FileAnalysis[] = [];
    const pending: PendingFile[] = [];
    for (const file of files) {
      signal?.throwIfAborted();
      const kind = scannedKindOf(file);
      // Files asked for by name (a validation's changed files) are checked whatever they look like.
      const byPath = wholeWorkspace ? skipByPath(file) : undefined;
      if (byPath) {
        skip(file, byPath.category, byPath.reason);
        continue;
      }
      let source: string;
      try {
        source = await this.workspace.readFile(file, { maxBytes: this.maxFileSize });
      } catch (error) {
        if (error instanceof FileTooLargeError) {
          skip(file, 'too-large', this.#tooLarge(error.size));
          continue;
        }
        const message = `Could not read file: ${error instanceof Error ? error.message : String(error)}`;
        result.parseErrors.push({ file, message });
        coverage.parseError(file, message);
        continue;
      }
      signal?.throwIfAborted();
      // Workspaces that cannot bound a read (in memory) still get the limit, after the fact.
      if (source.length > this.maxFileSize) {
        skip(file, 'too-large', this.#tooLarge(source.length));
        continue;
      }
      if (source.includes('\u0000')) {
        skip(file, 'binary', 'it holds binary data (NUL bytes), not source text; rename it if it is not JavaScript or TypeScript');
        continue;
      }
      const byContent = wholeWorkspace && kind === 'code' ? skipByContent(source) : undefined;
      if (byContent) {
        skip(file, byContent.category, byContent.reason);
        continue;
      }
      const slot = result.filesScanned.push(file) - 1;
      if (kind === 'template') {
        // Judged once every render call is known (below); reading a template is cheap, so it is not cached.
        const analysis = analyzeTemplate(file, source);
        templates.push({ file, analysis });
        result.findings.push(...this.#templateSettingFindings(file, analysis));
        continue;
      }
      if (kind === 'config') {
        // No ESLint: a configuration file is only searched for secrets, which is cheap.
        outcomes[slot] = this.scanSource(file, source);
        continue;
      }
      const cacheKey = cache ? ScanCache.keyFor(file, source) : undefined;
      const cached = cacheKey === undefined ? undefined : cache?.get(cacheKey);
      if (cached) outcomes[slot] = cached.templateFacts === undefined ? { findings: cached.findings } : { findings: cached.findings, templateFacts: cached.templateFacts };
      else pending.push({ file, source, slot, cacheKey });
    }

    await this.analyzePending(pending, outcomes, signal);
    // In file order, whatever order the workers answered in.
    for (const [slot, file] of result.filesScanned.entries()) {
      const outcome = outcomes[slot];
      if (!outcome) continue;
      result.findings.push(...outcome.findings);
      for (const fact of outcome.templateFacts ?? []) {
        if (fact.kind === 'render') renderCalls.push({ ...fact.call, file });
        else escapingOff.push(fact.setting);
      }
      if (outcome.parseError !== undefined) {
        result.parseErrors.push({ file, message: outcome.parseError });
        coverage.parseError(file, outcome.parseError);
      }
    }
    if (cache) {
      // Only clean results are kept: a parse error is cheap to find again, and a worker crash may not recur.
      for (const item of pending) {
        const outcome = outcomes[item.slot];
        if (item.cacheKey !== undefined && outcome && outcome.parseError === undefined) {
          cache.set(item.cacheKey, outcome.templateFacts === undefined ? { findings: outcome.findings } : { findings: outcome.findings, templateFacts: outcome.templateFacts });
        }
      }
      cache.save();
      result.cache = { ...cache.stats };
    }
    for (const template of templates) result.findings.push(...this.#templateOutputFindings(template.file, template.analysis, renderCalls, escapingOff));
    result.findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
    result.coverage = coverage.coverage(result.filesScanned.length, result.findings.filter((finding) => finding.inTest).length);
    return result;
  }

  /**
   * Everything besides a file's own path and text that its findings depend on: part of the cache's fingerprint, so
   * a change here (an option, or workspace-wide facts a rule consults) never serves a stale result.
   */
  private fingerprintInputs(): unknown {
    // The codebase facts (models, tenant fields, routes behind authentication) decide the access-control and tenant
    // findings of every file: a new model or a moved auth middleware elsewhere must not serve an old result.
    const inputs = { tenantKeys: this.tenantKeys, facts: this.facts };
    return this.jsYamlMajorVersion === undefined ? inputs : { ...inputs, jsYamlMajorVersion: this.jsYamlMajorVersion };
  }

  /** A worker analyses with the same workspace facts as this thread (tenant keys, codebase facts, js-yaml's version). */
  #workerRequest(item: PendingFile): ScanWorkerRequest {
    const request: ScanWorkerRequest = { file: item.file, source: item.source, tenantKeys: this.tenantKeys, facts: this.facts };
    if (this.jsYamlMajorVersion !== undefined) request.jsYamlMajorVersion = this.jsYamlMajorVersion;
    return request;
  }

  /**
   * Analyses the files the cache did not answer. With enough work to pay for the workers' start-up, the files are
   * spread over one worker per core (largest first, so the lanes finish together); otherwise they are analysed
   * here, one by one, except the big ones, which go to a worker that an abort can stop.
   */
  private async analyzePending(pending: readonly PendingFile[], outcomes: FileAnalysis[], signal: AbortSignal | undefined): Promise<void> {
    const workers = this.useWorkers && scanWorkersAvailable();
    const pendingBytes = pending.reduce((sum, item) => sum + item.source.length, 0);
    const lanes = Math.min(SCAN_WORKER_LANES, pending.length);
    if (workers && lanes > 1 && pendingBytes >= this.parallelFromBytes) {
      const queue = [...pending].sort((a, b) => b.source.length - a.source.length);
      let next = 0;
      await Promise.all(Array.from({ length: lanes }, async () => {
        for (let item = queue[next++]; item !== undefined; item = queue[next++]) {
          outcomes[item.slot] = await analyzeInWorker(this.#workerRequest(item), signal);
        }
      }));
      return;
    }
    for (const item of pending) {
      signal?.throwIfAborted();
      outcomes[item.slot] = workers && item.source.length >= IN_WORKER_FROM_SIZE
        ? await analyzeInWorker(this.#workerRequest(item), signal)
        : this.scanSource(item.file, item.source);
    }
  }

  #tooLarge(size?: number): string {
    return `${size === undefined ? '' : `${formatSize(size)} is `}over the scan limit of ${formatSize(this.maxFileSize)}; generated code belongs in a build folder (dist, build, out), which is not scanned; to scan it anyway, raise ${MAX_SCAN_FILE_SIZE_VARIABLE}`;
  }

  /**
   * Checks one file's text: code with the ESLint rules, a template for its raw output (judged without the
   * workspace's render calls, which `scan` adds), a configuration file for secrets. A syntax error comes back as
   * `parseError`, never as an exception.
   */
  scanSource(file: string, source: string): FileAnalysis {
    const relative = file.replace(/\\/g, '/');
    const kind = scannedKindOf(relative) ?? 'code';
    if (kind === 'template') {
      const analysis = analyzeTemplate(relative, source);
      return { findings: [...this.#templateSettingFindings(relative, analysis), ...this.#templateOutputFindings(relative, analysis, [], [])].sort((a, b) => a.line - b.line || a.column - b.column) };
    }
    if (kind === 'config') {
      return { findings: findConfigSecrets(relative, source).map((secret) => this.#finding(SECRET_RULE, relative, secret.line, secret.column, secret.message)) };
    }
    const analysis = this.analyze(relative, source);
    const reply: FileAnalysis = { findings: analysis.findings };
    if (analysis.parseError !== undefined) reply.parseError = analysis.parseError;
    if (analysis.templateFacts.length > 0) reply.templateFacts = analysis.templateFacts;
    return reply;
  }

  /** A finding of our own rules outside ESLint (templates, configuration files), in the same form as ESLint's. */
  #finding(ruleId: string, file: string, line: number, column: number, message: string, severity?: Severity): Finding {
    const info = ruleInfo(ruleId);
    const masked = maskSecrets(message);
    const inTest = isTestFile(file);
    const finding: Finding = {
      id: findingId(ruleId, file, line, column, masked),
      ruleId,
      severity: severity ?? info.severity,
      message: masked,
      file,
      line,
      column,
      recommendation: info.recommendation,
      fixable: false,
      agent: SECURITY_AGENT,
    };
    if (inTest) {
      finding.inTest = true;
      finding.severity = testSeverity(finding.severity);
    }
    return finding;
  }

  #templateSettingFindings(file: string, analysis: TemplateAnalysis): Finding[] {
    return analysis.escapingOff.map((setting) =>
      this.#finding(XSS_RULE, file, setting.line, setting.column, `XSS: template escaping is switched off (${setting.construct}); every variable printed in the block is inserted as raw HTML`),
    );
  }

  #templateOutputFindings(file: string, analysis: TemplateAnalysis, renderCalls: readonly (RenderCall & { file: string })[], escapingOff: readonly EscapingOff[]): Finding[] {
    return judgeTemplateOutputs(file, analysis, renderCalls, escapingOff).map((verdict) =>
      this.#finding(XSS_RULE, file, verdict.output.line, verdict.output.column, verdict.message, verdict.severity),
    );
  }

  /** Applies ESLint autofixes for the given findings only (match by id; all fixable ones when omitted);
   * returns new text, fixed and remaining findings. */
  fix(file: string, source: string, findingIds?: readonly string[]): { output: string; fixed: Finding[]; remaining: Finding[] } {
    const analysis = this.analyze(file, source);
    if (analysis.parseError !== undefined) return { output: source, fixed: [], remaining: analysis.findings };
    const wanted = findingIds ? new Set(findingIds) : undefined;
    const selected = analysis.findings
      .filter((f) => f.fixable && (wanted === undefined || wanted.has(f.id)))
      .map((finding) => ({ finding, fix: analysis.fixes.get(finding.id) }))
      .filter((entry): entry is { finding: Finding; fix: Rule.Fix } => entry.fix !== undefined)
      .sort((a, b) => a.fix.range[0] - b.fix.range[0] || a.fix.range[1] - b.fix.range[1]);

    // Same policy as ESLint's own fixer: apply in order and skip a fix that overlaps one already applied.
    let output = '';
    let cursor = 0;
    const fixed: Finding[] = [];
    for (const { finding, fix } of selected) {
      const [start, end] = fix.range;
      if (start < cursor) continue;
      output += source.slice(cursor, start) + fix.text;
      cursor = end;
      fixed.push(finding);
    }
    output += source.slice(cursor);
    if (fixed.length === 0) return { output: source, fixed, remaining: analysis.findings };
    return { output, fixed, remaining: this.analyze(file, output).findings };
  }

  private analyze(file: string, source: string): Analysis {
    const relative = file.replace(/\\/g, '/');
    const extension = extensionOf(relative);
    let engine: Analyzers;
    try {
      engine = loadAnalyzers();
    } catch (error) {
      return { findings: [], fixes: new Map(), templateFacts: [], parseError: `Security analyzers unavailable: ${error instanceof Error ? error.message : String(error)}` };
    }
    let messages: Linter.LintMessage[];
    try {
      messages = this.verify(engine, source, relative, 'module');
      // Plain scripts (`with`, legacy octals) fail in module mode: retry them as CommonJS before giving up.
      if (!TYPESCRIPT_EXTENSIONS.has(extension) && extension !== '.mjs' && messages.some((m) => m.fatal)) {
        const asScript = this.verify(engine, source, relative, 'commonjs');
        if (!asScript.some((m) => m.fatal)) messages = asScript;
      }
    } catch (error) {
      // A rule crash on odd code must not stop the whole scan.
      return { findings: [], fixes: new Map(), templateFacts: [], parseError: `Analysis failed: ${error instanceof Error ? error.message : String(error)}` };
    }

    const fatal = messages.find((m) => m.fatal);
    if (fatal) {
      return { findings: [], fixes: new Map(), templateFacts: [], parseError: `${fatal.message} (line ${fatal.line}, column ${fatal.column})` };
    }

    const findings: Finding[] = [];
    const fixes = new Map<string, Rule.Fix>();
    const templateFacts: TemplateFact[] = [];
    const inTest = isTestFile(relative);
    for (const message of messages) {
      if (message.ruleId === null || message.line < 1) continue;
      if (message.ruleId === FACT_RULE) {
        templateFacts.push(JSON.parse(message.message) as TemplateFact);
        continue;
      }
      if (inTest && message.ruleId === SECRET_RULE && message.messageId !== SHAPED_SECRET_MESSAGE) continue;
      const ruleId = RULE_ID_OF[message.ruleId] ?? message.ruleId;
      const info = ruleInfo(ruleId);
      const column = Math.max(1, message.column);
      // A rule says why it offers no fix after a mark; the finding carries that as its own field.
      const mark = message.message.indexOf(NEEDS_PERSON_MARK);
      const text = mark >= 0 ? message.message.slice(0, mark) : message.message;
      const manualFixReason = mark >= 0 && message.fix === undefined ? message.message.slice(mark + NEEDS_PERSON_MARK.length) : undefined;
      const id = findingId(ruleId, relative, message.line, column, text);
      const finding: Finding = {
        id,
        ruleId,
        severity: inTest ? testSeverity(info.severity) : info.severity,
        // A rule may quote the code it flags; a finding is shown and stored everywhere, so no secret rides along.
        message: maskSecrets(text),
        file: relative,
        line: message.line,
        column,
        recommendation: info.recommendation,
        fixable: message.fix !== undefined,
        ...(manualFixReason !== undefined ? { manualFixReason: maskSecrets(manualFixReason) } : {}),
        agent: SECURITY_AGENT,
      };
      if (inTest) finding.inTest = true;
      if (message.endLine !== undefined && message.endLine >= 1) finding.endLine = message.endLine;
      if (message.endColumn !== undefined && message.endColumn >= 1) finding.endColumn = message.endColumn;
      if (message.fix) fixes.set(id, message.fix);
      findings.push(finding);
    }
    findings.sort((a, b) => a.line - b.line || a.column - b.column);
    return { findings: withoutSupersededFindings(findings), fixes, templateFacts };
  }

  private verify(engine: Analyzers, source: string, file: string, sourceType: 'module' | 'commonjs'): Linter.LintMessage[] {
    const extension = extensionOf(file);
    const isTypeScript = TYPESCRIPT_EXTENSIONS.has(extension);
    // ESLint matches configs by file name; a synthetic name with the real extension keeps matching independent
    // of where the workspace lives (absolute paths outside ESLint's cwd would be ignored).
    const virtualName = `input${isTypeScript || SCANNED_EXTENSIONS.includes(extension) ? extension : '.js'}`;
    const languageOptions: Linter.LanguageOptions = isTypeScript
      ? { parser: engine.typescriptParser, ecmaVersion: 'latest', sourceType: 'module', parserOptions: { ecmaFeatures: { jsx: extension === '.tsx' } } }
      : { ecmaVersion: 'latest', sourceType, parserOptions: { ecmaFeatures: { jsx: true } } };

    const pluginRules: Linter.RulesRecord = { ...engine.securityRecommendedRules };
    for (const ruleId of Object.keys(DISABLED_PLUGIN_RULES)) pluginRules[ruleId] = 'off';

    const config: Linter.Config[] = [
      {
        // A bare `**/*` does not count as a match in flat config; list the extensions.
        files: SCANNED_EXTENSIONS.map((e) => `**/*${e}`),
        languageOptions,
        // Audit results must not depend on lint-disable comments written for style linting.
        linterOptions: { noInlineConfig: true, reportUnusedDisableDirectives: 'off' },
        plugins: {
          security: engine.securityPlugin,
          'no-unsanitized': engine.domPlugin,
          [LOCAL_PLUGIN_NAME]: agentOrchestratorPlugin,
        },
        rules: {
          ...pluginRules,
          'no-unsanitized/method': 'error',
          'no-unsanitized/property': 'error',
          [`${LOCAL_PLUGIN_NAME}/missing-tenant-filter`]: ['error', { tenantKeys: this.tenantKeys, facts: this.facts, file }],
          [`${LOCAL_PLUGIN_NAME}/missing-access-control`]: ['error', { facts: this.facts, file }],
          [`${LOCAL_PLUGIN_NAME}/hardcoded-secret`]: 'error',
          [`${LOCAL_PLUGIN_NAME}/template-escaping-off`]: 'error',
          [FACT_RULE]: 'error',
          ...taintRuleSettings,
          [`${LOCAL_PLUGIN_NAME}/insecure-deserialization`]: ['error', this.jsYamlMajorVersion === undefined ? {} : { jsYamlMajorVersion: this.jsYamlMajorVersion }],
        },
      },
    ];
    return engine.linter.verify(source, config, { filename: virtualName });
  }
}
