import { strict as assert } from 'node:assert';
import {
  configOverridesFromSettings,
  describeSettingErrors,
  settingsNamedIn,
  type EngineSettingName,
  type InspectedSetting,
} from '../../../src/vscode/settings';

/** An inspector over what the user set; every other setting reports only its default (as VS Code's inspect does). */
function inspector(set: Partial<Record<EngineSettingName, InspectedSetting>>): (name: EngineSettingName) => InspectedSetting {
  return (name) => set[name] ?? {};
}

describe('settings -> engine config overrides', () => {
  it('passes no override for settings left at their default, so the workspace config file decides', () => {
    const result = configOverridesFromSettings(inspector({}));
    assert.deepEqual(result, { ok: true, overrides: {}, userSet: [] });
  });

  it('maps each set setting to its section of the seed configuration', () => {
    const result = configOverridesFromSettings(inspector({
      maxParallelAgents: { globalValue: 2 },
      dashboardEnabled: { workspaceValue: false },
      maxHistorySize: { globalValue: 50 },
      patternConfidenceThreshold: { workspaceFolderValue: 85 },
      logRetention: { globalValue: '12h' },
    }));
    assert.ok(result.ok);
    assert.deepEqual(result.overrides, {
      orchestration: { maxParallelAgents: 2, dashboardEnabled: false, logRetention: '12h' },
      communication: { maxHistorySize: 50 },
      learning: { patternConfidenceThreshold: 85 },
    });
    assert.deepEqual(result.userSet.sort(), [
      'agentOrchestrator.dashboardEnabled',
      'agentOrchestrator.logRetention',
      'agentOrchestrator.maxHistorySize',
      'agentOrchestrator.maxParallelAgents',
      'agentOrchestrator.patternConfidenceThreshold',
    ]);
  });

  it('takes the most specific scope: folder over workspace over user', () => {
    const result = configOverridesFromSettings(inspector({ agentTimeout: { globalValue: 1000, workspaceValue: 2000, workspaceFolderValue: 3000 } }));
    assert.ok(result.ok);
    assert.deepEqual(result.overrides, { orchestration: { agentTimeout: 3000 } });
  });

  it('rejects an out-of-range or mistyped value naming the setting', () => {
    const result = configOverridesFromSettings(inspector({ maxParallelAgents: { globalValue: 0 }, agentTimeout: { workspaceValue: 'soon' } }));
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.deepEqual(result.errors.map((error) => error.setting).sort(), ['agentOrchestrator.agentTimeout', 'agentOrchestrator.maxParallelAgents']);
    assert.match(describeSettingErrors(result.errors), /agentOrchestrator\.maxParallelAgents: .*no run starts/);
  });

  it('rejects a retention that is not a duration', () => {
    const result = configOverridesFromSettings(inspector({ logRetention: { globalValue: 'forever' } }));
    assert.ok(!result.ok);
    assert.equal(result.errors[0]?.setting, 'agentOrchestrator.logRetention');
  });

  it('names the setting behind an engine configuration error only when the user set it', () => {
    const message = 'orchestration.agentTimeout: Too small: expected number to be >=100';
    assert.deepEqual(settingsNamedIn(message, ['agentOrchestrator.agentTimeout']), ['agentOrchestrator.agentTimeout']);
    assert.deepEqual(settingsNamedIn(message, []), []);
  });
});
