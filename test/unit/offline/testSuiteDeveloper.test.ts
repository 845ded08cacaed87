// test-suite-developer with the real orchestrator: consent, detection, and real failures of a real `npm test`.
import { strict as assert } from 'node:assert';
import { NodeCommandRunner } from '../../../src/agents/process/nodeCommandRunner';
import type { CommandResult, CommandRunner } from '../../../src/core/ports';
import {
  completion, eventsOfType, findingsBy, lineOf, readText, RecordingCommandRunner, removeScratch, runOffline, scratchWorkspace, snapshot, testResults, toolCalls,
} from './offlineHarness';

const TESTS_ONLY = ['test-suite-developer'];
const REQUEST = 'Run the test suite';

describe('test-suite-developer (offline, through the orchestrator)', function () {
  this.timeout(60_000);
  afterEach(removeScratch);

  it('without consent runs nothing, even when a command runner exists, and shares why the tests were not run', async () => {
    const root = scratchWorkspace(['failing-tests']);
    const before = snapshot(root);
    const runner = new RecordingCommandRunner();

    const { result, events } = await runOffline(root, { request: REQUEST, agents: TESTS_ONLY, allowCommands: false, commandRunner: runner });

    assert.equal(result.success, true, result.error);
    assert.deepEqual(runner.calls, [], 'no process was started');
    assert.ok(!toolCalls(events, 'test-suite-developer').some((call) => call.tool === 'Bash'), 'no Bash tool call');
    assert.deepEqual(findingsBy(events, 'test-suite-developer'), []);
    const shared = testResults(events);
    assert.ok(shared, 'the test results are shared even when not run');
    assert.equal(shared.ran, false);
    assert.equal(shared.command, 'npm test', 'names the command it would have run');
    assert.match(String(shared.note), /not run/i);
    assert.match(String(shared.note), /consent.*--allow-commands/);
    const done = completion(events, 'test-suite-developer');
    assert.match(done.summary, /Tests not run/);
    assert.ok(done.recommendations.some((line) => line.includes('npm test') && line.includes('--allow-commands')), done.recommendations.join('\n'));
    assert.deepEqual(snapshot(root), before);
  });

  it('with consent runs the failing suite and reports each failure at its file and line', async () => {
    const root = scratchWorkspace(['failing-tests']);
    const testFile = 'test/math.test.js';
    const failingLine = lineOf(readText(root, testFile), 'assert.strictEqual(1 + 1, 3)');

    const { result, events } = await runOffline(root, { request: REQUEST, agents: TESTS_ONLY, allowCommands: true, commandRunner: new NodeCommandRunner() });

    const bash = toolCalls(events, 'test-suite-developer').filter((call) => call.tool === 'Bash');
    assert.deepEqual(bash.map((call) => call.params.command), ['npm test']);
    const failures = findingsBy(events, 'test-suite-developer');
    assert.deepEqual(failures.map((finding) => [finding.ruleId, finding.file, finding.line]), [['test-failure/npm', testFile, failingLine]]);
    assert.match(failures[0].message, /^adds small numbers: /);
    assert.match(failures[0].message, /2 !== 3/);

    const shared = testResults(events);
    assert.ok(shared);
    assert.equal(shared.ran, true);
    assert.notEqual(shared.exitCode, 0);
    assert.equal(shared.passed, 1);
    assert.equal(shared.failed, 1);
    assert.deepEqual(shared.failures, [`${testFile}:${failingLine} ${failures[0].message}`]);
    // Failing tests fail the verification: the agent fails with the counts and the run is not a success.
    const failed = eventsOfType(events, 'agent.failed').find((event) => event.payload.agent === 'test-suite-developer');
    assert.ok(failed, 'test-suite-developer fails when the tests fail');
    assert.match(failed.payload.error, /^Tests fail: `npm test`: 1 passed, 1 failed$/);
    assert.equal(result.success, false);
  });

  it('with consent but no test command says none was found and runs nothing', async () => {
    const root = scratchWorkspace(['tenant-api'], {
      // What `npm init` writes is a placeholder, not a test suite.
      'package.json': JSON.stringify({ name: 'api', scripts: { test: 'echo "Error: no test specified" && exit 1' } }),
    });
    const runner = new RecordingCommandRunner();

    const { result, events } = await runOffline(root, { request: REQUEST, agents: TESTS_ONLY, allowCommands: true, commandRunner: runner });

    assert.equal(result.success, true, result.error);
    assert.deepEqual(runner.calls, []);
    assert.match(completion(events, 'test-suite-developer').summary, /^No test command found/);
    const shared = testResults(events);
    assert.ok(shared);
    assert.equal(shared.ran, false);
    assert.equal(shared.command, null);
    assert.equal(shared.note, 'No test command found');
  });

  describe('when the environment, not the code, keeps the tests from running', () => {
    const TSX_PACKAGE = JSON.stringify({ name: 'api', scripts: { test: 'node --import tsx --test test/a.test.ts test/b.test.ts' }, devDependencies: { tsx: '^4.0.0' } }, null, 2);
    const TEST_FILE = "import test from 'node:test';\ntest('adds', () => {});\n";

    /** Answers each command line in turn from `script`; records every call. */
    class ScriptedRunner implements CommandRunner {
      readonly calls: string[] = [];
      constructor(private readonly script: Record<string, Partial<CommandResult>[]>) {}
      async run(command: string, args: readonly string[]): Promise<CommandResult> {
        const line = [command, ...args].join(' ');
        this.calls.push(line);
        const answer = this.script[line]?.shift();
        if (!answer) throw new Error(`unexpected command: ${line}`);
        return { exitCode: 0, stdout: '', stderr: '', timedOut: false, durationMs: 1, ...answer };
      }
    }

    it('reports one environment failure quoting the missing package, not a "test failed" per file, and installs nothing without a lockfile', async () => {
      const root = scratchWorkspace([], { 'package.json': TSX_PACKAGE, 'test/a.test.ts': TEST_FILE, 'test/b.test.ts': TEST_FILE });

      const { result, events } = await runOffline(root, { request: REQUEST, agents: TESTS_ONLY, allowCommands: true, commandRunner: new NodeCommandRunner() });

      assert.deepEqual(toolCalls(events, 'test-suite-developer').filter((call) => call.tool === 'Bash').map((call) => call.params.command), ['npm test'], 'no install without a lockfile');
      const findings = findingsBy(events, 'test-suite-developer');
      assert.deepEqual(findings.map((finding) => [finding.ruleId, finding.file, finding.line]), [['environment/dependencies-not-installed', 'package.json', lineOf(TSX_PACKAGE, '"tsx"')]]);
      assert.match(findings[0].message, /package 'tsx' is declared in package\.json but not installed/);
      assert.match(findings[0].message, /Cannot find package 'tsx'/, 'the real cause is quoted');
      assert.doesNotMatch(findings[0].recommendation, /Fix the code under test/);
      assert.match(findings[0].recommendation, /No lockfile .* installed nothing/);
      const shared = testResults(events);
      assert.ok(shared?.environment, 'the shared results say it was the environment');
      const environment = shared.environment as { quote: string[]; install: string };
      assert.ok(environment.quote.some((line) => line.includes("Cannot find package 'tsx' imported from")), environment.quote.join('\n'));
      assert.equal(environment.install, 'not-run');
      const failed = eventsOfType(events, 'agent.failed').find((event) => event.payload.agent === 'test-suite-developer');
      assert.match(failed?.payload.error ?? '', /^Tests could not run \(environment, not the code\): package 'tsx'/);
      assert.equal(result.success, false);
    });

    it('with consent and a lockfile installs with `npm ci` first, then runs the tests', async () => {
      const root = scratchWorkspace([], { 'package.json': TSX_PACKAGE, 'package-lock.json': '{"lockfileVersion":3}', 'test/a.test.ts': TEST_FILE });
      const runner = new ScriptedRunner({ 'npm ci': [{ stdout: 'added 5 packages' }], 'npm test': [{ stdout: '# pass 1\n# fail 0' }] });

      const { result, events } = await runOffline(root, { request: REQUEST, agents: TESTS_ONLY, allowCommands: true, commandRunner: runner });

      assert.deepEqual(runner.calls, ['npm ci', 'npm test']);
      assert.equal(result.success, true, result.error);
      assert.match(String(testResults(events)?.note), /^`npm test` after `npm ci`: 1 passed, 0 failed$/);
    });

    it('installs and runs the tests again when a command of the test script is not found (exit code 127)', async () => {
      const root = scratchWorkspace([], {
        'package.json': JSON.stringify({ scripts: { test: 'vitest run' }, devDependencies: { vitest: '^1.0.0' } }),
        'pnpm-lock.yaml': "lockfileVersion: '9.0'\n",
        'node_modules/.keep': '',
        'test/a.test.ts': TEST_FILE,
      });
      const runner = new ScriptedRunner({
        'npm test': [{ exitCode: 127, stderr: 'sh: 1: vitest: not found' }, { stdout: ' Test Files  1 passed (1)\n      Tests  1 passed (1)' }],
        'pnpm install --frozen-lockfile': [{}],
      });

      const { result } = await runOffline(root, { request: REQUEST, agents: TESTS_ONLY, allowCommands: true, commandRunner: runner });

      assert.deepEqual(runner.calls, ['npm test', 'pnpm install --frozen-lockfile', 'npm test']);
      assert.equal(result.success, true, result.error);
    });

    it('says which command not found when installing did not help, quoting it', async () => {
      const root = scratchWorkspace([], { 'package.json': JSON.stringify({ scripts: { test: 'vitest run' }, devDependencies: { vitest: '^1.0.0' } }), 'package-lock.json': '{}', 'node_modules/.keep': '' });
      const runner = new ScriptedRunner({ 'npm test': [{ exitCode: 127, stderr: 'sh: 1: vitest: not found' }], 'npm ci': [{ exitCode: 1, stderr: 'npm error code EUSAGE\nnpm error The `npm ci` command can only install with an existing package-lock.json' }] });

      const { events } = await runOffline(root, { request: REQUEST, agents: TESTS_ONLY, allowCommands: true, commandRunner: runner });

      assert.deepEqual(runner.calls, ['npm test', 'npm ci']);
      const [finding] = findingsBy(events, 'test-suite-developer');
      assert.equal(finding?.ruleId, 'environment/dependencies-not-installed');
      assert.match(finding.message, /command 'vitest' was not found.*"sh: 1: vitest: not found"/);
      assert.match(finding.recommendation, /`npm ci` failed/);
      const environment = testResults(events)?.environment as { quote: string[]; install: string };
      assert.equal(environment.install, 'failed');
      assert.ok(environment.quote.some((line) => line.includes('can only install with an existing package-lock.json')), environment.quote.join('\n'));
    });

    it('without consent runs nothing and says to install with the lockfile first', async () => {
      const root = scratchWorkspace([], { 'package.json': TSX_PACKAGE, 'package-lock.json': '{}' });
      const runner = new RecordingCommandRunner();

      const { events } = await runOffline(root, { request: REQUEST, agents: TESTS_ONLY, allowCommands: false, commandRunner: runner });

      assert.deepEqual(runner.calls, []);
      const done = completion(events, 'test-suite-developer');
      assert.ok(done.recommendations.some((line) => /not installed.*`npm ci` before the tests/.test(line)), done.recommendations.join('\n'));
    });
  });
});
