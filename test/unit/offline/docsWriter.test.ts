// docs-writer with the real agents and orchestrator: waiting for test results, real figures, and never hanging.
import { strict as assert } from 'node:assert';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { openWorkspaceEngine } from '../../../src/agents/workspaceEngine';
import { NodeCommandRunner } from '../../../src/agents/process/nodeCommandRunner';
import type { OrchestratorEvent } from '../../../src/core/protocol/events';
import {
  completion, eventsOfType, findingsBy, indexOf, lineOf, readText, RecordingCommandRunner, rejectingAuditor, removeScratch, runOffline, scratchWorkspace,
  SECURITY_REQUEST, testResults, toolCalls,
} from './offlineHarness';

/** The Markdown section under `## <title>` (up to the next `## `). */
function section(markdown: string, title: string): string {
  const start = markdown.split('\n').findIndex((line) => line.startsWith(`## ${title}`));
  assert.notEqual(start, -1, `no "## ${title}" section in:\n${markdown}`);
  const rest = markdown.split('\n').slice(start);
  const end = rest.findIndex((line, index) => index > 0 && line.startsWith('## '));
  return (end < 0 ? rest : rest.slice(0, end)).join('\n');
}

function summaryFile(artifactDir: string, sessionId: string): string {
  const file = path.join(artifactDir, `${sessionId}.summary.md`);
  assert.ok(existsSync(file), `the change summary is written to ${file}`);
  return readFileSync(file, 'utf8');
}

const started = (agent: string) => (event: OrchestratorEvent): boolean => event.type === 'agent.started' && event.payload.agent === agent;
const finished = (agent: string) => (event: OrchestratorEvent): boolean =>
  (event.type === 'agent.completed' || event.type === 'agent.failed') && event.payload.agent === agent;

