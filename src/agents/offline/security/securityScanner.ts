// The security rules engine of the offline security auditor: ESLint with eslint-plugin-security's recommended
// rules plus our own `agent-orchestrator` rules, run in memory over workspace files (no config files on disk).
import { createHash } from 'node:crypto';
import type { ESLint, Linter, Rule } from 'eslint';
import type { Finding } from '../../../core/protocol/findings';
import type { WorkspaceFiles } from '../../../core/ports';
import { maskSecrets } from '../../../core/security/secretMasking';
import { DISABLED_PLUGIN_RULES, ruleInfo } from './ruleCatalog';
import { agentOrchestratorPlugin, DEFAULT_TENANT_KEYS, LOCAL_PLUGIN_NAME } from './rules';
import { ScanCache, rulesFingerprint, type ScanCacheStats } from './scanCache';
import { analyzeInWorker, SCAN_WORKER_LANES, scanWorkersAvailable } from './scanWorkerPool';

export interface ScanResult {
  findings: Finding[];
  filesScanned: string[];
  parseErrors: { file: string; message: string }[];
  /** Files not analysed, each with why and what the user can do about it. */
  skipped: { file: string; reason: string }[];
  /** Results reused from the workspace's scan cache, when it has one. */
  cache?: ScanCacheStats;
}

export interface SecurityScannerOptions {
  /** Property names that count as a tenant filter; the first one is inserted by the fix. */
  tenantKeys?: string[];
  /** Files larger than this (in UTF-16 code units, about bytes for source code) are skipped with a note. */
  maxFileSize?: number;
  /** Reuse and keep per-file results in the workspace's .agent-orchestrator folder, when it has one. @default true */
  cache?: boolean;
  /** Analyse in worker threads when that pays (see analyzePending); false keeps everything in this thread. @default true */
  workers?: boolean;
  /** Files to analyse (not answered by the cache) must add up to this many characters before they are spread over workers. */
  parallelFromBytes?: number;
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

export const SCANNED_EXTENSIONS: readonly string[] = ['.js', '.jsx', '.mjs', '.cjs', '.ts', '.tsx', '.mts', '.cts'];
const TYPESCRIPT_EXTENSIONS = new Set(['.ts', '.tsx', '.mts', '.cts']);

// ---------------------------------------------------------------------------------------------------------
// Lazy loading: ESLint, the TypeScript parser and the plugin take hundreds of milliseconds to load, and the
// extension must activate without them, so they are required on first scan only.

interface Analyzers {
  linter: Linter;
  typescriptParser: Linter.Parser;
  securityPlugin: ESLint.Plugin;
  securityRecommendedRules: Linter.RulesRecord;
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
  analyzers = {
    linter: new eslint.Linter({ configType: 'flat' }),
    typescriptParser: parser,
    securityPlugin: plugin as ESLint.Plugin,
    securityRecommendedRules: recommended as Linter.RulesRecord,
  };
  return analyzers;
}

// ---------------------------------------------------------------------------------------------------------

function extensionOf(file: string): string {
  const match = /\.[^./\\]+$/.exec(file);
  return match ? match[0].toLowerCase() : '';
}

/** Tests and fixtures hold throwaway credentials on purpose; reporting them would drown the real ones. */
const TEST_FILE = /(^|\/)(test|tests|__tests__|__mocks__|fixtures)\/|\.(test|spec)\.[cm]?[jt]sx?$/;
const RULES_SKIPPED_IN_TESTS = new Set([`${LOCAL_PLUGIN_NAME}/hardcoded-secret`]);

function findingId(ruleId: string, file: string, line: number, column: number, message: string): string {
  return createHash('sha256').update([ruleId, file, line, column, message].join('\u0000')).digest('hex').slice(0, 16);
}

interface FileAnalysis {
  findings: Finding[];
  parseError?: string;
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
  parseError?: string;
}

export class SecurityScanner {
  private readonly tenantKeys: string[];
  private readonly maxFileSize: number;
  private readonly useCache: boolean;
  private readonly useWorkers: boolean;
  private readonly parallelFromBytes: number;

