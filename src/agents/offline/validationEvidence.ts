// Evidence a validator gathers before approving a change, beyond the security re-scan: whether the changed files
// still type-check (where the workspace has a tsconfig.json) and whether the workspace's tests pass (only when the
// user allowed commands, and only against files that hold the change). Each check ends passed, failed or not run,
// with a detail a person can act on.
import path from 'node:path';
import { applyPatch, parsePatch, reversePatch } from 'diff';
import type { ServiceEnvironment } from '../../core/orchestrator/agentRuntime';
import type { ValidationCheck } from '../../core/protocol/messages';
import { detectTestCommand } from './testing/testCommand';
import { parseTestFailures } from './testing/testFailureParser';

/** A project bigger than this is not type-checked in the engine's process: it would stall the run. */
const MAX_TYPECHECK_PROJECT_FILES = 3_000;
/** Checking stops (and says so) once this much time went into it. */
export const TYPECHECK_BUDGET_MS = 60_000;
const TEST_TIMEOUT_MS = 180_000;
const MAX_LISTED = 5;

/**
 * The changed files as they were before this run's changes, undone from the recorded diffs. A file whose diff does
 * not undo cleanly (its text was masked where a secret sits) is listed in `notUndone` instead; an unreadable file in
 * neither.
 */
export async function contentsBeforeChanges(env: ServiceEnvironment, files: readonly string[]): Promise<{ originals: Map<string, string>; notUndone: string[] }> {
  const changes = env.runState().changes;
  const originals = new Map<string, string>();
  const notUndone: string[] = [];
  for (const file of files) {
    const current = await env.workspace.readFile(file).catch(() => null);
    if (current === null) continue;
    let content: string | false = current;
    for (const change of changes.filter((c) => c.file === file).reverse()) {
      const patch = parsePatch(change.diff)[0];
      content = content === false || !patch ? false : applyPatch(content, reversePatch(patch));
    }
    if (content === false) notUndone.push(file);
    else originals.set(file, content);
  }
  return { originals, notUndone };
}

type TypeScriptModule = typeof import('typescript');

function loadTypeScript(): TypeScriptModule | undefined {
  try {
    // Our own copy (a dependency of the extension), never the workspace's: loading that would run its code.
    return require('typescript') as TypeScriptModule;
  } catch {
    return undefined;
  }
}

function listed(items: readonly string[]): string {
  return `${items.slice(0, MAX_LISTED).join('; ')}${items.length > MAX_LISTED ? `; and ${items.length - MAX_LISTED} more` : ''}`;
}

/**
 * Type-checks the changed files of the project described by the workspace's tsconfig.json, with their new contents
 * and again with their contents before the change, and fails when the change brings type errors in. Only the
 * changed files' diagnostics are computed (the rest of the project is read for types only).
 */
export async function typeCheckChange(env: ServiceEnvironment, files: readonly string[], before: ReadonlyMap<string, string>): Promise<ValidationCheck & { errors: string[] }> {
  const notRun = (detail: string): ValidationCheck & { errors: string[] } => ({ name: 'types', status: 'not run', detail, errors: [] });
  if (!(await env.workspace.exists('tsconfig.json'))) return notRun('no tsconfig.json in the workspace');
  const ts = loadTypeScript();
  if (!ts) return notRun('the TypeScript compiler is not available in this installation');
  const root = env.workspace.root;
  const configPath = env.workspace.resolve('tsconfig.json');
  const configText = await env.workspace.readFile('tsconfig.json').catch(() => null);
  if (configText === null) return notRun('tsconfig.json could not be read');
  const parsedJson = ts.parseConfigFileTextToJson(configPath, configText);
  if (parsedJson.error) return notRun(`tsconfig.json does not parse: ${ts.flattenDiagnosticMessageText(parsedJson.error.messageText, ' ')}`);
  const config = ts.parseJsonConfigFileContent(parsedJson.config, ts.sys, path.dirname(configPath), undefined, configPath);
  if (config.fileNames.length > MAX_TYPECHECK_PROJECT_FILES) return notRun(`the project has ${config.fileNames.length} files, more than the ${MAX_TYPECHECK_PROJECT_FILES} checked in process`);
  const absolute = new Map(files.map((file) => [path.normalize(env.workspace.resolve(file)), file]));
  const inProject = config.fileNames.filter((name) => absolute.has(path.normalize(name)));
  if (inProject.length === 0) return notRun(`none of the changed files (${files.join(', ')}) is part of the TypeScript project`);

  const after = new Map<string, string>();
  for (const file of files) {
    const text = await env.workspace.readFile(file).catch(() => null);
    if (text !== null) after.set(file, text);
  }
  const options = { ...config.options, noEmit: true, skipLibCheck: true, incremental: false, composite: false };
  const started = Date.now();
  const diagnose = (contents: ReadonlyMap<string, string>, oldProgram?: import('typescript').Program): { messages: string[]; program: import('typescript').Program; complete: boolean } => {
    const host = ts.createCompilerHost(options, true);
    const overlay = (fileName: string): string | undefined => {
      const relative = absolute.get(path.normalize(fileName));
      return relative === undefined ? undefined : contents.get(relative);
    };
    const readFile = host.readFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    const getSourceFile = host.getSourceFile.bind(host);
    host.readFile = (fileName) => overlay(fileName) ?? readFile(fileName);
    host.fileExists = (fileName) => overlay(fileName) !== undefined || fileExists(fileName);
    host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
      const text = overlay(fileName);
      return text !== undefined ? ts.createSourceFile(fileName, text, languageVersion, true) : getSourceFile(fileName, languageVersion, onError, shouldCreate);
    };
    const program = ts.createProgram({ rootNames: config.fileNames, options, host, ...(oldProgram ? { oldProgram } : {}) });
    const messages: string[] = [];
    let complete = true;
    for (const name of inProject) {
      if (Date.now() - started > TYPECHECK_BUDGET_MS) {
        complete = false;
        break;
      }
      const sourceFile = program.getSourceFile(name);
      if (!sourceFile) continue;
      for (const diagnostic of [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)]) {
        const where = diagnostic.file && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start) : undefined;
        const relative = path.relative(root, diagnostic.file?.fileName ?? name).split(path.sep).join('/');
        messages.push(`${relative}${where ? `:${where.line + 1}` : ''} TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`);
      }
    }
    return { messages, program, complete };
  };

  env.signal.throwIfAborted();
  const changed = diagnose(after);
  if (!changed.complete) return notRun(`type-checking took longer than ${TYPECHECK_BUDGET_MS / 1000} s and was stopped`);
  env.signal.throwIfAborted();
  if (changed.messages.length === 0) return { name: 'types', status: 'passed', detail: `${inProject.length} changed file(s) type-check with tsconfig.json; no new errors`, errors: [] };
  // Only when there are errors is the earlier text checked too, to tell the change's errors from older ones. A file
  // whose earlier text is unknown is compared with itself: its errors are not counted as new.
  const original = diagnose(new Map([...after, ...before]), changed.program);
  // Errors that were there before the change are not the change's fault; lines move, so compare without them.
  const withoutLine = (message: string): string => message.replace(/^([^:\s]+):\d+ /, '$1 ');
  const remaining = new Map<string, number>();
  for (const message of original.messages) remaining.set(withoutLine(message), (remaining.get(withoutLine(message)) ?? 0) + 1);
  const introduced: string[] = [];
  for (const message of changed.messages) {
    const key = withoutLine(message);
    const count = remaining.get(key) ?? 0;
    if (count > 0) remaining.set(key, count - 1);
    else introduced.push(message);
  }
  if (introduced.length > 0) return { name: 'types', status: 'failed', detail: `${introduced.length} new type error(s): ${listed(introduced)}`, errors: introduced };
  const already = changed.messages.length > 0 ? ` (${changed.messages.length} error(s) were there before the change)` : '';
  return { name: 'types', status: 'passed', detail: `${inProject.length} changed file(s) type-check with tsconfig.json; no new errors${already}`, errors: [] };
}

