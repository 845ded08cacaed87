// Per-file results of the security scan, kept between runs in the workspace's .agent-orchestrator folder, so that a
// rescan of an unchanged workspace re-reads files but analyses none of them again. An entry is found by the file's
// path and content (sha256); the whole cache belongs to one rules fingerprint (the rule code, the analyzer packages
// and the scanner's options), so any change to what a scan would report empties it.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ensureDirInside, readFileNoFollow, realPathInside, writeFileAtomic } from '../../../core/files/safeFiles';
import { FindingSchema, type Finding } from '../../../core/protocol/findings';
import type { TemplateFact } from './templates/templateCodeRules';

export const SCAN_CACHE_FOLDER = path.join('.agent-orchestrator', 'cache');
export const SCAN_CACHE_FILE = 'security-scan.json';
/** Bumped when the file's layout changes. */
const FORMAT = 2;
/** A workspace of 20,000 source files fits; past that the least recently used entries go. */
export const MAX_CACHE_ENTRIES = 20_000;
/** Past this size the cache costs more to read than it saves; larger files on disk are ignored and rebuilt. */
export const MAX_CACHE_BYTES = 32 * 1024 * 1024;

export interface CachedScan {
  findings: Finding[];
  /** Render calls and escaping settings the file's code holds: the template pass needs them even when the file is not analysed again. */
  templateFacts?: TemplateFact[];
}

interface CacheFile {
  format: number;
  fingerprint: string;
  /** Most recently used first. */
  entries: [key: string, result: CachedScan][];
}

/** What the cache did during one scan, for the run's result and the bench. */
export interface ScanCacheStats {
  hits: number;
  misses: number;
  /** Why the cache was not used or not saved, when it was not; the scan itself is unaffected. */
  warning?: string;
}

function isCachedScan(value: unknown): value is CachedScan {
  if (typeof value !== 'object' || value === null) return false;
  const { findings, templateFacts } = value as { findings?: unknown; templateFacts?: unknown };
  return Array.isArray(findings) && findings.every((finding) => FindingSchema.safeParse(finding).success)
    && (templateFacts === undefined || (Array.isArray(templateFacts) && templateFacts.every(isTemplateFact)));
}

function isTemplateFact(value: unknown): value is TemplateFact {
  if (typeof value !== 'object' || value === null) return false;
  const fact = value as { kind?: unknown; call?: unknown; setting?: unknown };
  const detail = fact.kind === 'render' ? fact.call : fact.kind === 'escaping-off' ? fact.setting : undefined;
  return typeof detail === 'object' && detail !== null && typeof (detail as { line?: unknown }).line === 'number';
}

