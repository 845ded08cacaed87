export interface StartCodeServerOptions {
  /** Folder the server opens when the URL names none. */
  workspace?: string;
  /** Passes --disable-workspace-trust (default true); false opens folders in Restricted Mode. */
  trustWorkspace?: boolean;
  /** Passes --vscode-option enable-smoke-test-driver, needed for the `payload` extension-test URL. */
  smokeTestDriver?: boolean;
  /** Extra environment for the server and its extension hosts. */
  env?: Record<string, string>;
  /** User settings merged over the quiet defaults. */
  settings?: Record<string, unknown>;
  /** Folder for user data, extensions, config and log; a fresh temporary folder (removed on stop) by default. */
  baseDir?: string;
  keepBaseDir?: boolean;
  userDataDir?: string;
  extensionsDir?: string;
  port?: number;
  startTimeoutMs?: number;
}

export interface RunningCodeServer {
  url: string;
  port: number;
  pid: number | undefined;
  baseDir: string;
  userDataDir: string;
  extensionsDir: string;
  logFile: string;
  readLog(): string;
  /** Stops the server's whole process group; idempotent. */
  stop(): Promise<void>;
  /** Resolves when the server process exits (on its own or through stop()). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>;
  workbenchUrl(folder?: string, payload?: readonly (readonly [string, string])[]): string;
  remoteUri(absolutePath: string): string;
}

export declare function freePort(): Promise<number>;
export declare function startCodeServer(options?: StartCodeServerOptions): Promise<RunningCodeServer>;
export declare function installExtension(options: { vsix: string; extensionsDir: string; userDataDir: string; timeoutMs?: number }): Promise<string>;
