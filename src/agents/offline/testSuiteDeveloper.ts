import type { AgentContext, AgentOutcome, AgentRuntime } from '../../core/orchestrator/agentRuntime';
import type { CommandResult, CommandRunner, WorkspaceFiles } from '../../core/ports';
import type { Finding } from '../../core/protocol/findings';
import { AgentCapabilities } from '../../core/protocol/messages';
import {
  classifyEnvironmentFailure, declaredDependencies, quotableLine, dependenciesNotInstalled, describeProblem, detectInstallCommand,
  type EnvironmentFailure, type EnvironmentProblem, type InstallCommand,
} from './testing/environmentFailure';
import { detectTestCommand, type TestCommand } from './testing/testCommand';
import { parseTestFailures } from './testing/testFailureParser';

const NAME = 'test-suite-developer';
/** Upper bound for one test run; the agent's own timeout (and cancellation) also stop it. */
const TEST_TIMEOUT_MS = 10 * 60_000;
/** Upper bound for installing the dependencies from the lockfile. */
const INSTALL_TIMEOUT_MS = 10 * 60_000;
const QUIET_ENV = { CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1' };
const LOCKFILES = 'package-lock.json, npm-shrinkwrap.json, pnpm-lock.yaml, yarn.lock or bun.lock';

/** Why the tests could not run, when it was the environment rather than the tests. */
export interface TestEnvironmentData extends Record<string, unknown> {
  problems: string[];
  /** The output lines that show it, bounded and masked. */
  quote: string[];
  /** The lockfile's install command, null when there is no lockfile. */
  installCommand: string | null;
  /** Whether the agent ran the install command (only with consent), and how it ended. */
  install: 'not-run' | 'succeeded' | 'failed';
  advice: string;
}

export interface TestResultsData extends Record<string, unknown> {
  command: string | null;
  ran: boolean;
  exitCode: number | null;
  timedOut: boolean;
  passed: number | null;
  failed: number | null;
  failures: string[];
  note: string;
  /** Set when the tests could not run because of the environment (missing packages or commands). */
  environment?: TestEnvironmentData;
}

function commandLineOf(command: { command: string; args: readonly string[] }): string {
  return [command.command, ...command.args].join(' ');
}

/** 1-based line of the first line of `text` matching `pattern`, else 1. */
function lineMatching(text: string, pattern: RegExp): number {
  const index = text.split('\n').findIndex((line) => pattern.test(line));
  return index < 0 ? 1 : index + 1;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Where the user fixes an environment problem: the dependency's line in package.json, else the test script's. */
async function problemLocation(workspace: WorkspaceFiles, detected: TestCommand, problem: EnvironmentProblem): Promise<{ file: string; line: number }> {
  const manifests: Record<TestCommand['framework'], string[]> = {
    npm: ['package.json'],
    pytest: ['pyproject.toml', 'requirements-dev.txt', 'requirements.txt', 'pytest.ini', 'setup.cfg', 'tox.ini'],
    go: ['go.mod'],
    cargo: ['Cargo.toml'],
  };
  for (const file of manifests[detected.framework]) {
    let text: string;
    try {
      text = await workspace.readFile(file);
    } catch {
      continue;
    }
    const byName = new RegExp(`["']?${escapeRegExp(problem.name)}["']?\\s*[:=<>~]`);
    const line = byName.test(text) ? lineMatching(text, byName) : detected.framework === 'npm' ? lineMatching(text, /"test"\s*:/) : 1;
    return { file, line };
  }
  return { file: 'package.json', line: 1 };
}

function ruleIdOf(problem: EnvironmentProblem, notInstalled: boolean): string {
  if (notInstalled || (problem.kind !== 'missing-runner' && problem.declared)) return 'environment/dependencies-not-installed';
  return problem.kind === 'missing-package' ? 'environment/missing-package' : problem.kind === 'missing-command' ? 'environment/command-not-found' : 'environment/test-runner-missing';
}

/** What the user should do, given what the agent could (and was allowed to) do. */
function adviceFor(env: EnvironmentFailure, detected: TestCommand, install: InstallCommand | null, installOutcome: TestEnvironmentData['install'], consent: boolean): string {
  const testLine = commandLineOf(detected);
  const undeclared = env.problems.filter((p): p is Extract<EnvironmentProblem, { kind: 'missing-package' }> => p.kind === 'missing-package' && !p.declared);
  if (detected.framework !== 'npm') {
    return detected.framework === 'pytest'
      ? `Install the test dependencies into the Python environment that runs \`${testLine}\` (e.g. \`python3 -m pip install -r requirements.txt\` or your project's equivalent), then run the tests again.`
      : `Install the missing tools or modules, then run \`${testLine}\` again.`;
  }
  const parts: string[] = [];
  if (undeclared.length > 0 && undeclared.length === env.problems.length) {
    parts.push(`Declare ${undeclared.map((p) => `'${p.name}'`).join(', ')} in devDependencies (e.g. \`npm install --save-dev ${undeclared.map((p) => p.name).join(' ')}\`), then run \`${testLine}\` again.`);
    return parts.join(' ');
  }
  if (!install) {
    parts.push(`Install the dependencies, then run \`${testLine}\` again. No lockfile (${LOCKFILES}) pins their versions, so the agent installed nothing rather than guess: install them with your package manager (e.g. \`npm install\`) and commit the lockfile it writes.`);
  } else if (installOutcome === 'failed') {
    parts.push(`\`${commandLineOf(install)}\` failed (see the quoted output): fix the install, then run \`${testLine}\` again.`);
  } else if (installOutcome === 'succeeded') {
    parts.push(`\`${commandLineOf(install)}\` ran, yet the tests still cannot start: check that the missing packages are in ${install.lockfile} and package.json, then run \`${testLine}\` again.`);
  } else {
    parts.push(`Install the dependencies with \`${commandLineOf(install)}\` (from ${install.lockfile}), then run \`${testLine}\`${consent ? '' : '; or re-run with --allow-commands and the test agent installs them first'}.`);
  }
  if (undeclared.length > 0) parts.push(`Also declare ${undeclared.map((p) => `'${p.name}'`).join(', ')} in devDependencies.`);
  return parts.join(' ');
}

/** The generic per-file failures a runner reports when a file could not even load: the environment explains them. */
function isLoadFailure(finding: Finding): boolean {
  return /: test failed$|Test suite failed to run|Cannot find (?:module|package)|Failed to (?:load url|resolve import)|ERR_MODULE_NOT_FOUND/.test(finding.message);
}

/**
 * Offline test runner: finds the workspace's test command (npm, pytest, go, cargo), runs it only with consent,
 * reports failures as findings with file and line, and shares the results with the other agents. A run that could
 * not start because packages or commands are missing is reported as one environment problem with the cause quoted;
 * with consent, and a lockfile to install from, the agent installs the dependencies and runs the tests again.
 */
export class TestSuiteDeveloperAgent implements AgentRuntime {
  readonly name = NAME;
  readonly capabilities = [AgentCapabilities.TESTING];

  async run(context: AgentContext): Promise<AgentOutcome> {
    const detected = await context.useTool('Detect', { what: 'test command' }, () => detectTestCommand(context.workspace), (d) => (d ? `${d.command} ${d.args.join(' ')} (${d.reason})` : 'none found'));
    const share = async (data: TestResultsData): Promise<void> => {
      await context.broadcast({ type: 'context_share', priority: 'normal', payload: { topic: 'test-results', data } });
    };
    if (!detected) {
      await share({ command: null, ran: false, exitCode: null, timedOut: false, passed: null, failed: null, failures: [], note: 'No test command found' });
      return { summary: 'No test command found (looked for npm, pytest, go and cargo projects)', recommendations: ['Add a test command so changes can be verified'] };
    }
    const commandLine = commandLineOf(detected);
    const npm = detected.framework === 'npm';
    const declared = npm ? await declaredDependencies(context.workspace) : new Set<string>();
    const notInstalled = npm && (await dependenciesNotInstalled(context.workspace, declared));
    const install = npm ? await detectInstallCommand(context.workspace) : null;
    if (!context.commandRunner) {
      const note = 'Tests not run: running commands needs consent (--allow-commands, or allow it in VS Code in a trusted workspace)';
      await share({ command: commandLine, ran: false, exitCode: null, timedOut: false, passed: null, failed: null, failures: [], note });
      const installFirst = notInstalled
        ? [install ? `The dependencies are not installed (no node_modules): run \`${commandLineOf(install)}\` before the tests` : `The dependencies are not installed (no node_modules) and no lockfile (${LOCKFILES}) pins their versions: install them with your package manager first`]
        : [];
      return { summary: note, recommendations: [...installFirst, `Run \`${commandLine}\` yourself, or re-run with --allow-commands`] };
    }
    const runner = context.commandRunner;
    const installed: { outcome: TestEnvironmentData['install']; quote: string[] } = { outcome: 'not-run', quote: [] };
    const runInstall = async (): Promise<void> => {
      if (!install) return;
      const result = await this.#run(context, runner, install, INSTALL_TIMEOUT_MS, 'install the dependencies from the lockfile');
      installed.outcome = result.exitCode === 0 && !result.timedOut ? 'succeeded' : 'failed';
      if (installed.outcome === 'failed') installed.quote = quoteTail(`${result.stdout}\n${result.stderr}`);
    };
    // Consent to run commands is consent to install what the lockfile pins; without a lockfile nothing is guessed.
    if (notInstalled && install) await runInstall();

    let result = await this.#run(context, runner, detected, TEST_TIMEOUT_MS, 'run the tests');
    let env = this.#environment(result, detected, declared);
    const installMayHelp = env !== null && install !== null && installed.outcome === 'not-run' && env.problems.some((p) => p.kind !== 'missing-runner' && (p.declared || p.name === 'a command of the test script'));
    if (installMayHelp) {
      await runInstall();
      if (installed.outcome === 'succeeded') {
        result = await this.#run(context, runner, detected, TEST_TIMEOUT_MS, 'run the tests again after installing');
        env = this.#environment(result, detected, declared);
      }
    }
    context.signal.throwIfAborted();
    const parsed = parseTestFailures(`${result.stdout}\n${result.stderr}`, detected.framework, context.workspace.root);

    if (env) return this.#environmentOutcome(context, share, { detected, result, env, install, installOutcome: installed.outcome, installQuote: installed.quote, notInstalled, parsed });

    for (const finding of parsed.findings) await context.reportFinding(finding);
    const passedAll = result.exitCode === 0 && !result.timedOut;
    const dryRunNote = !context.options.apply && context.runState().changes.length > 0 ? ' (against the files on disk: the proposed changes were not applied)' : '';
    const counts = parsed.summary.passed !== null || parsed.summary.failed !== null ? `${parsed.summary.passed ?? 0} passed, ${parsed.summary.failed ?? 0} failed` : `exit code ${result.exitCode}`;
    const afterInstall = installed.outcome === 'succeeded' && install ? ` after \`${commandLineOf(install)}\`` : '';
    const note = result.timedOut ? `\`${commandLine}\` timed out` : `\`${commandLine}\`${afterInstall}: ${counts}${dryRunNote}`;
    await share({
      command: commandLine,
      ran: true,
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      passed: parsed.summary.passed,
      failed: parsed.summary.failed,
      failures: [...parsed.findings.map((finding) => `${finding.file}:${finding.line} ${finding.message}`), ...parsed.unlocated],
      note,
    });
    const total = (parsed.summary.passed ?? 0) + (parsed.summary.failed ?? 0);
    return {
      summary: passedAll ? `Tests pass: ${note}` : `Tests fail: ${note}`,
      // Failing tests fail the verification, so the run (and the CLI's exit code) says so.
      ...(passedAll ? {} : { failed: `Tests fail: ${note}` }),
      recommendations: passedAll ? [] : ['Fix the failing tests before merging', ...parsed.unlocated.slice(0, 5)],
      qualityScore: total > 0 ? Math.round((100 * (parsed.summary.passed ?? 0)) / total) : passedAll ? 100 : 0,
    };
  }

  async #run(context: AgentContext, runner: CommandRunner, command: { command: string; args: readonly string[] }, timeoutMs: number, purpose: string): Promise<CommandResult> {
    const line = commandLineOf(command);
    return context.useTool(
      'Bash',
      { command: line, cwd: '.', purpose },
      () => runner.run(command.command, command.args, { cwd: context.workspace.root, timeoutMs, signal: context.signal, env: QUIET_ENV }),
      (r) => (r.timedOut ? 'timed out' : `exit code ${r.exitCode}`),
    );
  }

  #environment(result: CommandResult, detected: TestCommand, declared: ReadonlySet<string>): EnvironmentFailure | null {
    if (result.exitCode === 0 && !result.timedOut) return null;
    return classifyEnvironmentFailure(`${result.stdout}\n${result.stderr}`, result.exitCode, detected.framework, declared);
  }

  async #environmentOutcome(
    context: AgentContext,
    share: (data: TestResultsData) => Promise<void>,
    run: {
      detected: TestCommand;
      result: CommandResult;
      env: EnvironmentFailure;
      install: InstallCommand | null;
      installOutcome: TestEnvironmentData['install'];
      installQuote: string[];
      notInstalled: boolean;
      parsed: ReturnType<typeof parseTestFailures>;
    },
  ): Promise<AgentOutcome> {
    const { detected, result, env, install, installOutcome, installQuote, notInstalled, parsed } = run;
    const commandLine = commandLineOf(detected);
    const advice = adviceFor(env, detected, install, installOutcome, true);
    const quote = [...env.quote, ...installQuote.map((line) => `(${install ? commandLineOf(install) : 'install'}) ${line}`)].slice(0, 12);
    const causes = env.problems.map(describeProblem);
    for (const problem of env.problems) {
      const where = await problemLocation(context.workspace, detected, problem);
      const ruleId = ruleIdOf(problem, notInstalled);
      await context.reportFinding({
        id: `test-environment-${ruleId.replace(/^environment\//, '')}-${problem.name.replace(/[^\w@.-]+/g, '-')}`,
        ruleId,
        severity: 'high',
        message: `\`${commandLine}\` could not run the tests: ${describeProblem(problem)}${env.quote[0] ? ` ("${env.quote[0]}")` : ''}`,
        file: where.file,
        line: where.line,
        column: 1,
        recommendation: advice,
        fixable: false,
        agent: NAME,
      });
    }
    // Real assertion failures in files that did load are still the tests' own.
    const testFailures = parsed.findings.filter((finding) => !isLoadFailure(finding));
    for (const finding of testFailures) await context.reportFinding(finding);
    const note = `\`${commandLine}\` could not run the tests: ${causes.join('; ')}`;
    await share({
      command: commandLine,
      ran: true,
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      passed: parsed.summary.passed,
      failed: parsed.summary.failed,
      failures: testFailures.map((finding) => `${finding.file}:${finding.line} ${finding.message}`),
      note,
      environment: { problems: causes, quote, installCommand: install ? commandLineOf(install) : null, install: installOutcome, advice },
    });
    const failed = `Tests could not run (environment, not the code): ${causes.join('; ')}. ${advice}`;
    return {
      summary: note,
      failed,
      recommendations: [advice, ...quote.map((line) => `Output: ${line}`)],
      qualityScore: null,
    };
  }
}

/** The last lines of a failed install's output (npm prints its reason at the end), bounded and masked. */
function quoteTail(output: string): string[] {
  return output.split('\n').map(quotableLine).filter((line) => line !== '').slice(-4);
}