/** One run of the workspace's tests: the command, whether it passed, and which tests failed (file:line). */
export interface TestRun {
  command: string;
  passed: boolean;
  summary: string;
  failed: number | null;
  failures: string[];
}

/** Runs the workspace's test command through the command runner (the caller has checked consent). */
export async function runWorkspaceTests(
  env: Pick<ServiceEnvironment, 'workspace' | 'signal' | 'useTool'> & { commandRunner: NonNullable<ServiceEnvironment['commandRunner']> },
  purpose: string,
): Promise<TestRun | null> {
  const detected = await detectTestCommand(env.workspace);
  if (!detected) return null;
  const runner = env.commandRunner;
  const command = `${detected.command} ${detected.args.join(' ')}`;
  const result = await env.useTool(
    'Bash',
    { command, cwd: '.', purpose },
    () => runner.run(detected.command, detected.args, { cwd: env.workspace.root, timeoutMs: TEST_TIMEOUT_MS, signal: env.signal, env: { CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1' } }),
    (r) => (r.timedOut ? 'timed out' : `exit code ${r.exitCode}`),
  );
  const parsed = parseTestFailures(`${result.stdout}\n${result.stderr}`, detected.framework, env.workspace.root);
  const passed = !result.timedOut && result.exitCode === 0;
  const counts = parsed.summary.passed !== null || parsed.summary.failed !== null ? `${parsed.summary.passed ?? 0} passed, ${parsed.summary.failed ?? 0} failed` : `exit code ${result.exitCode}`;
  return {
    command,
    passed,
    summary: result.timedOut ? `timed out after ${TEST_TIMEOUT_MS / 1000} s` : counts,
    failed: parsed.summary.failed,
    failures: [...parsed.findings.map((f) => `${f.file}:${f.line}`), ...parsed.unlocated].sort(),
  };
}

/**
 * Runs the workspace's tests when the user allowed commands and the files on disk hold the change (an applied run);
 * otherwise says why they were not run. Failures that were there before the change (`baseline`) are not its fault.
 */
export async function runTestsForChange(env: ServiceEnvironment, baseline: TestRun | undefined): Promise<ValidationCheck & { run?: TestRun }> {
  if (!env.commandRunner || !env.options.allowCommands) return { name: 'tests', status: 'not run', detail: 'tests not run: commands not allowed' };
  if (!env.options.apply) return { name: 'tests', status: 'not run', detail: 'tests not run: the change is only proposed (dry run), so the files on disk do not hold it' };
  const run = await runWorkspaceTests({ ...env, commandRunner: env.commandRunner }, 'validation');
  if (!run) return { name: 'tests', status: 'not run', detail: 'tests not run: no test command found' };
  if (run.passed) return { name: 'tests', status: 'passed', detail: `\`${run.command}\`: ${run.summary}`, run };
  const before = new Set(baseline?.failures ?? []);
  const sameAsBefore = baseline !== undefined && !baseline.passed &&
    run.failures.every((failure) => before.has(failure)) && (run.failed ?? 0) <= (baseline.failed ?? 0);
  if (sameAsBefore) return { name: 'tests', status: 'passed', detail: `\`${run.command}\`: ${run.summary}; no new failure (the same tests failed before the change)`, run };
  return { name: 'tests', status: 'failed', detail: `\`${run.command}\`: ${run.summary}${baseline && !baseline.passed ? ` (before the change: ${baseline.summary})` : ''}`, run };
}
