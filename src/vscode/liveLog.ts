// The live log in the "Agent Orchestrator" output channel: one concise line per event of a run, and the engine's
// warnings. (The engine's stderr reaches the same channel through EngineProcess's `log` option.)
import type * as vscode from 'vscode';
import type { EngineApi } from './engineClient';
import { eventLogLine } from './eventLogLine';

export class LiveLog implements vscode.Disposable {
  readonly #unsubscribe: (() => void)[];

  constructor(engine: EngineApi, log: vscode.LogOutputChannel) {
    this.#unsubscribe = [
      engine.onEvent((event) => {
        if (event.type === 'agent.failed' || (event.type === 'agent.tool_called' && event.payload.status === 'error')) log.warn(eventLogLine(event));
        else log.info(eventLogLine(event));
      }),
      engine.onWarning((message) => log.warn(message)),
    ];
  }

  dispose(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }
}
