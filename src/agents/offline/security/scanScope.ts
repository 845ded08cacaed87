// What the security scan reads: which files are code, templates or configuration, which are third-party or generated
// (left out, and said), and which are tests (scanned, reported apart at a lower severity).
import { ScanSkipCategorySchema, type ScanCoverage, type ScanSkipCategory, type Severity } from '../../../core/protocol/findings';

export type ScannedKind = 'code' | 'template' | 'config';

export const CODE_EXTENSIONS: readonly string[] = ['.js', '.jsx', '.mjs', '.cjs', '.ts', '.tsx', '.mts', '.cts'];
/** Server-side template files; `.html` counts when it holds template tags (Swig, Nunjucks, EJS), see templates/. */
export const TEMPLATE_EXTENSIONS: readonly string[] = ['.ejs', '.hbs', '.handlebars', '.mustache', '.pug', '.jade', '.njk', '.nunjucks', '.swig', '.twig', '.html'];

/** Configuration that commonly carries credentials. */
function isConfigFile(file: string): boolean {
  const name = file.slice(file.lastIndexOf('/') + 1).toLowerCase();
  if (name === '.env' || name.startsWith('.env.') || name.endsWith('.env')) return true;
  if (name === 'package.json' || /^docker-compose[\w.-]*\.ya?ml$/.test(name) || /^compose\.ya?ml$/.test(name)) return true;
  if (/^\.?npmrc$/.test(name) || name === 'config.json' || name === 'secrets.json' || name === 'credentials.json') return true;
  // config/default.json, config/production.yaml, settings/database.yml …
  return /(^|\/)(config|configs|conf|settings)\/[^/]+\.(json|ya?ml|toml|ini|properties)$/i.test(file);
}

export function extensionOf(file: string): string {
  const match = /\.[^./\\]+$/.exec(file);
  return match ? match[0].toLowerCase() : '';
}

/** What the scanner does with a file, or undefined for a file type it does not read. */
export function scannedKindOf(file: string): ScannedKind | undefined {
  const extension = extensionOf(file);
  if (CODE_EXTENSIONS.includes(extension)) return 'code';
  if (isConfigFile(file)) return 'config';
  if (TEMPLATE_EXTENSIONS.includes(extension)) return 'template';
  return undefined;
}

/** Tests, specs, fixtures and end-to-end suites: their code never runs in production. */
const TEST_PATH = /(^|\/)(test|tests|__tests__|__mocks__|fixtures|spec|specs|e2e|cypress|playwright)\/|\.(test|spec|e2e|cy)\.[cm]?[jt]sx?$/i;

export function isTestFile(file: string): boolean {
  return TEST_PATH.test(file);
}

/** A finding in test code matters less: anything at most `low`, and `low` becomes `info`. */
export function testSeverity(severity: Severity): Severity {
  return severity === 'low' || severity === 'info' ? 'info' : 'low';
}

export interface ScopeSkip {
  category: ScanSkipCategory;
  /** Shown once per category, so it says what the category means and what the user can do. */
  reason: string;
}

export const SKIP_REASONS: Readonly<Record<ScanSkipCategory, string>> = {
  gitignored: 'ignored by a .gitignore file (not part of the committed source)',
  'build-output': 'build output (dist, build, out, .next, coverage…): generated from the sources, which are scanned',
  vendored: 'third-party code copied into the project (vendor folders, public/**/lib, *.min.js): update the library instead of auditing it',
  minified: 'minified code (very long lines of dense code): generated, not hand-written',
  bundled: 'a bundle or compiled output (webpack/rollup/esbuild header or a sourceMappingURL comment): its sources are scanned',
  'too-large': 'over the scan size limit',
  binary: 'binary data (NUL bytes), not source text',
  unreadable: 'could not be read',
};

/** Third-party code recognised by where it lives or how it is named. */
const VENDORED_PATH = /(^|\/)(vendor|vendors|third[_-]party|bower_components|jspm_packages)\/|(^|\/)(public|static|assets|wwwroot|www|web)\/(.+\/)?(lib|libs|vendor|vendors|plugins)\/|[.-]min\.[cm]?js$|\.bundle\.[cm]?js$|\.chunk\.[cm]?js$/i;

