// When a tree built from the shown session must redraw: at once when another session is shown or a live run
// ends, and at most every REFRESH_INTERVAL_MS while events stream in, so a busy run never floods the tree.
import type * as vscode from 'vscode';
import type { SessionModel } from './sessionModel';
import { Throttle } from './throttle';

export const REFRESH_INTERVAL_MS = 150;

export function refreshOnSessionChanges(sessionModel: SessionModel, refresh: () => void): vscode.Disposable {
  const throttle = new Throttle(refresh, REFRESH_INTERVAL_MS);
  const subscriptions = [
    sessionModel.onDidChangeSession(() => throttle.runNow()),
    sessionModel.onDidAppendEvents(() => throttle.schedule()),
    sessionModel.onDidEndLive(() => throttle.runNow()),
  ];
  return {
    dispose: () => {
      throttle.dispose();
      for (const subscription of subscriptions) subscription.dispose();
    },
  };
}
