// The dashboard's one link to whoever shows it: the VS Code panel (messages both ways) or nothing at all (the
// standalone HTML file, where buttons that need a host are hidden and posts go nowhere).
import type { DashboardWebviewState, WebviewToHostMessage } from '../../src/shared/dashboardProtocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  setState(state: unknown): unknown;
  getState(): unknown;
}

export type DashboardMode = 'vscode' | 'standalone';

export interface HostBridge {
  readonly mode: DashboardMode;
  post(message: WebviewToHostMessage): void;
  saveState(state: DashboardWebviewState): void;
}

/** VS Code injects `acquireVsCodeApi` into webviews; it may be called once per page. */
export function acquireHost(): HostBridge {
  const acquire = (globalThis as { acquireVsCodeApi?: unknown }).acquireVsCodeApi;
  if (typeof acquire !== 'function') {
    return { mode: 'standalone', post: () => undefined, saveState: () => undefined };
  }
  const api = (acquire as () => VsCodeApi)();
  return {
    mode: 'vscode',
    post: (message) => api.postMessage(message),
    saveState: (state) => {
      api.setState(state);
    },
  };
}
