// The security rules engine of the offline security auditor: ESLint with eslint-plugin-security's recommended
// rules plus our own `agent-orchestrator` rules, run in memory over workspace files (no config files on disk).
import { createHash } from 'node:crypto';
import type { ESLint, Linter, Rule } from 'eslint';
import type { Finding } from '../../../core/protocol/findings';
import type { WorkspaceFiles } from '../../../core/ports';
import { maskSecrets } from '../../../core/security/secretMasking';
import { FACT_EXTENSIONS, gatherCodebaseFacts, NEEDS_PERSON_MARK, NO_FACTS, type CodebaseFacts } from './codebaseFacts';
import { DISABLED_PLUGIN_RULES, ruleInfo } from './ruleCatalog';
import { agentOrchestratorPlugin, DEFAULT_TENANT_KEYS, LOCAL_PLUGIN_NAME } from './rules';
import { analyzeInWorker, scanWorkersAvailable } from './scanWorkerPool';

export interface ScanResult {
  findings: Finding[];
  filesScanned: string[];
  parseErrors: { file: string; message: string }[];
  /** Files not analysed, each with why and what the user can do about it. */
  skipped: { file: string; reason: string }[];
}

export interface SecurityScannerOptions {
  /** Property names that count as a tenant filter; the first one is inserted by the fix. */
  tenantKeys?: string[];
  /** Files larger than this (in UTF-16 code units, about bytes for source code) are skipped with a note. */
  maxFileSize?: number;
  /** What the access-control rules know of the codebase; gathered from the workspace by `prepare` when omitted. */
  facts?: CodebaseFacts;
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

interface Analysis {
  findings: Finding[];
  /** The ESLint fix behind each fixable finding, by finding id. */
  fixes: Map<string, Rule.Fix>;
  parseError?: string;
}

export class SecurityScanner {
  private readonly tenantKeys: string[];
  private readonly maxFileSize: number;
  /** Until `prepare` ran (or facts were given), the scanner knows nothing of the codebase: no tenant, no auth. */
  private facts: CodebaseFacts;
  private factsReady: boolean;

  constructor(private readonly workspace: WorkspaceFiles, options: SecurityScannerOptions = {}) {
    const keys = options.tenantKeys?.filter((k) => k.length > 0) ?? [];
    this.tenantKeys = keys.length > 0 ? keys : [...DEFAULT_TENANT_KEYS];
    this.maxFileSize = options.maxFileSize ?? configuredMaxFileSize();
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
      if (!FACT_EXTENSIONS.includes(extensionOf(file))) continue;
      signal?.throwIfAborted();
      const text = await this.workspace.readFile(file).catch(() => undefined);
      signal?.throwIfAborted();
      if (text === undefined || text.length > this.maxFileSize || text.includes('\u0000')) continue;
      texts.set(file, text);
    }
    this.facts = gatherCodebaseFacts(texts, this.tenantKeys);
    this.factsReady = true;
    return this.facts;
  }

  /** Scans `files`, or every JS/TS source file of the workspace. Throws the signal's reason when aborted. */
  async scan(options: { files?: string[]; signal?: AbortSignal } = {}): Promise<ScanResult> {
    const { signal } = options;
    signal?.throwIfAborted();
    await this.prepare(signal);
    // Filter here rather than pass extensions to listFiles, so the result does not depend on how an
    // implementation spells them ('.ts' or 'ts').
    const candidates = options.files ?? (await this.workspace.listFiles());
    const files = [...new Set(candidates.map((f) => f.replace(/\\/g, '/')))].filter((f) => SCANNED_EXTENSIONS.includes(extensionOf(f)));

    const result: ScanResult = { findings: [], filesScanned: [], parseErrors: [], skipped: [] };
    // A big file goes to a worker when this build has one, so that an abort stops even a file the linter is stuck
    // in; small ones take the linter well under a second, and checking the signal between them is enough.
    const workers = scanWorkersAvailable();
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
      const scanned = workers && source.length >= IN_WORKER_FROM_SIZE
        ? await analyzeInWorker({ file, source, tenantKeys: this.tenantKeys, facts: this.facts }, signal)
        : this.scanSource(file, source);
      result.filesScanned.push(file);
      result.findings.push(...scanned.findings);
      if (scanned.parseError !== undefined) result.parseErrors.push({ file, message: scanned.parseError });
    }
    result.findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
    return result;
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
      messages = this.verify(engine, source, relative, 'module');
      // Plain scripts (`with`, legacy octals) fail in module mode: retry them as CommonJS before giving up.
      if (!TYPESCRIPT_EXTENSIONS.has(extension) && extension !== '.mjs' && messages.some((m) => m.fatal)) {
        const asScript = this.verify(engine, source, relative, 'commonjs');
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
      // A rule says why it offers no fix after a mark; the finding carries that as its own field.
      const mark = message.message.indexOf(NEEDS_PERSON_MARK);
      const text = mark >= 0 ? message.message.slice(0, mark) : message.message;
      const manualFixReason = mark >= 0 && message.fix === undefined ? message.message.slice(mark + NEEDS_PERSON_MARK.length) : undefined;
      const id = findingId(message.ruleId, relative, message.line, column, text);
      const finding: Finding = {
        id,
        ruleId: message.ruleId,
        severity: info.severity,
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
      if (message.endLine !== undefined && message.endLine >= 1) finding.endLine = message.endLine;
      if (message.endColumn !== undefined && message.endColumn >= 1) finding.endColumn = message.endColumn;
      if (message.fix) fixes.set(id, message.fix);
      findings.push(finding);
    }
    findings.sort((a, b) => a.line - b.line || a.column - b.column);
    return { findings, fixes };
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
          [LOCAL_PLUGIN_NAME]: agentOrchestratorPlugin,
        },
        rules: {
          ...pluginRules,
          [`${LOCAL_PLUGIN_NAME}/missing-tenant-filter`]: ['error', { tenantKeys: this.tenantKeys, facts: this.facts, file }],
          [`${LOCAL_PLUGIN_NAME}/missing-access-control`]: ['error', { facts: this.facts, file }],
          [`${LOCAL_PLUGIN_NAME}/hardcoded-secret`]: 'error',
          [`${LOCAL_PLUGIN_NAME}/sql-injection`]: 'error',
        },
      },
    ];
    return engine.linter.verify(source, config, { filename: virtualName });
  }
}
