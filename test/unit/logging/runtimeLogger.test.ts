import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RuntimeLogger } from '../../../src/core/logging/runtimeLogger';
import type { ExecutionReport } from '../../../src/core/logging/executionReport';
import { renderMarkdownLog } from '../../../src/core/logging/markdownLog';
import { applyEvent, createRunState } from '../../../src/core/logging/runState';
import { FINDING, PLAN, REQUEST, SESSION, createStream, runExample1 } from './example1';

describe('RuntimeLogger', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-logger-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes the live log, dashboard and both reports for a run', () => {
    const logDir = path.join(dir, 'logs', 'nested');
    const { stream, clock } = createStream();
    // A long debounce: only the end of the run may write the dashboard here.
    const logger = new RuntimeLogger(stream, { logDir, dashboardDebounceMs: 60_000, clock });
    assert.deepEqual(logger.files, {
      logFile: path.join(logDir, `${SESSION}.log.md`),
      dashboardFile: path.join(logDir, `${SESSION}.dashboard.md`),
      reportFile: path.join(logDir, `${SESSION}.report.json`),
      reportMarkdownFile: path.join(logDir, `${SESSION}.report.md`),
    });
    runExample1(stream, clock);
    logger.dispose();

    const log = fs.readFileSync(logger.files.logFile, 'utf8');
    assert.equal(log, renderMarkdownLog(stream.events));
    assert.ok(log.includes('🤖 [10:23:45.123] AGENT START: security-auditor'));
    assert.ok(log.includes('✅ [10:24:20.123] EXECUTION COMPLETE'));

    const dashboard = fs.readFileSync(logger.files.dashboardFile, 'utf8');
    assert.ok(dashboard.includes('[██████████] 100% (4/4 agents)'));
    assert.ok(dashboard.includes('**🎉 Execution completed successfully!**'));

    const report = JSON.parse(fs.readFileSync(logger.files.reportFile, 'utf8')) as ExecutionReport;
    assert.equal(report.status, 'completed');
    assert.deepEqual(report.agents.map((a) => a.name), ['security-auditor', 'backend-api-developer', 'test-suite-developer', 'docs-writer']);
    assert.deepEqual(report, logger.generateExecutionReport());
    assert.ok(fs.readFileSync(logger.files.reportMarkdownFile, 'utf8').startsWith('# Agent Orchestrator Execution Report'));
    assert.deepEqual(fs.readdirSync(logDir).sort(), [`${SESSION}.dashboard.md`, `${SESSION}.log.md`, `${SESSION}.report.json`, `${SESSION}.report.md`]);
  });

  it('writes the same files from a run state the caller folds, without applying any event to it twice', () => {
    const own = createStream();
    const ownLogger = new RuntimeLogger(own.stream, { logDir: path.join(dir, 'own'), dashboardDebounceMs: 60_000, clock: own.clock });
    runExample1(own.stream, own.clock);
    ownLogger.dispose();

    const shared = createStream();
    const state = createRunState(SESSION);
    shared.stream.subscribe((event) => applyEvent(state, event));
    const logger = new RuntimeLogger(shared.stream, { logDir: path.join(dir, 'shared'), dashboardDebounceMs: 60_000, clock: shared.clock, state });
    runExample1(shared.stream, shared.clock);
    logger.dispose();

    assert.equal(logger.state, state);
    assert.deepEqual(state, ownLogger.state, 'each event applied once');
    for (const file of ['logFile', 'dashboardFile', 'reportFile', 'reportMarkdownFile'] as const) {
      assert.equal(fs.readFileSync(logger.files[file], 'utf8'), fs.readFileSync(ownLogger.files[file], 'utf8'), file);
    }
  });

  it('logs through its own methods', () => {
    const { stream, clock } = createStream();
    const logger = new RuntimeLogger(stream, { logDir: dir, dashboardDebounceMs: 60_000, clock });
    assert.equal(logger.startExecution(REQUEST, PLAN, { workspace: '/work/example' }), SESSION);
    logger.logAgentStart('security-auditor', 'Analyze authentication security');
    clock.set(2333);
    logger.logToolCall('security-auditor', 'Read', { path: 'src/auth.ts' }, { status: 'success', durationMs: 234 });
    logger.logFinding('security-auditor', FINDING);
    logger.logMessage({ id: 'm1', from: 'security-auditor', to: 'all', timestamp: clock.now(), type: 'finding_report', priority: 'high', payload: FINDING });
    clock.set(7000);
    logger.logAgentComplete('security-auditor', { nextAgents: ['backend-api-developer'] }, ['Add a tenant check to every router']);
    logger.logAgentFailed('backend-api-developer', 'No model configured');
    clock.set(7500);
    logger.completeExecution({ success: false, error: 'backend-api-developer failed' });
    logger.dispose();

    const log = fs.readFileSync(logger.files.logFile, 'utf8');
    assert.ok(log.includes('- MCP Servers: memory-bank'));
    assert.ok(log.includes('🤖 [10:23:45.123] AGENT START: security-auditor\n  Task: Analyze authentication security\n  MCP Servers: memory-bank\n'));
    assert.ok(log.includes('✅ [10:23:52.123] AGENT COMPLETE: security-auditor\n  Duration: 7000ms\n'));
    assert.ok(log.includes('❌ [10:23:52.123] AGENT FAILED: backend-api-developer\n  Duration: 0ms\n  Reason: error — No model configured'));
    assert.ok(log.includes('❌ [10:23:52.623] EXECUTION COMPLETE\n  Status: FAILED\n  Error: backend-api-developer failed\n  Total Duration: 7.5 seconds'));
    const report = logger.generateExecutionReport();
    assert.equal(report.status, 'failed');
    assert.ok(report.recommendations.some((r) => r.message === 'security-auditor: Add a tenant check to every router'));
    assert.throws(() => logger.logAgentSkipped('docs-writer', 'late'), /disposed/);
  });

  it('catches up with events emitted before it was created', () => {
    const { stream, clock } = createStream();
    stream.emit('run.started', { request: REQUEST, workspace: '/w', options: { apply: false, allowCommands: false, maxParallelAgents: 2, agentTimeout: 1000, timeout: null } });
    stream.emit('plan.created', { plan: PLAN });
    const logger = new RuntimeLogger(stream, { logDir: dir, dashboardDebounceMs: 60_000, clock });
    logger.logAgentStart('security-auditor', 'Analyze authentication security');
    logger.dispose();
    const log = fs.readFileSync(logger.files.logFile, 'utf8');
    assert.equal(log, renderMarkdownLog(stream.events));
    assert.ok(log.startsWith('# Agent Orchestrator Execution Log'));
    // dispose() writes the dashboard refresh that was still waiting; there is no report before run.completed.
    assert.ok(fs.readFileSync(logger.files.dashboardFile, 'utf8').includes('| security-auditor | 🔄 Running |'));
    assert.equal(fs.existsSync(logger.files.reportFile), false);
  });

  it('writes no dashboard when it is disabled and stops following the stream after dispose', () => {
    const { stream, clock } = createStream();
    const logger = new RuntimeLogger(stream, { logDir: dir, dashboardEnabled: false, clock });
    runExample1(stream, clock);
    logger.dispose();
    assert.equal(fs.existsSync(logger.files.dashboardFile), false);
    assert.equal(fs.existsSync(logger.files.reportFile), true);
    const size = fs.statSync(logger.files.logFile).size;
    stream.emit('agent.skipped', { agent: 'late', reason: 'after the run' });
    assert.equal(fs.statSync(logger.files.logFile).size, size);
  });
});
