import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Finding } from '../../../core/protocol/findings';
import type { TestFramework } from './testCommand';

export interface TestFailureSummary {
  passed: number | null;
  failed: number | null;
}

export interface ParsedTestFailures {
  /** Failures with a location inside the workspace. */
  findings: Finding[];
  /** Failures the output gives no workspace location for, as "<test name>: <message>". */
  unlocated: string[];
  summary: TestFailureSummary;
}

export interface ParseTestFailuresOptions {
  /** Module path from go.mod; read from <workspaceRoot>/go.mod when omitted. */
  goModulePath?: string;
}

interface Location {
  file: string;
  line: number;
  column: number;
}

interface RawFailure {
  name: string;
  message: string;
  location: Location | null;
}

const AGENT = 'test-suite-developer';
const MAX_MESSAGE = 400;

/** Folders whose code is not the user's: a frame there is never the place to fix. */
const FOREIGN_SEGMENTS = new Set(['node_modules', 'site-packages', 'dist-packages']);

/** Workspace-relative forward-slash path of `raw`, or null when it is outside the workspace or in dependencies. */
function toWorkspacePath(raw: string, root: string): string | null {
  let candidate = raw.trim();
  if (candidate.startsWith('file://')) {
    try {
      candidate = fileURLToPath(candidate);
    } catch {
      return null;
    }
  }
  if (candidate.startsWith('node:') || candidate.includes('<anonymous>')) return null;
  const absolute = path.resolve(root, candidate);
  const relative = path.relative(path.resolve(root), absolute);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return null;
  const segments = relative.split(path.sep);
  if (segments.some((segment) => FOREIGN_SEGMENTS.has(segment))) return null;
  return segments.join('/');
}

function locate(raw: string, line: string, column: string | undefined, root: string): Location | null {
  const file = toWorkspacePath(raw, root);
  const lineNumber = Number(line);
  if (!file || !Number.isInteger(lineNumber) || lineNumber < 1) return null;
  const columnNumber = column === undefined ? 1 : Number(column);
  return { file, line: lineNumber, column: Number.isInteger(columnNumber) && columnNumber >= 1 ? columnNumber : 1 };
}

