import { strict as assert } from 'node:assert';
import { EngineRequestError } from '../../../src/vscode/engineClient';
import { describeEngineFailure, runOutcomeNotice, STORE_LOCKED_MESSAGE } from '../../../src/vscode/runOutcome';
import { sampleRun, SESSION_ID } from './sampleRun';

const result = (status: 'completed' | 'failed' | 'cancelled' | 'timed_out', success = status === 'completed') => ({
  success,
  status,
  sessionId: SESSION_ID,
  logFile: '/l',
  dashboardFile: '/d',
  reportFile: '/r',
  warnings: [],
});

describe('run outcome and engine failures in words', () => {
  it('reports status, findings by severity and the fixes of a dry run', () => {
    const notice = runOutcomeNotice(result('completed'), sampleRun().state());
    assert.deepEqual(notice, {
      level: 'info',
      text: 'Agent Orchestrator: run completed in 1.8 s: 1 finding (1 high), 1 fix proposed as diffs to 1 file (not applied).',
    });
  });

  it('reports a cancelled run with how far it got', () => {
    const notice = runOutcomeNotice(result('cancelled'), sampleRun('cancelled').state());
    assert.equal(notice.level, 'warning');
    assert.match(notice.text, /^Agent Orchestrator: run cancelled after 1 of 3 agents: 1 finding/);
  });

  it('reports a failure with its error', () => {
    const notice = runOutcomeNotice({ ...result('failed'), error: 'boom' }, null);
    assert.deepEqual(notice, { level: 'error', text: 'Agent Orchestrator: run failed (boom).' });
  });

  it('explains a locked store and names the setting behind a configuration error', () => {
    assert.equal(describeEngineFailure('run the request', new EngineRequestError('locked by pid 7', 'store-locked')), STORE_LOCKED_MESSAGE);
    const config = new EngineRequestError('orchestration.maxParallelAgents: Too big', 'config');
    assert.match(describeEngineFailure('run the request', config, ['agentOrchestrator.maxParallelAgents']), /^The setting agentOrchestrator\.maxParallelAgents is invalid/);
    assert.match(describeEngineFailure('run the request', config, []), /check \.agent-orchestrator\/config\.json/);
    assert.equal(describeEngineFailure('list the sessions', new Error('gone')), 'Agent Orchestrator could not list the sessions: gone');
  });
});
