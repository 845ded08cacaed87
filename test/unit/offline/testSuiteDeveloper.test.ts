// test-suite-developer with the real orchestrator: consent, detection, and real failures of a real `npm test`.
import { strict as assert } from 'node:assert';
import { NodeCommandRunner } from '../../../src/agents/process/nodeCommandRunner';
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
});
