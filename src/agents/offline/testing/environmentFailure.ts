// Tells a test run that could not start (a package, a command or the whole dependency folder missing) from one
// whose tests failed, so the user is told to install, not to "fix the code under test".
import { maskSecrets } from '../../../core/security/secretMasking';
import type { WorkspaceFiles } from '../../../core/ports';
import type { TestFramework } from './testCommand';

export type EnvironmentProblem =
  /** A package the tests import is not installed (declared in package.json or not). */
  | { kind: 'missing-package'; name: string; declared: boolean }
  /** A program the test command runs is not on PATH (`jest: not found`, exit code 127). */
  | { kind: 'missing-command'; name: string; declared: boolean }
  /** The test runner itself is missing (python3 -m pytest without pytest). */
  | { kind: 'missing-runner'; name: string };

export interface EnvironmentFailure {
  problems: EnvironmentProblem[];
  /** The lines of the output that show the cause: bounded, control characters removed, secrets masked. */
  quote: string[];
}

const MAX_QUOTED_LINES = 8;
const MAX_QUOTED_LINE = 240;

/** An npm package name: optional scope, lower case, no path separators beyond the scope's. */
const PACKAGE_NAME = /^(?:@[a-z0-9~][a-z0-9._~-]*\/)?[a-z0-9~][a-z0-9._~-]*$/;

/** The package part of a bare import specifier ("lodash/fp" -> "lodash", "@scope/x/y" -> "@scope/x"), or null for a path. */
export function packageOfSpecifier(specifier: string): string | null {
  if (/^(?:\.{1,2}(?:\/|$)|\/|[a-zA-Z]:[\\/]|file:|node:|data:|https?:)/.test(specifier)) return null;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return name !== undefined && PACKAGE_NAME.test(name) ? name : null;
}

/** Dependencies the project declares (every kind), from package.json; empty when it has none or it does not parse. */
export async function declaredDependencies(workspace: WorkspaceFiles): Promise<Set<string>> {
  try {
    const manifest = JSON.parse(await workspace.readFile('package.json')) as Record<string, unknown>;
    const names = new Set<string>();
    for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
      const block = manifest[field];
      if (typeof block === 'object' && block !== null) for (const name of Object.keys(block)) names.add(name);
    }
    return names;
  } catch {
    return new Set();
  }
}

/** A command the script ran is usually the bin of a package of the same name (tsc comes from typescript). */
const BIN_PACKAGES: Readonly<Record<string, string>> = { tsc: 'typescript', 'ts-mocha': 'ts-mocha', nyc: 'nyc', c8: 'c8' };

interface Signature {
  pattern: RegExp;
  problem: (match: RegExpExecArray, declared: ReadonlySet<string>) => EnvironmentProblem | null;
}

function missingPackage(specifier: string, declared: ReadonlySet<string>): EnvironmentProblem | null {
  const name = packageOfSpecifier(specifier);
  return name ? { kind: 'missing-package', name, declared: declared.has(name) } : null;
}

function missingCommand(name: string, declared: ReadonlySet<string>): EnvironmentProblem {
  return { kind: 'missing-command', name, declared: declared.has(BIN_PACKAGES[name] ?? name) };
}

/**
 * Output lines that mean the tests could not start. A missing *relative* module is the code's own mistake (a wrong
 * import path) and stays a test failure; only package names count.
 */
const SIGNATURES: readonly Signature[] = [
  // ESM: "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'tsx' imported from /w/"
  { pattern: /Cannot find package '([^']+)' imported from/, problem: (m, d) => missingPackage(m[1], d) },
  // CJS: "Error: Cannot find module 'chai'" (followed by "Require stack:"); Jest: "Cannot find module 'x' from 'y'".
  { pattern: /Cannot find module '([^']+)'(?: from '[^']*')?/, problem: (m, d) => missingPackage(m[1], d) },
  // Vite/Vitest: "Error: Failed to load url supertest (resolved id: supertest)" / "Failed to resolve import "x" from".
  { pattern: /Failed to (?:load url|resolve import) "?([^\s"(]+)"?/, problem: (m, d) => missingPackage(m[1], d) },
  // dash: "sh: 1: vitest: not found"; bash: "sh: jest: command not found"; env: "env: 'tsx': No such file or directory".
  { pattern: /^(?:\/bin\/)?(?:sh|bash|zsh)(?:: line \d+)?(?:: \d+)?: ([\w@./-]+): (?:command )?not found\s*$/, problem: (m, d) => missingCommand(m[1], d) },
  { pattern: /^env: '?([\w@./-]+?)'?: No such file or directory\s*$/, problem: (m, d) => missingCommand(m[1], d) },
  // Windows cmd.exe.
  { pattern: /^'([\w@./-]+)' is not recognized as an internal or external command/, problem: (m, d) => missingCommand(m[1], d) },
  // python3 -m pytest without pytest installed.
  { pattern: /No module named (pytest)\s*$/, problem: (m) => ({ kind: 'missing-runner', name: m[1] }) },
];

