import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../../src/core/config/loadConfig';

describe('loadConfig', () => {
  const made: string[] = [];

  /** A fresh workspace folder; with `config`, it gets .agent-orchestrator/config.json holding that text. */
  function workspace(config?: string): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ao-config-'));
    made.push(dir);
    if (config !== undefined) {
      mkdirSync(path.join(dir, '.agent-orchestrator'));
      writeFileSync(path.join(dir, '.agent-orchestrator', 'config.json'), config);
    }
    return dir;
  }

  function configFile(dir: string): string {
    return path.join(dir, '.agent-orchestrator', 'config.json');
  }

  /** The ConfigError `load` throws (fails the test when it throws nothing or something else). */
  function configError(load: () => unknown): ConfigError {
    try {
      load();
    } catch (error) {
      assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
      return error;
    }
    assert.fail('expected a ConfigError, but the configuration loaded');
  }

  after(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });

  it('uses the seed\'s defaults when there is no file and no variable', () => {
    const { config, sources } = loadConfig({ workspaceRoot: workspace(), env: {} });
    assert.deepEqual(config, {
      orchestration: { maxParallelAgents: 5, agentTimeout: 120_000, enableLearning: true, enableCommunication: true, logRetention: '30d', maxSessions: 50, dashboardEnabled: true },
      communication: { maxHistorySize: 1000, messageRetention: '7d', broadcastEnabled: true, assistanceTimeout: 10_000 },
      learning: { maxExecutionsPerAgent: 100, patternConfidenceThreshold: 70, mcpIntegration: true },
      // No model unless one is configured: every agent runs offline.
      models: { default: { provider: 'offline' }, agents: {}, aliases: {}, prices: {}, limits: { run: {}, agent: {} } },
    });
    assert.deepEqual(sources, ['defaults']);
  });

  it('takes the values of .agent-orchestrator/config.json and keeps the defaults of the keys it leaves out', () => {
    const dir = workspace(JSON.stringify({
      orchestration: { maxParallelAgents: 2, logRetention: '12h', logDir: 'out/logs' },
      communication: { broadcastEnabled: false },
      learning: { patternConfidenceThreshold: 85.5 },
    }));
    const { config, sources } = loadConfig({ workspaceRoot: dir, env: {} });
    assert.equal(config.orchestration.maxParallelAgents, 2);
    assert.equal(config.orchestration.logRetention, '12h');
    assert.equal(config.orchestration.logDir, 'out/logs');
    assert.equal(config.orchestration.agentTimeout, 120_000, 'an unset key keeps its default');
    assert.equal(config.communication.broadcastEnabled, false);
    assert.equal(config.communication.maxHistorySize, 1000);
    assert.equal(config.learning.patternConfidenceThreshold, 85.5);
    assert.deepEqual(sources, ['defaults', configFile(dir)]);
  });

  it('reads a config.json saved with a UTF-8 byte order mark, as Windows editors do', () => {
    const dir = workspace(`\uFEFF${JSON.stringify({ orchestration: { maxParallelAgents: 3 } })}`);
    const { config, sources } = loadConfig({ workspaceRoot: dir, env: {} });
    assert.equal(config.orchestration.maxParallelAgents, 3);
    assert.deepEqual(sources, ['defaults', configFile(dir)]);
  });

  it('lets AGENT_ORCHESTRATOR_* variables override the file', () => {
    const dir = workspace(JSON.stringify({ orchestration: { maxParallelAgents: 2, agentTimeout: 5000, enableLearning: true, logDir: 'from-file' } }));
    const { config, sources } = loadConfig({
      workspaceRoot: dir,
      env: {
        AGENT_ORCHESTRATOR_MAX_PARALLEL_AGENTS: '7',
        AGENT_ORCHESTRATOR_AGENT_TIMEOUT: ' 9000 ',
        AGENT_ORCHESTRATOR_ENABLE_LEARNING: 'off',
        AGENT_ORCHESTRATOR_LOG_DIR: 'from-env',
        AGENT_ORCHESTRATOR_LOG_RETENTION: '90m',
        AGENT_ORCHESTRATOR_MAX_HISTORY_SIZE: '50',
        AGENT_ORCHESTRATOR_PATTERN_CONFIDENCE_THRESHOLD: '62.5',
        UNRELATED_VARIABLE: 'ignored',
      },
    });
    assert.equal(config.orchestration.maxParallelAgents, 7);
    assert.equal(config.orchestration.agentTimeout, 9000);
    assert.equal(config.orchestration.enableLearning, false);
    assert.equal(config.orchestration.logDir, 'from-env');
    assert.equal(config.orchestration.logRetention, '90m');
    assert.equal(config.communication.maxHistorySize, 50);
    assert.equal(config.learning.patternConfidenceThreshold, 62.5);
    assert.equal(sources[1], configFile(dir));
    assert.ok(sources.includes('AGENT_ORCHESTRATOR_MAX_PARALLEL_AGENTS') && sources.includes('AGENT_ORCHESTRATOR_LOG_DIR'));
    assert.ok(!sources.includes('UNRELATED_VARIABLE'));
  });

  it('ignores an empty variable, so the file value stays', () => {
    const dir = workspace(JSON.stringify({ orchestration: { maxParallelAgents: 3 } }));
    const { config, sources } = loadConfig({ workspaceRoot: dir, env: { AGENT_ORCHESTRATOR_MAX_PARALLEL_AGENTS: '' } });
    assert.equal(config.orchestration.maxParallelAgents, 3);
    assert.ok(!sources.includes('AGENT_ORCHESTRATOR_MAX_PARALLEL_AGENTS'));
  });

  it('lets explicit overrides (command-line flags) beat both the variables and the file', () => {
    const dir = workspace(JSON.stringify({ orchestration: { maxParallelAgents: 2, agentTimeout: 5000 } }));
    const { config } = loadConfig({
      workspaceRoot: dir,
      env: { AGENT_ORCHESTRATOR_MAX_PARALLEL_AGENTS: '7', AGENT_ORCHESTRATOR_AGENT_TIMEOUT: '9000' },
      overrides: { orchestration: { maxParallelAgents: 1, agentTimeout: undefined } },
    });
    assert.equal(config.orchestration.maxParallelAgents, 1);
    assert.equal(config.orchestration.agentTimeout, 9000, 'an undefined override (flag not given) leaves the variable\'s value');
  });

  it('lets a variable repair a bad value committed in the file', () => {
    const dir = workspace(JSON.stringify({ orchestration: { maxParallelAgents: 0 } }));
    const { config } = loadConfig({ workspaceRoot: dir, env: { AGENT_ORCHESTRATOR_MAX_PARALLEL_AGENTS: '4' } });
    assert.equal(config.orchestration.maxParallelAgents, 4);
  });

  it('refuses a logDir in the workspace file that leads outside the workspace, but takes one from the environment', () => {
    for (const logDir of ['../outside', '/tmp/elsewhere']) {
      const dir = workspace(JSON.stringify({ orchestration: { logDir } }));
      const error = configError(() => loadConfig({ workspaceRoot: dir, env: {} }));
      assert.match(error.message, /orchestration\.logDir: .* is outside the workspace/);
    }
    const dir = workspace(JSON.stringify({ orchestration: { logDir: 'logs/agents' } }));
    assert.equal(loadConfig({ workspaceRoot: dir, env: {} }).config.orchestration.logDir, 'logs/agents');
    assert.equal(loadConfig({ workspaceRoot: dir, env: { AGENT_ORCHESTRATOR_LOG_DIR: '/tmp/ao-logs' } }).config.orchestration.logDir, '/tmp/ao-logs');
  });

  it('rejects an agent timeout longer than a timer can hold', () => {
    const error = configError(() => loadConfig({ workspaceRoot: workspace(), env: { AGENT_ORCHESTRATOR_AGENT_TIMEOUT: '3000000000' } }));
    assert.match(error.message, /AGENT_ORCHESTRATOR_AGENT_TIMEOUT \(orchestration\.agentTimeout\)/);
  });

  it('rejects a wrongly typed file value, naming the file, the key and the expected type', () => {
    const dir = workspace(JSON.stringify({ orchestration: { maxParallelAgents: 'five' } }));
    const error = configError(() => loadConfig({ workspaceRoot: dir, env: {} }));
    assert.ok(error.message.includes(configFile(dir)), error.message);
    assert.match(error.message, /orchestration\.maxParallelAgents: .*expected number, received string/);
  });

  it('rejects an out-of-range file value, naming the key', () => {
    const dir = workspace(JSON.stringify({ learning: { patternConfidenceThreshold: 170 } }));
    assert.match(configError(() => loadConfig({ workspaceRoot: dir, env: {} })).message, /learning\.patternConfidenceThreshold: .*100/);
  });

  it('rejects an unknown key (a typo), naming it', () => {
    const dir = workspace(JSON.stringify({ orchestration: { maxParalelAgents: 3 } }));
    const error = configError(() => loadConfig({ workspaceRoot: dir, env: {} }));
    assert.match(error.message, /orchestration: .*"maxParalelAgents"/);
  });

  it('rejects an unknown section, naming it', () => {
    const dir = workspace(JSON.stringify({ orchestraton: { maxParallelAgents: 3 } }));
    assert.match(configError(() => loadConfig({ workspaceRoot: dir, env: {} })).message, /"orchestraton"/);
  });

  it('rejects a file that is not valid JSON, naming the file', () => {
    const dir = workspace('{ "orchestration": { "maxParallelAgents": 3, } }');
    const error = configError(() => loadConfig({ workspaceRoot: dir, env: {} }));
    assert.ok(error.message.includes(configFile(dir)), error.message);
    assert.match(error.message, /not valid JSON/);
  });

  it('rejects a file whose top level is not an object', () => {
    const dir = workspace('[1, 2]');
    const error = configError(() => loadConfig({ workspaceRoot: dir, env: {} }));
    assert.ok(error.message.includes(configFile(dir)), error.message);
  });

  it('rejects a variable that is not an integer, naming the variable and the value', () => {
    for (const value of ['five', '2.5', '3x']) {
      const error = configError(() => loadConfig({ workspaceRoot: workspace(), env: { AGENT_ORCHESTRATOR_MAX_PARALLEL_AGENTS: value } }));
      assert.match(error.message, /^AGENT_ORCHESTRATOR_MAX_PARALLEL_AGENTS: expected an integer/);
      assert.ok(error.message.includes(`"${value}"`), error.message);
    }
  });

  it('rejects a number variable written in a form other than a decimal number', () => {
    for (const value of ['0x10', 'Infinity', 'seventy']) {
      const error = configError(() => loadConfig({ workspaceRoot: workspace(), env: { AGENT_ORCHESTRATOR_PATTERN_CONFIDENCE_THRESHOLD: value } }));
      assert.match(error.message, /AGENT_ORCHESTRATOR_PATTERN_CONFIDENCE_THRESHOLD: expected a number/, `${value}: ${error.message}`);
    }
  });

  it('rejects a boolean variable that is not true or false, naming it', () => {
    const error = configError(() => loadConfig({ workspaceRoot: workspace(), env: { AGENT_ORCHESTRATOR_ENABLE_LEARNING: 'maybe' } }));
    assert.match(error.message, /AGENT_ORCHESTRATOR_ENABLE_LEARNING: expected true or false, got "maybe"/);
  });

  it('names the variable and the key when a variable\'s value is out of range', () => {
    const error = configError(() => loadConfig({ workspaceRoot: workspace(), env: { AGENT_ORCHESTRATOR_MAX_PARALLEL_AGENTS: '0' } }));
    assert.match(error.message, /AGENT_ORCHESTRATOR_MAX_PARALLEL_AGENTS \(orchestration\.maxParallelAgents\)/);
  });

  it('blames the override, not the variable it replaced, for a bad override', () => {
    const error = configError(() => loadConfig({
      workspaceRoot: workspace(),
      env: { AGENT_ORCHESTRATOR_MAX_PARALLEL_AGENTS: '4' },
      overrides: { orchestration: { maxParallelAgents: 100 } },
    }));
    assert.match(error.message, /orchestration\.maxParallelAgents/);
    assert.doesNotMatch(error.message, /AGENT_ORCHESTRATOR_MAX_PARALLEL_AGENTS/);
  });

  it('rejects a retention that is not a duration, in the file and in the variable', () => {
    const fromFile = configError(() => loadConfig({ workspaceRoot: workspace(JSON.stringify({ orchestration: { logRetention: '30 days' } })), env: {} }));
    assert.match(fromFile.message, /orchestration\.logRetention: expected a duration such as "30d"/);
    const fromEnv = configError(() => loadConfig({ workspaceRoot: workspace(), env: { AGENT_ORCHESTRATOR_LOG_RETENTION: '3w' } }));
    assert.match(fromEnv.message, /AGENT_ORCHESTRATOR_LOG_RETENTION \(orchestration\.logRetention\): expected a duration/);
    const message = configError(() => loadConfig({ workspaceRoot: workspace(JSON.stringify({ communication: { messageRetention: 7 } })), env: {} }));
    assert.match(message.message, /communication\.messageRetention/);
  });
});