describe('docs-writer (offline, through the orchestrator)', function () {
  this.timeout(60_000);
  afterEach(removeScratch);

  it('waits for the tests running beside it and writes Found, Changed, Validated and Tested with the real figures', async () => {
    const root = scratchWorkspace(['tenant-api', 'failing-tests']);
    const failingLine = lineOf(readText(root, 'test/math.test.js'), 'assert.strictEqual(1 + 1, 3)');
    const engine = await openWorkspaceEngine({ workspaceRoot: root, mode: 'write', allowCommands: true, env: {} });
    let events: OrchestratorEvent[];
    let markdown: string;
    try {
      const result = await engine.orchestrator.executeRequest(SECURITY_REQUEST, { apply: true, allowCommands: true });
      assert.deepEqual(result.plan.phases, [['security-auditor'], ['backend-api-developer'], ['test-suite-developer', 'docs-writer']]);
      events = engine.store.getEvents(result.sessionId);
      markdown = summaryFile(engine.logDir, result.sessionId);
    } finally {
      await engine.close();
    }

    // Parallel: both started before either finished; the docs writer finished only after the results arrived.
    const testsDone = indexOf(events, finished('test-suite-developer'));
    assert.ok(indexOf(events, started('docs-writer')) < testsDone && indexOf(events, started('test-suite-developer')) < indexOf(events, finished('docs-writer')));
    const shared = indexOf(events, (e) => e.type === 'message.sent' && e.payload.message.type === 'context_share' && e.payload.message.payload.topic === 'test-results');
    assert.ok(shared > 0 && shared < indexOf(events, finished('docs-writer')), 'the summary is written after the test results are shared');
    assert.deepEqual(toolCalls(events, 'docs-writer').map((call) => [call.tool, call.summary]).slice(0, 1), [['Wait', 'received']]);

    const security = findingsBy(events, 'security-auditor');
    const found = section(markdown, 'Found');
    assert.match(found, new RegExp(`^## Found \\(${security.length}\\)`));
    for (const finding of security) assert.ok(found.includes(`\`${finding.file}:${finding.line}\``), `${finding.ruleId} at ${finding.file}:${finding.line} is listed`);
    assert.equal((found.match(/\| fixed mechanically \|/g) ?? []).length, security.filter((f) => f.fixable).length);
    assert.ok(!found.includes('test-failure/'), 'test failures are reported under Tested, not Found');

    const changes = eventsOfType(events, 'change.proposed');
    assert.match(section(markdown, 'Changed'), new RegExp(`^## Changed \\(${changes.length}\\)\\n\\n- \`src/handlers.js\` by backend-api-developer: written to disk, fixes 2 finding\\(s\\)`));
    assert.match(section(markdown, 'Validated'), /security-auditor reviewed `src\/handlers.js` for backend-api-developer: \*\*APPROVED\*\*/);

    const tested = section(markdown, 'Tested');
    const results = testResults(events);
    assert.ok(results);
    assert.equal(results.passed, 1);
    assert.equal(results.failed, 1);
    assert.ok(tested.includes('`npm test`: 1 passed, 1 failed'), tested);
    assert.ok(tested.includes(`test/math.test.js:${failingLine} adds small numbers`), tested);
    assert.ok(section(markdown, 'Left to do').includes('Make the failing tests pass (`npm test`)'), markdown);
    assert.ok(!markdown.includes('the tests pass'), 'never claims the tests pass when they fail');
  });

  it('still finishes when the test-suite-developer fails, and says no test results were shared', async () => {
    const root = scratchWorkspace(['failing-tests']);
    const runner = new RecordingCommandRunner(new Error('spawn npm ENOENT'));

    const { result, events, logDir } = await runOffline(root, {
      request: 'Run the tests and summarize', agents: ['test-suite-developer', 'docs-writer'], allowCommands: true, commandRunner: runner,
    });

    assert.equal(runner.calls.length, 1);
    const failed = eventsOfType(events, 'agent.failed').map((event) => event.payload);
    assert.deepEqual(failed.map((f) => [f.agent, f.reason]), [['test-suite-developer', 'error']]);
    assert.match(failed[0].error, /spawn npm ENOENT/);
    assert.equal(result.success, false, 'a failed agent fails the run');
    assert.match(completion(events, 'docs-writer').summary, /Wrote the change summary/);
    assert.deepEqual(toolCalls(events, 'docs-writer').find((call) => call.tool === 'Wait')?.summary, 'none shared');
    const markdown = summaryFile(logDir, result.sessionId);
    assert.match(section(markdown, 'Tested'), /No test results were shared in this run\./);
  });

  it('does not wait for tests that are not planned, and does not claim they pass', async () => {
    const root = scratchWorkspace(['failing-tests']);

    const { result, events, logDir } = await runOffline(root, { request: 'Summarize the project', agents: ['docs-writer'] });

    assert.equal(result.success, true, result.error);
    assert.deepEqual(toolCalls(events, 'docs-writer').map((call) => call.tool), ['Write']);
    const markdown = summaryFile(logDir, result.sessionId);
    assert.match(section(markdown, 'Found'), /No findings\./);
    assert.match(section(markdown, 'Tested'), /No test results were shared in this run\./);
    assert.ok(!markdown.includes('the tests pass'), `no tests ran, so the summary must not say they pass:\n${markdown}`);
    assert.ok(section(markdown, 'Left to do').includes('Run the tests'), markdown);
  });

  it('does not count fixes the auditor rejected and the developer reverted as fixed', async () => {
    const root = scratchWorkspace(['tenant-api']);
    const { result, events, logDir } = await runOffline(root, {
      apply: true, agents: ['security-auditor', 'backend-api-developer', 'docs-writer'], runtimes: [rejectingAuditor('Rejected by the reviewer')],
    });

    const markdown = summaryFile(logDir, result.sessionId);
    const tenantFindings = findingsBy(events, 'security-auditor').filter((finding) => finding.fixable);
    assert.equal(tenantFindings.length, 2);
    assert.ok(!section(markdown, 'Found').includes('fixed mechanically'), section(markdown, 'Found'));
    assert.match(section(markdown, 'Validated'), /\*\*REJECTED\*\*/);
    const left = section(markdown, 'Left to do');
    for (const finding of tenantFindings) assert.ok(left.includes(`\`${finding.file}:${finding.line}\``), `${finding.file}:${finding.line} is still to do:\n${left}`);
  });

  it('runs with the real command runner on the full plan without hanging when no test command exists', async () => {
    const root = scratchWorkspace(['tenant-api']);

    const { result, events, logDir } = await runOffline(root, { apply: false, allowCommands: true, commandRunner: new NodeCommandRunner() });

    assert.equal(result.success, true, result.error);
    const markdown = summaryFile(logDir, result.sessionId);
    assert.match(section(markdown, 'Tested'), /- No test command found/);
    assert.match(section(markdown, 'Changed'), /proposed \(dry run, not written\)/);
    assert.equal((section(markdown, 'Found').match(/\| fix proposed \(dry run\) \|/g) ?? []).length, 2);
    assert.ok(indexOf(events, finished('docs-writer')) > indexOf(events, finished('test-suite-developer')));
  });
});