/** `line` as it may be quoted to the user: no control characters, secrets masked, bounded in length. */
export function quotableLine(line: string): string {
  // eslint-disable-next-line no-control-regex -- colour codes and other control characters are never echoed raw
  const printable = line.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '').trim();
  const masked = maskSecrets(printable);
  return masked.length > MAX_QUOTED_LINE ? `${masked.slice(0, MAX_QUOTED_LINE - 1)}…` : masked;
}

function problemKey(problem: EnvironmentProblem): string {
  return `${problem.kind}:${problem.name}`;
}

/**
 * The environment problems in a test run's output, or null when the failure (if any) is the tests' own.
 * `exitCode` 127 with no recognisable line still means a command of the test script was not found.
 */
export function classifyEnvironmentFailure(
  output: string,
  exitCode: number | null,
  framework: TestFramework,
  declared: ReadonlySet<string>,
): EnvironmentFailure | null {
  const problems = new Map<string, EnvironmentProblem>();
  const quote: string[] = [];
  const quoted = new Set<string>();
  // Node's test runner echoes a child's stderr as TAP comments ("# Error [...]"); the text after "# " is the line.
  const lines = output.replace(/\r\n?/g, '\n').split('\n').map((line) => line.replace(/^#\s?/, ''));
  for (const raw of lines) {
    const line = quotableLine(raw);
    if (line === '') continue;
    for (const signature of SIGNATURES) {
      const match = signature.pattern.exec(line);
      if (!match) continue;
      const problem = signature.problem(match, declared);
      if (!problem) break;
      // Runners of other ecosystems print "Cannot find module" too, but only Node's name packages this way.
      if (framework !== 'npm' && problem.kind === 'missing-package') break;
      if (!problems.has(problemKey(problem))) problems.set(problemKey(problem), problem);
      // The same error repeats once per test file: quoted once.
      if (!quoted.has(line) && quote.length < MAX_QUOTED_LINES) {
        quoted.add(line);
        quote.push(line);
      }
      break;
    }
  }
  if (problems.size === 0 && exitCode === 127) {
    const last = lines.map(quotableLine).filter((line) => line !== '').slice(-3);
    return { problems: [{ kind: 'missing-command', name: 'a command of the test script', declared: false }], quote: [...last, 'exit code 127 (command not found)'] };
  }
  return problems.size === 0 ? null : { problems: [...problems.values()], quote };
}

export interface InstallCommand {
  command: string;
  args: string[];
  /** The lockfile the command installs from exactly. */
  lockfile: string;
}

async function packageManagerField(workspace: WorkspaceFiles): Promise<string | null> {
  try {
    const value = (JSON.parse(await workspace.readFile('package.json')) as { packageManager?: unknown }).packageManager;
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}

/**
 * The command that installs exactly what the lockfile pins (never a fresh resolution), or null when the workspace
 * has no lockfile: then the versions would be guessed, and the user decides.
 */
export async function detectInstallCommand(workspace: WorkspaceFiles): Promise<InstallCommand | null> {
  for (const lockfile of ['package-lock.json', 'npm-shrinkwrap.json']) {
    if (await workspace.exists(lockfile)) return { command: 'npm', args: ['ci'], lockfile };
  }
  if (await workspace.exists('pnpm-lock.yaml')) return { command: 'pnpm', args: ['install', '--frozen-lockfile'], lockfile: 'pnpm-lock.yaml' };
  if (await workspace.exists('yarn.lock')) {
    // Yarn 1 spells it --frozen-lockfile; Yarn 2+ (Berry, configured in .yarnrc.yml) --immutable.
    const manager = await packageManagerField(workspace);
    const berry = (await workspace.exists('.yarnrc.yml')) || /^yarn@(?:[2-9]|\d{2,})/.test(manager ?? '');
    return { command: 'yarn', args: ['install', berry ? '--immutable' : '--frozen-lockfile'], lockfile: 'yarn.lock' };
  }
  for (const lockfile of ['bun.lock', 'bun.lockb']) {
    if (await workspace.exists(lockfile)) return { command: 'bun', args: ['install', '--frozen-lockfile'], lockfile };
  }
  return null;
}

/** True when package.json declares dependencies and there is no node_modules folder to hold them. */
export async function dependenciesNotInstalled(workspace: WorkspaceFiles, declared: ReadonlySet<string>): Promise<boolean> {
  return declared.size > 0 && !(await workspace.exists('node_modules'));
}

export function describeProblem(problem: EnvironmentProblem): string {
  switch (problem.kind) {
    case 'missing-package':
      return problem.declared ? `package '${problem.name}' is declared in package.json but not installed` : `package '${problem.name}' is not installed and not declared in package.json`;
    case 'missing-command':
      return `command '${problem.name}' was not found${problem.declared ? ' (it comes from a declared dependency that is not installed)' : ''}`;
    case 'missing-runner':
      return `the test runner '${problem.name}' is not installed`;
  }
}