/** "at fn (/abs/file.ts:12:5)", "at file:///abs/file.mjs:3:1", "at src/x.js:2:22", or a bare "path:line:col". */
const JS_LOCATION = /(?:\(|\s|^)((?:file:\/\/)?[^\s()'"]+?\.[cm]?[jt]sx?|(?:file:\/\/)?[^\s()'"]+?\.(?:vue|svelte|coffee)):(\d+)(?::(\d+))?/;

/** First location inside the workspace in `lines`; JavaScript stacks list the innermost frame first. */
function firstJsLocation(lines: readonly string[], root: string): Location | null {
  for (const line of lines) {
    const match = JS_LOCATION.exec(line);
    if (!match) continue;
    const location = locate(match[1], match[2], match[3], root);
    if (location) return location;
  }
  return null;
}

/** The first meaningful line of an error; a line ending in ':' ("Expected values to be strictly equal:") takes the next one too. */
function firstAssertion(lines: readonly string[]): string {
  const meaningful = lines.map((l) => l.trim()).filter((l) => l.length > 0 && !/^at\s/.test(l));
  if (meaningful.length === 0) return '';
  const first = meaningful[0];
  return first.endsWith(':') && meaningful.length > 1 && !/^[{}]/.test(meaningful[1]) ? `${first} ${meaningful[1]}` : first;
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

function unquoteYaml(value: string): string {
  const trimmed = value.trim();
  if (trimmed.startsWith("'") && trimmed.endsWith("'")) return trimmed.slice(1, -1).replace(/''/g, "'");
  if (trimmed.startsWith('"') && trimmed.endsWith('"')) {
    try {
      return JSON.parse(trimmed) as string;
    } catch {
      return trimmed.slice(1, -1);
    }
  }
  return trimmed;
}

/** Node's TAP reporter (and other TAP producers): "not ok N - name" with a YAML diagnostic block. */
function parseTap(lines: readonly string[], root: string): RawFailure[] {
  const failures: RawFailure[] = [];
  for (let i = 0; i < lines.length; i++) {
    const head = /^(\s*)not ok \d+(?: -)?\s*(.*?)\s*$/.exec(lines[i]);
    if (!head || /#\s*(?:SKIP|TODO)\b/i.test(head[2])) continue;
    const baseIndent = head[1].length;
    const diag: string[] = [];
    if (lines[i + 1]?.trim() === '---') {
      let j = i + 2;
      while (j < lines.length && lines[j].trim() !== '...' && (lines[j].trim() === '' || indentOf(lines[j]) > baseIndent)) diag.push(lines[j++]);
      i = j;
    }
    const field = (key: string): { value: string; block: string[] } | null => {
      const at = diag.findIndex((l) => new RegExp(`^\\s*${key}:`).test(l));
      if (at < 0) return null;
      const value = diag[at].replace(new RegExp(`^\\s*${key}:\\s*`), '');
      const keyIndent = indentOf(diag[at]);
      const block: string[] = [];
      if (/^[|>][-+]?$/.test(value)) {
        for (let k = at + 1; k < diag.length && (diag[k].trim() === '' || indentOf(diag[k]) > keyIndent); k++) block.push(diag[k]);
      }
      return { value: unquoteYaml(value), block };
    };
    // A suite fails because a test in it failed; that test is reported on its own.
    if (field('failureType')?.value === 'subtestsFailed') continue;
    const error = field('error');
    const message = error ? (error.block.length > 0 ? firstAssertion(error.block) : error.value) : '';
    const stack = field('stack')?.block ?? [];
    let location = firstJsLocation(stack, root);
    if (!location) {
      const declared = field('location') ?? field('at');
      if (declared) location = firstJsLocation([declared.value], root);
    }
    failures.push({ name: head[2] || 'unnamed test', message, location });
  }
  return failures;
}

/** Node's spec reporter; its "✖ failing tests:" recap, when present, holds every failure once. */
function parseNodeSpec(lines: readonly string[], root: string): RawFailure[] {
  const recap = lines.findIndex((l) => /^✖ failing tests:\s*$/.test(l));
  const section = recap >= 0 ? lines.slice(recap + 1) : lines;
  const failures: RawFailure[] = [];
  for (let i = 0; i < section.length; i++) {
    const head = /^(\s*)✖ (.+?)(?: \([\d.]+m?s\))?\s*$/.exec(section[i]);
    if (!head) continue;
    const indent = head[1].length;
    const body: string[] = [];
    let j = i + 1;
    while (j < section.length && (section[j].trim() === '' || indentOf(section[j]) > indent)) body.push(section[j++]);
    // No body: a suite, failed because of a test reported separately.
    if (body.every((l) => l.trim() === '')) continue;
    const declared = /^test at (.+:\d+(?::\d+)?)\s*$/.exec(section[i - 1] ?? '');
    const location = firstJsLocation(body, root) ?? (declared ? firstJsLocation([declared[1]], root) : null);
    failures.push({ name: head[2], message: firstAssertion(body), location });
    i = j - 1;
  }
  return failures;
}

/** Mocha's "N failing" list: "  1) suite\n       test:\n     Error: ...\n      at ...". */
function parseMocha(lines: readonly string[], root: string): RawFailure[] {
  const start = lines.findIndex((l) => /^\s*\d+ failing\b/.test(l));
  if (start < 0) return [];
  const failures: RawFailure[] = [];
  let i = start + 1;
  while (i < lines.length) {
    const head = /^\s{0,4}(\d+)\) (.*)$/.exec(lines[i]);
    if (!head) {
      i++;
      continue;
    }
    const title = [head[2].trim()];
    let j = i + 1;
    // Title lines continue until the one ending in ':'.
    if (!head[2].trimEnd().endsWith(':')) {
      while (j < lines.length && lines[j].trim() !== '' && !lines[j].trimEnd().endsWith(':')) title.push(lines[j++].trim());
      if (j < lines.length && lines[j].trim() !== '') title.push(lines[j++].trim());
    }
    const body: string[] = [];
    while (j < lines.length && !/^\s{0,4}\d+\) /.test(lines[j])) body.push(lines[j++]);
    failures.push({ name: title.join(' ').replace(/:$/, ''), message: firstAssertion(body), location: firstJsLocation(body, root) });
    i = j;
  }
  return failures;
}

/** Jest and Vitest: "● suite › test" (Vitest: "FAIL file > suite > test") followed by the error and a stack. */
function parseJestLike(lines: readonly string[], root: string): RawFailure[] {
  const failures: RawFailure[] = [];
  for (let i = 0; i < lines.length; i++) {
    const head = /^\s*● (.+)$/.exec(lines[i]) ?? /^\s*FAIL\s+(\S+\s+>\s+.+)$/.exec(lines[i]);
    if (!head) continue;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !/^\s*● /.test(lines[j]) && !/^\s*FAIL\s+\S+\s+>/.test(lines[j]) && !/^\s*Test (?:Suites|Files):/.test(lines[j])) body.push(lines[j++]);
    failures.push({ name: head[1].trim(), message: firstAssertion(body.filter((l) => !/^\s*[>|]?\s*\d+\s*\|/.test(l))), location: firstJsLocation(body, root) });
    i = j - 1;
  }
  return failures;
}

function sumAll(text: string, pattern: RegExp): number | null {
  let total: number | null = null;
  for (const match of text.matchAll(pattern)) total = (total ?? 0) + Number(match[1]);
  return total;
}

function npmSummary(output: string): TestFailureSummary {
  const node = { passed: sumAll(output, /^[#ℹ] pass (\d+)\s*$/gm), failed: sumAll(output, /^[#ℹ] fail (\d+)\s*$/gm) };
  if (node.passed !== null || node.failed !== null) return node;
  const mocha = { passed: sumAll(output, /^\s*(\d+) passing\b/gm), failed: sumAll(output, /^\s*(\d+) failing\b/gm) };
  if (mocha.passed !== null || mocha.failed !== null) return { passed: mocha.passed, failed: mocha.failed ?? 0 };
  // Jest "Tests:       1 failed, 2 passed, 3 total"; Vitest "      Tests  1 failed | 2 passed (3)".
  const lines = [...output.matchAll(/^\s*Tests:?\s+(.*\b(?:passed|failed)\b.*)$/gm)].map((m) => m[1]);
  if (lines.length === 0) return { passed: null, failed: null };
  const count = (word: string): number =>
    lines.reduce((sum, line) => sum + Number(new RegExp(`(\\d+) ${word}`).exec(line)?.[1] ?? 0), 0);
  return { passed: count('passed'), failed: count('failed') };
}

function parseNpm(output: string, lines: readonly string[], root: string): { failures: RawFailure[]; summary: TestFailureSummary } {
  let failures: RawFailure[];
  if (/^\s*not ok \d+/m.test(output)) failures = parseTap(lines, root);
  else if (/^\s*✖ /m.test(output)) failures = parseNodeSpec(lines, root);
  else if (/^\s*\d+ failing\b/m.test(output)) failures = parseMocha(lines, root);
  else failures = parseJestLike(lines, root);
  return { failures, summary: npmSummary(output) };
}

/** pytest: FAILURES/ERRORS sections ("___ test_x ___" blocks, "E   ..." lines, "path.py:LINE: Error") and the short summary. */
function parsePytest(lines: readonly string[], root: string): { failures: RawFailure[]; summary: TestFailureSummary } {
  const failures: RawFailure[] = [];
  const byName = new Map<string, RawFailure>();
  let inSection = false;
  let current: { name: string; body: string[] } | null = null;
  const flush = (): void => {
    if (!current) return;
    const errorLines = current.body.filter((l) => /^E\s/.test(l)).map((l) => l.replace(/^E\s+/, ''));
    let location: Location | null = null;
    // The traceback runs outermost to innermost; the innermost frame in the workspace is where it failed.
    for (const line of current.body) {
      const match = /^(\S[^:]*\.py):(\d+):(?:\s|$)/.exec(line);
      const found = match ? locate(match[1], match[2], undefined, root) : null;
      if (found) location = found;
    }
    const failure: RawFailure = { name: current.name, message: firstAssertion(errorLines), location };
    failures.push(failure);
    byName.set(current.name, failure);
    current = null;
  };
  for (const line of lines) {
    const header = /^=+ (.+?) =+$/.exec(line);
    if (header) {
      flush();
      inSection = /^(FAILURES|ERRORS)$/.test(header[1]);
      continue;
    }
    if (!inSection) continue;
    const block = /^_+ (.+?) _+$/.exec(line);
    if (block && /[^_ ]/.test(block[1])) {
      flush();
      current = { name: block[1], body: [] };
    } else current?.body.push(line);
  }
  flush();

  // Short summary lines name the file; they also cover runs with --tb=no, which print no blocks.
  for (const line of lines) {
    const match = /^(FAILED|ERROR) (\S+?\.py)(?:::(\S+))?(?: - (.*))?$/.exec(line);
    if (!match) continue;
    const testName = match[3] ? match[3].split('::').join('.') : null;
    const known = byName.get(testName ?? `ERROR collecting ${match[2]}`);
    if (known) {
      if (!known.location) known.location = locate(match[2], '1', undefined, root);
      continue;
    }
    failures.push({
      name: match[3] ? `${match[2]}::${match[3]}` : match[2],
      message: match[4] ?? (match[1] === 'ERROR' ? 'error' : ''),
      // The summary names the file but not the line; the file is still where the user has to look.
      location: locate(match[2], '1', undefined, root),
    });
  }

  const closing = [...lines].reverse().find((l) => /\b\d+ (?:passed|failed|errors?)\b.* in [\d.]+s/.test(l)) ?? '';
  const num = (pattern: RegExp): number | null => {
    const m = pattern.exec(closing);
    return m ? Number(m[1]) : null;
  };
  const failed = num(/(\d+) failed/);
  const errors = num(/(\d+) errors?/);
  const summary: TestFailureSummary = closing
    ? { passed: num(/(\d+) passed/) ?? 0, failed: (failed ?? 0) + (errors ?? 0) }
    : { passed: null, failed: null };
  return { failures, summary };
}

function readGoModulePath(root: string): string | null {
  try {
    return /^module\s+(\S+)/m.exec(readFileSync(path.join(root, 'go.mod'), 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

/** go test: "--- FAIL: TestX (0.00s)" then "    x_test.go:12: message", closed by "FAIL\tpkg\t0.01s" per package. */
function parseGo(lines: readonly string[], root: string, options: ParseTestFailuresOptions): { failures: RawFailure[]; summary: TestFailureSummary } {
  type Pending = { name: string; indent: number; body: string[]; leaf: boolean };
  const failures: RawFailure[] = [];
  const packages = lines.map((l) => /^(?:ok\s+|FAIL\t)(\S+)\s/.exec(l)?.[1]).filter((p): p is string => p !== undefined);
  const modulePath =
    options.goModulePath ??
    readGoModulePath(root) ??
    // Without go.mod the shortest package that prefixes all others is the best guess at the module root.
    packages.reduce<string | null>((best, p) => (packages.every((q) => q === p || q.startsWith(`${p}/`)) && (best === null || p.length < best.length) ? p : best), null);

  let pending: Pending[] = [];
  let passed = 0;
  let sawPass = false;
  let current: Pending | null = null;

  const settle = (pkg: string | null): void => {
    let dir = '';
    if (pkg && modulePath && (pkg === modulePath || pkg.startsWith(`${modulePath}/`))) dir = pkg.slice(modulePath.length + 1);
    for (const failure of pending) {
      if (!failure.leaf) continue;
      let location: Location | null = null;
      const messages: string[] = [];
      for (const line of failure.body) {
        const inline = /^\s+([\w.-]+\.go):(\d+): ?(.*)$/.exec(line);
        if (inline) {
          location ??= locate(dir ? `${dir}/${inline[1]}` : inline[1], inline[2], undefined, root);
          messages.push(inline[3]);
          continue;
        }
        // Panic traces carry absolute paths: "\t/home/u/calc/calc.go:12 +0x1d".
        const frame = /^\t(\/\S+\.go):(\d+)(?: \+0x[0-9a-f]+)?$/.exec(line);
        if (frame) location ??= locate(frame[1], frame[2], undefined, root);
        else if (/^panic: /.test(line) && messages.length === 0) messages.push(line.replace(/ \[recovered\]$/, ''));
      }
      failures.push({ name: failure.name, message: messages[0] ?? '', location });
    }
    pending = [];
    current = null;
  };

  for (const line of lines) {
    const fail = /^(\s*)--- FAIL: (\S+)/.exec(line);
    if (fail) {
      const indent = fail[1].length;
      // A test whose subtests failed is reported through them.
      for (const earlier of pending) if (earlier.indent < indent && fail[2].startsWith(`${earlier.name}/`)) earlier.leaf = false;
      current = { name: fail[2], indent, body: [], leaf: true };
      pending.push(current);
      continue;
    }
    if (/^\s*--- PASS: /.test(line)) {
      sawPass = true;
      passed++;
      current = null;
      continue;
    }
    const pkg = /^(?:FAIL|ok)\s+(\S+)\s/.exec(line);
    if (pkg) {
      settle(pkg[1]);
      continue;
    }
    current?.body.push(line);
  }
  settle(null);
  const anyResult = packages.length > 0 || failures.length > 0;
  return {
    failures,
    // Without -v go prints no passing tests, only "ok <package>" lines, so the passed count is unknown.
    summary: { passed: sawPass ? passed : null, failed: anyResult ? failures.length : null },
  };
}

/** cargo test: "---- name stdout ----" blocks with "panicked at src/lib.rs:10:5:", and "test result:" lines. */
function parseCargo(lines: readonly string[], root: string): { failures: RawFailure[]; summary: TestFailureSummary } {
  const failures: RawFailure[] = [];
  const reported = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    // Compile errors stop every test; the first line of each error is the thing to fix.
    const compile = /^error(?:\[E\d+\])?: (.+)$/.exec(lines[i]);
    const arrow = compile ? /^\s+--> (.+?):(\d+):(\d+)$/.exec(lines[i + 1] ?? '') : null;
    if (compile && arrow) {
      failures.push({ name: 'build', message: compile[1], location: locate(arrow[1], arrow[2], arrow[3], root) });
      continue;
    }
    const block = /^---- (.+?) stdout ----$/.exec(lines[i]);
    if (!block) continue;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !/^---- .+ stdout ----$/.test(lines[j]) && lines[j] !== 'failures:') body.push(lines[j++]);
    i = j - 1;
    let message = '';
    let location: Location | null = null;
    for (let k = 0; k < body.length; k++) {
      const modern = /panicked at (.+?):(\d+):(\d+):$/.exec(body[k]);
      // Before Rust 1.73 the message came first, quoted, and could span lines: "panicked at 'msg\n...', src/lib.rs:10:5".
      const legacy = body[k].includes("panicked at '") ? /panicked at '([\s\S]*?)', (\S+?):(\d+):(\d+)$/m.exec(body.slice(k).join('\n')) : null;
      if (modern) {
        location = locate(modern[1], modern[2], modern[3], root);
        const rest = body.slice(k + 1);
        message = firstAssertion(rest.filter((l) => !/^(?:stack backtrace:|note: )/.test(l)).slice(0, 1));
        // assert_eq! puts the compared values on the next lines; they are what the user needs to see.
        const values = rest.slice(1, 3).map((l) => l.trim()).filter((l) => /^(?:left|right):/.test(l));
        if (values.length > 0) message = `${message} (${values.join(', ')})`;
        break;
      }
      if (legacy) {
        location = locate(legacy[2], legacy[3], legacy[4], root);
        message = legacy[1].split('\n')[0];
        break;
      }
    }
    if (!location) {
      // A panic inside a dependency: the backtrace's first frame in the workspace is the caller to look at.
      for (const line of body) {
        const frame = /^\s+at (.+?):(\d+):(\d+)$/.exec(line);
        location = frame ? locate(frame[1], frame[2], frame[3], root) : null;
        if (location) break;
      }
    }
    reported.add(block[1]);
    failures.push({ name: block[1], message, location });
  }
  // Failures without captured output (e.g. "note: test did not panic as expected" under --nocapture).
  for (const line of lines) {
    const match = /^test (\S+) \.\.\. FAILED$/.exec(line);
    if (match && !reported.has(match[1])) {
      reported.add(match[1]);
      failures.push({ name: match[1], message: '', location: null });
    }
  }
  const results = [...lines.join('\n').matchAll(/^test result: (?:ok|FAILED)\. (\d+) passed; (\d+) failed/gm)];
  return {
    failures,
    summary:
      results.length === 0
        ? { passed: null, failed: null }
        : { passed: results.reduce((s, m) => s + Number(m[1]), 0), failed: results.reduce((s, m) => s + Number(m[2]), 0) },
  };
}

const RERUN: Record<TestFramework, string> = {
  npm: 'npm test',
  pytest: 'python3 -m pytest',
  go: 'go test ./...',
  cargo: 'cargo test',
};

/**
 * Failures in a test run's output, each at the file and line the output points to (innermost frame inside the
 * workspace, never in dependencies), plus the pass/fail counts of the runner's closing lines.
 */
export function parseTestFailures(
  output: string,
  framework: TestFramework,
  workspaceRoot: string,
  options: ParseTestFailuresOptions = {},
): ParsedTestFailures {
  // eslint-disable-next-line no-control-regex -- colour codes would break every pattern below
  const clean = output.replace(/\r\n?/g, '\n').replace(/\u001b\[[0-9;]*m/g, '');
  const lines = clean.split('\n');
  const root = path.resolve(workspaceRoot);
  const parsed =
    framework === 'npm'
      ? parseNpm(clean, lines, root)
      : framework === 'pytest'
        ? parsePytest(lines, root)
        : framework === 'go'
          ? parseGo(lines, root, options)
          : parseCargo(lines, root);

  const findings: Finding[] = [];
  const unlocated: string[] = [];
  const seen = new Set<string>();
  for (const failure of parsed.failures) {
    const text = (failure.message ? `${failure.name}: ${failure.message}` : failure.name).slice(0, MAX_MESSAGE);
    if (!failure.location) {
      unlocated.push(text);
      continue;
    }
    const { file, line, column } = failure.location;
    const key = `${failure.name}\u0000${file}\u0000${line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const ruleId = `test-failure/${framework}`;
    findings.push({
      // Name and file, not line: the id stays the same while the code around the failure is edited.
      id: `test-failure-${createHash('sha256').update(`${ruleId}\u0000${file}\u0000${failure.name}`).digest('hex').slice(0, 16)}`,
      ruleId,
      severity: 'high',
      message: text,
      file,
      line,
      column,
      recommendation: `Fix the code under test, or the test if the expected behaviour changed on purpose; then run \`${RERUN[framework]}\` again.`,
      fixable: false,
      agent: AGENT,
    });
  }
  const failedCount = findings.length + unlocated.length;
  const summary = { ...parsed.summary };
  // Output cut short (timeout, truncation) may lack the closing lines; the failures seen are a lower bound.
  if (summary.failed === null && failedCount > 0) summary.failed = failedCount;
  return { findings, unlocated, summary };
}
