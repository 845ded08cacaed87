import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeEvent, progressStatus } from '../../../src/cli/terminalReporter';
import { createRunState, applyEvent, type RunState } from '../../../src/core/logging/runState';
import { ExecutionOrchestrator } from '../../../src/core/orchestrator/executionOrchestrator';
import type { CommandResult, CommandRunner, WorkspaceFiles } from '../../../src/core/ports';
import { OrchestratorConfigSchema } from '../../../src/core/protocol/config';
import { OrchestratorEventSchema } from '../../../src/core/protocol/events';
import { MemoryStore } from '../../helpers/memoryStore';

describe('Live terminal lines', () => {
  it('say what a VALIDATION_REQUEST asks to be checked: which files, which findings, which changes', () => {
    const event = OrchestratorEventSchema.parse({
      sessionId: 's', seq: 5, ts: 1, type: 'message.sent',
      payload: {
        message: {
          id: 'm1', from: 'backend-api-developer', to: 'security-auditor', type: 'validation_request', priority: 'high', timestamp: 1,
          payload: {
            changesImplemented: ['Fixed agent-orchestrator/missing-tenant-filter at src/routes/auth.ts:31', 'Fixed agent-orchestrator/missing-tenant-filter at src/routes/invoices.ts:21'],
            filesModified: ['src/routes/auth.ts', 'src/routes/invoices.ts'],
            requestingReview: true,
            findingIds: ['f1', 'f2'],
          },
        },
      },
    });
    const line = (describeEvent(event) ?? '').replace(/\x1b\[[0-9;]*m/g, '');
    assert.match(line, /backend-api-developer → security-auditor: VALIDATION_REQUEST of src\/routes\/auth\.ts, src\/routes\/invoices\.ts \(claims to fix 2 finding\(s\)\): Fixed agent-orchestrator\/missing-tenant-filter at src\/routes\/auth\.ts:31; /);
  });

  it('give the progress bar what each running agent is doing, such as the command it runs', async () => {
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'ao-progress-'));
    let finishCommand: (result: CommandResult) => void = () => {};
    let statusDuringCommand = '';
    let state: RunState | null = null;
    const runner: CommandRunner = {
      run: () => new Promise<CommandResult>((resolve) => {
        statusDuringCommand = state ? progressStatus(state) : '';
        finishCommand = resolve;
        setImmediate(() => finishCommand({ exitCode: 0, stdout: '', stderr: '', timedOut: false, durationMs: 1 }));
      }),
    };
    const workspace: WorkspaceFiles = {
      root: '/ws', listFiles: async () => [], readFile: async () => '', writeFile: async () => {}, exists: async () => false, resolve: (file) => `/ws/${file}`,
    };
    const orchestrator = new ExecutionOrchestrator({
      workspace, store: new MemoryStore(), logDir, commandRunner: runner,
      roster: [{ name: 'tester', description: '', capabilities: ['testing'], stage: 'verification', runtime: 'offline', model: null }],
      runtimes: [{
        name: 'tester', capabilities: [],
        run: async (context) => {
          await context.useTool('Bash', { command: 'npm test' }, () => context.commandRunner!.run('npm', ['test'], { cwd: '/ws', timeoutMs: 1000 }));
          return { summary: 'tested' };
        },
      }],
      config: OrchestratorConfigSchema.parse({}),
    });
    try {
      const result = await orchestrator.executeRequest('Run the tests', { allowCommands: true, onEvent: (event) => applyEvent((state ??= createRunState(event.sessionId)), event) });
      assert.equal(result.status, 'completed');
      assert.equal(statusDuringCommand, 'tester: running a command: npm test');
      assert.equal(progressStatus(state!), '', 'nothing is running once the run ended');
    } finally {
      rmSync(logDir, { recursive: true, force: true });
    }
  });
});