  constructor(private readonly workspace: WorkspaceFiles, options: SecurityScannerOptions = {}) {
    const keys = options.tenantKeys?.filter((k) => k.length > 0) ?? [];
    this.tenantKeys = keys.length > 0 ? keys : [...DEFAULT_TENANT_KEYS];
    this.maxFileSize = options.maxFileSize ?? configuredMaxFileSize();
    this.useCache = options.cache ?? true;
    this.useWorkers = options.workers ?? true;
    this.parallelFromBytes = options.parallelFromBytes ?? PARALLEL_FROM_BYTES;
  }

  /** Scans `files`, or every JS/TS source file of the workspace. Throws the signal's reason when aborted. */
  async scan(options: { files?: string[]; signal?: AbortSignal } = {}): Promise<ScanResult> {
    const { signal } = options;
    signal?.throwIfAborted();
    // Filter here rather than pass extensions to listFiles, so the result does not depend on how an
    // implementation spells them ('.ts' or 'ts').
    const candidates = options.files ?? (await this.workspace.listFiles());
    const files = [...new Set(candidates.map((f) => f.replace(/\\/g, '/')))].filter((f) => SCANNED_EXTENSIONS.includes(extensionOf(f)));

    const result: ScanResult = { findings: [], filesScanned: [], parseErrors: [], skipped: [] };
    const cache = this.useCache ? ScanCache.forWorkspace(this.workspace.root, rulesFingerprint(this.fingerprintInputs())) : undefined;
    const outcomes: FileAnalysis[] = [];
    const pending: PendingFile[] = [];
    for (const file of files) {
      signal?.throwIfAborted();
      let source: string;
      try {
        source = await this.workspace.readFile(file);
      } catch (error) {
        result.parseErrors.push({ file, message: `Could not read file: ${error instanceof Error ? error.message : String(error)}` });
        continue;
      }
      signal?.throwIfAborted();
      if (source.length > this.maxFileSize) {
        result.skipped.push({
          file,
          reason: `${formatSize(source.length)} is over the scan limit of ${formatSize(this.maxFileSize)}; generated code belongs in a build folder (dist, build, out), which is not scanned; to scan it anyway, raise ${MAX_SCAN_FILE_SIZE_VARIABLE}`,
        });
        continue;
      }
      if (source.includes('\u0000')) {
        result.skipped.push({ file, reason: 'it holds binary data (NUL bytes), not source text; rename it if it is not JavaScript or TypeScript' });
        continue;
      }
      const slot = result.filesScanned.push(file) - 1;
      const cacheKey = cache ? ScanCache.keyFor(file, source) : undefined;
      const cached = cacheKey === undefined ? undefined : cache?.get(cacheKey);
      if (cached) outcomes[slot] = { findings: cached.findings };
      else pending.push({ file, source, slot, cacheKey });
    }

    await this.analyzePending(pending, outcomes, signal);
    for (const [slot, file] of result.filesScanned.entries()) {
      const outcome = outcomes[slot];
      if (!outcome) continue;
      result.findings.push(...outcome.findings);
      if (outcome.parseError !== undefined) result.parseErrors.push({ file, message: outcome.parseError });
    }
    if (cache) {
      // Only clean results are kept: a parse error is cheap to find again, and a worker crash may not recur.
      for (const item of pending) {
        const outcome = outcomes[item.slot];
        if (item.cacheKey !== undefined && outcome && outcome.parseError === undefined) cache.set(item.cacheKey, { findings: outcome.findings });
      }
      cache.save();
      result.cache = { ...cache.stats };
    }
    result.findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
    return result;
  }