function parseCacheFile(text: string, fingerprint: string): Map<string, CachedScan> | 'stale' | 'corrupt' {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'corrupt';
  }
  const candidate = parsed as Partial<CacheFile> | null;
  if (typeof candidate !== 'object' || candidate === null || !Array.isArray(candidate.entries)) return 'corrupt';
  if (candidate.format !== FORMAT || candidate.fingerprint !== fingerprint) return 'stale';
  const entries = new Map<string, CachedScan>();
  for (const entry of candidate.entries as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string' || !isCachedScan(entry[1])) return 'corrupt';
    entries.set(entry[0], entry[1]);
  }
  return entries;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class ScanCache {
  readonly #root: string;
  readonly #file: string;
  readonly #fingerprint: string;
  #entries = new Map<string, CachedScan>();
  /** Keys read or written by this scan: kept first when the cache is trimmed. */
  readonly #used = new Set<string>();
  #dirty = false;
  /** Set when the cache's path is unsafe or unusable: nothing is written there. */
  #saveRefused = false;
  readonly stats: ScanCacheStats = { hits: 0, misses: 0 };

  private constructor(root: string, fingerprint: string) {
    this.#root = path.resolve(root);
    this.#file = path.join(this.#root, SCAN_CACHE_FOLDER, SCAN_CACHE_FILE);
    this.#fingerprint = fingerprint;
  }

  /**
   * The cache of the workspace at `root`, when the orchestrator already keeps its folder there (a run creates it
   * for its session store): the scan never creates it on its own, so scanning a folder leaves it as it was.
   * A cache file that is unreadable, corrupt, too big or from other rules is ignored and replaced on save; a
   * symbolic link anywhere on its path is never followed (the cache is then neither read nor written).
   */
  static forWorkspace(root: string, fingerprint: string): ScanCache | undefined {
    if (root.length === 0 || !path.isAbsolute(root)) return undefined;
    const orchestratorFolder = path.join(path.resolve(root), '.agent-orchestrator');
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(orchestratorFolder);
    } catch {
      return undefined;
    }
    const cache = new ScanCache(root, fingerprint);
    if (!stat.isDirectory()) {
      cache.stats.warning = `${SCAN_CACHE_FOLDER} is not used: .agent-orchestrator is not a plain folder`;
      return cache.#disabled();
    }
    cache.#load();
    return cache;
  }

  /** Path and content decide an entry: the same text under another name can be reported differently (tests). */
  static keyFor(file: string, content: string): string {
    return createHash('sha256').update(file).update('\u0000').update(content).digest('hex');
  }

  get(key: string): CachedScan | undefined {
    const hit = this.#entries.get(key);
    if (hit) {
      this.stats.hits++;
      this.#used.add(key);
    } else {
      this.stats.misses++;
    }
    return hit;
  }

  set(key: string, result: CachedScan): void {
    this.#entries.set(key, result.templateFacts === undefined ? { findings: result.findings } : { findings: result.findings, templateFacts: result.templateFacts });
    this.#used.add(key);
    this.#dirty = true;
  }

  /** Writes the cache when this scan changed it, trimmed to the bounds. A failure only costs the next scan time. */
  save(): void {
    if (!this.#dirty || this.#saveRefused) return;
    const entries: [string, CachedScan][] = [];
    const add = (key: string): void => {
      const result = this.#entries.get(key);
      if (result && entries.length < MAX_CACHE_ENTRIES) entries.push([key, result]);
    };
    for (const key of this.#used) add(key);
    for (const key of this.#entries.keys()) if (!this.#used.has(key)) add(key);
    let text = JSON.stringify({ format: FORMAT, fingerprint: this.#fingerprint, entries } satisfies CacheFile);
    while (text.length > MAX_CACHE_BYTES && entries.length > 0) {
      entries.splice(Math.floor(entries.length / 2));
      text = JSON.stringify({ format: FORMAT, fingerprint: this.#fingerprint, entries } satisfies CacheFile);
    }
    try {
      ensureDirInside(this.#root, path.dirname(this.#file));
      writeFileAtomic(realPathInside(this.#root, this.#file), text, { durable: false });
      this.#dirty = false;
    } catch (error) {
      this.stats.warning = `The scan cache was not saved: ${describe(error)}`;
    }
  }

  #disabled(): ScanCache {
    this.#saveRefused = true;
    return this;
  }

  #load(): void {
    let bytes: Buffer | null;
    try {
      const file = realPathInside(this.#root, this.#file);
      const stat = fs.lstatSync(file, { throwIfNoEntry: false });
      if (stat === undefined) return;
      if (stat.size > MAX_CACHE_BYTES) return;
      bytes = readFileNoFollow(file);
    } catch (error) {
      // A link on the way, or a file that cannot be read: leave it alone and scan without the cache.
      this.stats.warning = `The scan cache was not used: ${describe(error)}`;
      this.#disabled();
      return;
    }
    if (bytes === null) return;
    const entries = parseCacheFile(bytes.toString('utf8'), this.#fingerprint);
    if (entries instanceof Map) this.#entries = entries;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The rules fingerprint: anything that can change a file's findings without changing the file.

const ANALYZER_PACKAGES = ['eslint', 'eslint-plugin-security', 'eslint-plugin-no-unsanitized', '@typescript-eslint/parser', '@microsoft/eslint-plugin-sdl'];

function packageVersion(name: string): string {
  try {
    // Resolved at run time (never bundled): only the source build reads the installed packages.
    return String((createRequire(__filename)(`${name}/package.json`) as { version?: unknown }).version);
  } catch {
    return 'absent';
  }
}

function hashFolder(hash: ReturnType<typeof createHash>, folder: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(folder).sort();
  } catch {
    return;
  }
  for (const name of names) {
    const entry = path.join(folder, name);
    const stat = fs.lstatSync(entry, { throwIfNoEntry: false });
    if (stat?.isDirectory()) hashFolder(hash, entry);
    else if (stat?.isFile() && /\.[cm]?[jt]s$/.test(name)) hash.update(name).update(fs.readFileSync(entry));
  }
}

let codeIdentity: string | undefined;

/**
 * What identifies the code that produces findings: the bundle this runs from (dist/cli.js, dist/engineHost.js:
 * the rules, the catalog and the analyzer packages are all inside), or, run from the TypeScript sources, the
 * installed analyzer packages' versions, this folder's sources (rules, catalog, scanner) and the secret masking
 * applied to messages.
 */
function scannerCodeIdentity(): string {
  if (codeIdentity !== undefined) return codeIdentity;
  const hash = createHash('sha256');
  if (/\.[cm]?js$/.test(__filename)) {
    try {
      hash.update(fs.readFileSync(__filename));
    } catch {
      // Unreadable bundle: the fingerprint still has the packages' versions, and a random part keeps it unique.
      hash.update(String(Math.random()));
    }
  } else {
    hash.update(ANALYZER_PACKAGES.map((name) => `${name}@${packageVersion(name)}`).join('\u0000'));
    hashFolder(hash, __dirname);
    try {
      hash.update(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'core', 'security', 'secretMasking.ts')));
    } catch {
      hash.update('no-masking-source');
    }
  }
  codeIdentity = hash.digest('hex');
  return codeIdentity;
}

/** A fingerprint of the rule set: the scanner's code (with the analyzer packages) and its `options` (JSON). */
export function rulesFingerprint(options: unknown): string {
  return createHash('sha256')
    .update(`format ${FORMAT}\u0000`)
    .update(scannerCodeIdentity())
    .update(JSON.stringify(options) ?? '')
    .digest('hex');
}