export function skipByPath(file: string): ScopeSkip | undefined {
  return VENDORED_PATH.test(file) ? { category: 'vendored', reason: SKIP_REASONS.vendored } : undefined;
}

/** Markers a bundler writes into its output. Searched in the head of the file only, where they sit. */
const BUNDLE_HEADER = /\/\*{6}\/|webpackBootstrap|__webpack_require__|webpackChunk|parcelRequire|\/\/ rollup|System\.register\(|var __defProp = Object\.defineProperty|\(function \(global, factory\) \{\s*typeof exports === 'object'/;
const SOURCE_MAP_COMMENT = /^\s*\/\/[#@] sourceMappingURL=\S+\s*$/m;
/** A hand-written line can be long (a URL, a base64 constant, a one-line PEM key); a minified one is long and dense
 * with code punctuation. */
const LONG_LINE = 1000;
const CODE_PUNCTUATION = /[;{}(),=]/g;

function isMinifiedLine(line: string): boolean {
  if (line.length < LONG_LINE) return false;
  const punctuation = line.match(CODE_PUNCTUATION)?.length ?? 0;
  return punctuation / line.length > 0.04;
}

/** Generated JavaScript recognised by its text: a bundle header, a source map comment, or minified lines. */
export function skipByContent(source: string): ScopeSkip | undefined {
  if (BUNDLE_HEADER.test(source.slice(0, 4096))) return { category: 'bundled', reason: SKIP_REASONS.bundled };
  const tail = source.slice(-2048);
  if (SOURCE_MAP_COMMENT.test(tail)) return { category: 'bundled', reason: SKIP_REASONS.bundled };
  let start = 0;
  while (start < source.length) {
    const end = source.indexOf('\n', start);
    const stop = end === -1 ? source.length : end;
    if (stop - start >= LONG_LINE && isMinifiedLine(source.slice(start, stop))) return { category: 'minified', reason: SKIP_REASONS.minified };
    start = stop + 1;
  }
  return undefined;
}

/** How many paths of each category the coverage lists by name; the count is always complete. */
const PATHS_PER_CATEGORY = 20;
const MAX_PARSE_ERRORS = 200;

/** Collects what a scan left out, by category, bounded. */
export class CoverageCollector {
  readonly #skipped = new Map<ScanSkipCategory, { count: number; reason: string; paths: string[] }>();
  readonly #parseErrors: { file: string; message: string }[] = [];
  #parseErrorCount = 0;

  skip(path: string, category: ScanSkipCategory, reason: string = SKIP_REASONS[category]): void {
    const entry = this.#skipped.get(category) ?? { count: 0, reason, paths: [] };
    entry.count += 1;
    if (entry.paths.length < PATHS_PER_CATEGORY) entry.paths.push(path);
    this.#skipped.set(category, entry);
  }

  parseError(file: string, message: string): void {
    this.#parseErrorCount += 1;
    if (this.#parseErrors.length < MAX_PARSE_ERRORS) this.#parseErrors.push({ file, message });
  }

  coverage(filesScanned: number, findingsInTests: number): ScanCoverage {
    return {
      filesScanned,
      // In the order of the categories, so every view lists them alike whatever order the files came in.
      skipped: ScanSkipCategorySchema.options.flatMap((category) => {
        const entry = this.#skipped.get(category);
        return entry ? [{ category, count: entry.count, reason: entry.reason, paths: [...entry.paths] }] : [];
      }),
      parseErrors: [...this.#parseErrors],
      findingsInTests,
    };
  }
}

/** "not scanned: 20 vendored (public/js/lib/, vendor/, …), 1 too large (public/bundle.js)" */
export function describeSkipped(coverage: ScanCoverage): string {
  if (coverage.skipped.length === 0) return '';
  const entries = coverage.skipped.map((entry) => `${entry.count} ${entry.category.replace('-', ' ')} (${entry.paths.slice(0, 3).join(', ')}${entry.count > 3 ? ', …' : ''})`);
  return `not scanned: ${entries.join(', ')}`;
}
