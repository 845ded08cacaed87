// Commands on what the agents learned: clear everything (with confirmation), delete one pattern.
import * as vscode from 'vscode';
import { patternIdOf } from './commandArgs';
import type { EngineApi } from './engineClient';
import { countOf } from './format';
import { describeEngineFailure } from './runOutcome';
import type { WorkspaceTrustGate } from './workspaceTrust';

export interface LearningCommandDependencies {
  engine: EngineApi;
  trust: WorkspaceTrustGate;
  refreshPatterns: () => void;
  log: vscode.LogOutputChannel;
}

export class LearningCommands {
  readonly #deps: LearningCommandDependencies;

  constructor(deps: LearningCommandDependencies) {
    this.#deps = deps;
  }

  /** Deletes every learning record and pattern of the workspace after a modal confirmation. */
  async clearLearnings(): Promise<{ executionsRemoved: number; patternsRemoved: number } | undefined> {
    const { trust, engine, log } = this.#deps;
    if (!trust.allows('clear learnings')) return undefined;
    const choice = await vscode.window.showWarningMessage(
      "Clear everything the agents learned in this workspace?",
      {
        modal: true,
        detail:
          "This deletes every recorded agent execution (the history behind plan estimates and recommendations) and every learned pattern from this workspace's .agent-orchestrator store. Sessions and their logs are kept. This cannot be undone.",
      },
      'Clear Learnings',
    );
    if (choice !== 'Clear Learnings') return undefined;
    try {
      const result = await engine.request('clearLearnings', {});
      const text = `Cleared ${countOf(result.executionsRemoved, 'recorded execution')} and ${countOf(result.patternsRemoved, 'pattern')}.`;
      log.info(text);
      void vscode.window.showInformationMessage(`Agent Orchestrator: ${text}`);
      return result;
    } catch (error) {
      this.#fail('clear the learnings', error);
      return undefined;
    } finally {
      this.#deps.refreshPatterns();
    }
  }

  /** Deletes one learned pattern (it is mined again if later runs repeat it). */
  async deletePattern(arg?: unknown): Promise<boolean> {
    const { trust, engine, log } = this.#deps;
    if (!trust.allows('delete patterns')) return false;
    const patternId = patternIdOf(arg);
    if (!patternId) return false;
    try {
      const { deleted } = await engine.request('deletePatterns', { ids: [patternId] });
      log.info(deleted > 0 ? `Deleted pattern ${patternId}.` : `Pattern ${patternId} was already gone.`);
      return deleted > 0;
    } catch (error) {
      this.#fail('delete the pattern', error);
      return false;
    } finally {
      this.#deps.refreshPatterns();
    }
  }

  #fail(action: string, error: unknown): void {
    const message = describeEngineFailure(action, error);
    this.#deps.log.error(message);
    void vscode.window.showErrorMessage(message);
  }
}