  /**
   * Everything besides a file's own path and text that its findings depend on: part of the cache's fingerprint, so
   * a change here (an option, or workspace-wide facts a rule consults) never serves a stale result.
   */
  private fingerprintInputs(): unknown {
    return { tenantKeys: this.tenantKeys };
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
          outcomes[item.slot] = await analyzeInWorker({ file: item.file, source: item.source, tenantKeys: this.tenantKeys }, signal);
        }
      }));
      return;
    }
    for (const item of pending) {
      signal?.throwIfAborted();
      outcomes[item.slot] = workers && item.source.length >= IN_WORKER_FROM_SIZE
        ? await analyzeInWorker({ file: item.file, source: item.source, tenantKeys: this.tenantKeys }, signal)
        : this.scanSource(item.file, item.source);
    }
  }

  /** Checks one file's text; a syntax error comes back as `parseError`, never as an exception. */
  scanSource(file: string, source: string): { findings: Finding[]; parseError?: string } {
    const analysis = this.analyze(file, source);
    return analysis.parseError === undefined ? { findings: analysis.findings } : { findings: analysis.findings, parseError: analysis.parseError };
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
      return { findings: [], fixes: new Map(), parseError: `Security analyzers unavailable: ${error instanceof Error ? error.message : String(error)}` };
    }
    let messages: Linter.LintMessage[];
    try {
      messages = this.verify(engine, source, extension, 'module');
      // Plain scripts (`with`, legacy octals) fail in module mode: retry them as CommonJS before giving up.
      if (!TYPESCRIPT_EXTENSIONS.has(extension) && extension !== '.mjs' && messages.some((m) => m.fatal)) {
        const asScript = this.verify(engine, source, extension, 'commonjs');
        if (!asScript.some((m) => m.fatal)) messages = asScript;
      }
    } catch (error) {
      // A rule crash on odd code must not stop the whole scan.
      return { findings: [], fixes: new Map(), parseError: `Analysis failed: ${error instanceof Error ? error.message : String(error)}` };
    }

    const fatal = messages.find((m) => m.fatal);
    if (fatal) {
      return { findings: [], fixes: new Map(), parseError: `${fatal.message} (line ${fatal.line}, column ${fatal.column})` };
    }

    const findings: Finding[] = [];
    const fixes = new Map<string, Rule.Fix>();
    for (const message of messages) {
      if (message.ruleId === null || message.line < 1) continue;
      if (RULES_SKIPPED_IN_TESTS.has(message.ruleId) && TEST_FILE.test(relative)) continue;
      const info = ruleInfo(message.ruleId);
      const column = Math.max(1, message.column);
      const id = findingId(message.ruleId, relative, message.line, column, message.message);
      const finding: Finding = {
        id,
        ruleId: message.ruleId,
        severity: info.severity,
        // A rule may quote the code it flags; a finding is shown and stored everywhere, so no secret rides along.
        message: maskSecrets(message.message),
        file: relative,
        line: message.line,
        column,
        recommendation: info.recommendation,
        fixable: message.fix !== undefined,
        agent: SECURITY_AGENT,
      };
      if (message.endLine !== undefined && message.endLine >= 1) finding.endLine = message.endLine;
      if (message.endColumn !== undefined && message.endColumn >= 1) finding.endColumn = message.endColumn;
      if (message.fix) fixes.set(id, message.fix);
      findings.push(finding);
    }
    findings.sort((a, b) => a.line - b.line || a.column - b.column);
    return { findings, fixes };
  }

  private verify(engine: Analyzers, source: string, extension: string, sourceType: 'module' | 'commonjs'): Linter.LintMessage[] {
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
          [LOCAL_PLUGIN_NAME]: agentOrchestratorPlugin,
        },
        rules: {
          ...pluginRules,
          [`${LOCAL_PLUGIN_NAME}/missing-tenant-filter`]: ['error', { tenantKeys: this.tenantKeys }],
          [`${LOCAL_PLUGIN_NAME}/hardcoded-secret`]: 'error',
          [`${LOCAL_PLUGIN_NAME}/sql-injection`]: 'error',
        },
      },
    ];
    return engine.linter.verify(source, config, { filename: virtualName });
  }
}
