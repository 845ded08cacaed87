// A status bar item while a run is live: `$(sync~spin) Agents 2/4 · 50%`, the request as tooltip, click to show the
// dashboard. Hidden when idle.
import * as vscode from 'vscode';
import { progressOf } from '../core/logging/runState';
import type { RunController } from './runController';

export class RunStatusBar implements vscode.Disposable {
  readonly #item: vscode.StatusBarItem;
  readonly #runs: RunController;
  readonly #subscription: vscode.Disposable;

  constructor(runs: RunController) {
    this.#runs = runs;
    this.#item = vscode.window.createStatusBarItem('agentOrchestrator.run', vscode.StatusBarAlignment.Left, 50);
    this.#item.name = 'Agent Orchestrator Run';
    this.#item.command = 'agentOrchestrator.showDashboard';
    this.#subscription = runs.onDidChange(() => this.#update());
    this.#update();
  }

  /** The text shown now (for tests and the accessibility label). */
  get text(): string {
    return this.#item.text;
  }

  #update(): void {
    if (!this.#runs.running) {
      this.#item.hide();
      return;
    }
    const state = this.#runs.state;
    const { done, total, percent } = state ? progressOf(state) : { done: 0, total: 0, percent: 0 };
    this.#item.text = total > 0 ? `$(sync~spin) Agents ${done}/${total} · ${percent}%` : '$(sync~spin) Agents: planning…';
    this.#item.tooltip = `Agent Orchestrator: ${this.#runs.request ?? ''}\nClick to show the dashboard.`;
    this.#item.accessibilityInformation = { label: `Agent Orchestrator run: ${done} of ${total} agents done, ${percent} percent` };
    this.#item.show();
  }

  dispose(): void {
    this.#subscription.dispose();
    this.#item.dispose();
  }
}
