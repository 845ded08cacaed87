// A stand-in for the `vscode` module, good enough to load and activate the extension outside VS Code. The parts
// whose behaviour activation depends on are real (EventEmitter, Disposable, Uri, the workspace folder, trust,
// configuration defaults from package.json, Mementos, secrets); everything else is a tolerant Proxy: any member is
// a function returning a disposable, any constructor returns an object that keeps what is assigned to it. So the
// stub keeps working while src/extension.ts changes. Nothing here is shown to a user: a call simply does nothing.
import * as path from 'node:path';

type Listener<T> = (value: T) => unknown;
type Dict = Record<string | symbol, unknown>;

export interface StubDisposable {
  dispose(): void;
}

export class StubDisposableClass implements StubDisposable {
  readonly #onDispose: () => void;
  #disposed = false;

  constructor(onDispose: () => void = () => {}) {
    this.#onDispose = onDispose;
  }

  static from(...items: { dispose(): unknown }[]): StubDisposableClass {
    return new StubDisposableClass(() => {
      for (const item of items) item.dispose();
    });
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#onDispose();
  }
}

export class StubEventEmitter<T> {
  readonly #listeners = new Set<Listener<T>>();

  readonly event = (listener: Listener<T>, thisArg?: unknown, disposables?: StubDisposable[]): StubDisposable => {
    const bound: Listener<T> = (value) => listener.call(thisArg, value);
    this.#listeners.add(bound);
    const disposable = new StubDisposableClass(() => this.#listeners.delete(bound));
    disposables?.push(disposable);
    return disposable;
  };

  fire(value: T): void {
    for (const listener of [...this.#listeners]) listener(value);
  }

  dispose(): void {
    this.#listeners.clear();
  }
}

export class StubUri {
  readonly scheme: string;
  readonly authority: string;
  readonly path: string;
  readonly query: string;
  readonly fragment: string;

  constructor(scheme: string, authority: string, uriPath: string, query = '', fragment = '') {
    this.scheme = scheme;
    this.authority = authority;
    this.path = uriPath;
    this.query = query;
    this.fragment = fragment;
  }

  static file(fsPath: string): StubUri {
    return new StubUri('file', '', path.resolve(fsPath).split(path.sep).join('/'));
  }

  static parse(value: string): StubUri {
    const url = new URL(value);
    return new StubUri(url.protocol.replace(/:$/, ''), url.host, decodeURIComponent(url.pathname), url.search.replace(/^\?/, ''), url.hash.replace(/^#/, ''));
  }

  static joinPath(base: StubUri, ...segments: string[]): StubUri {
    return base.with({ path: path.posix.join(base.path, ...segments) });
  }

  static from(parts: { scheme: string; authority?: string; path?: string; query?: string; fragment?: string }): StubUri {
    return new StubUri(parts.scheme, parts.authority ?? '', parts.path ?? '/', parts.query ?? '', parts.fragment ?? '');
  }

  get fsPath(): string {
    return this.path.split('/').join(path.sep);
  }

  with(change: { scheme?: string; authority?: string; path?: string; query?: string; fragment?: string }): StubUri {
    return new StubUri(change.scheme ?? this.scheme, change.authority ?? this.authority, change.path ?? this.path, change.query ?? this.query, change.fragment ?? this.fragment);
  }

  toString(): string {
    const query = this.query ? `?${this.query}` : '';
    const fragment = this.fragment ? `#${this.fragment}` : '';
    return `${this.scheme}://${this.authority}${encodeURI(this.path)}${query}${fragment}`;
  }

  toJSON(): unknown {
    return { scheme: this.scheme, authority: this.authority, path: this.path, query: this.query, fragment: this.fragment };
  }
}

export class StubMemento {
  readonly #values = new Map<string, unknown>();

  keys(): readonly string[] {
    return [...this.#values.keys()];
  }

  get<T>(key: string, defaultValue?: T): T | undefined {
    return this.#values.has(key) ? (this.#values.get(key) as T) : defaultValue;
  }

  async update(key: string, value: unknown): Promise<void> {
    if (value === undefined) this.#values.delete(key);
    else this.#values.set(key, value);
  }

  setKeysForSync(): void {}
}

export class StubSecrets {
  readonly #values = new Map<string, string>();
  readonly #changed = new StubEventEmitter<{ key: string }>();
  readonly onDidChange = this.#changed.event;

  async get(key: string): Promise<string | undefined> {
    return this.#values.get(key);
  }

  async store(key: string, value: string): Promise<void> {
    this.#values.set(key, value);
    this.#changed.fire({ key });
  }

  async delete(key: string): Promise<void> {
    this.#values.delete(key);
    this.#changed.fire({ key });
  }

  async keys(): Promise<string[]> {
    return [...this.#values.keys()];
  }
}

const STUB_NAME = Symbol('stubName');

/**
 * Anything: callable (returns another stub that is also a disposable), constructible (returns an object that keeps
 * assigned properties), and every property is again a stub. `then` is absent so awaiting a stub does not hang.
 */
export function tolerant(name: string): unknown {
  const own: Dict = {};
  const target = function stub(): void {};
  return new Proxy(target, {
    get(_target, key) {
      if (key === STUB_NAME) return name;
      if (key in own) return own[key];
      if (key === 'then') return undefined;
      if (key === Symbol.toPrimitive) return (hint: string) => (hint === 'number' ? 0 : `[stub ${name}]`);
      if (key === Symbol.iterator) return function* empty(): Generator<never> {};
      if (key === 'toJSON') return () => `[stub ${name}]`;
      if (key === 'dispose') return () => {};
      if (typeof key === 'symbol') return undefined;
      const child = tolerant(`${name}.${key}`);
      own[key] = child;
      return child;
    },
    set(_target, key, value) {
      own[key] = value;
      return true;
    },
    has(_target, key) {
      return key in own || key === 'dispose';
    },
    apply() {
      return tolerant(`${name}()`);
    },
    construct() {
      return tolerant(`new ${name}`) as object;
    },
  });
}

/** A class that keeps its constructor arguments, for value types (TreeItem, Range, Diagnostic, ThemeIcon...). */
function valueClass(name: string, fields: readonly string[]): unknown {
  const klass = class {
    constructor(...args: unknown[]) {
      fields.forEach((field, index) => {
        if (args[index] !== undefined) (this as unknown as Dict)[field] = args[index];
      });
    }
  };
  Object.defineProperty(klass, 'name', { value: name });
  return klass;
}

/** A namespace with the given members; other members are tolerant stubs. */
function namespace(name: string, members: Dict): unknown {
  const fallback = tolerant(name) as Dict;
  return new Proxy(members, {
    get(target, key) {
      if (key in target) return target[key];
      if (key === 'then') return undefined;
      return fallback[key];
    },
  });
}

/** Enum-like objects: a member read by name gets a stable number. */
function enumLike(known: Record<string, number>): unknown {
  let next = 100;
  const values: Dict = { ...known };
  return new Proxy(values, {
    get(target, key) {
      if (typeof key === 'symbol') return undefined;
      if (!(key in target)) target[key] = next++;
      return target[key];
    },
  });
}

export interface VscodeStubOptions {
  workspaceFolder: string;
  /** contributes.configuration.properties of the extension's package.json, for configuration defaults. */
  configurationDefaults: Record<string, unknown>;
}

function configuration(section: string | undefined, defaults: Record<string, unknown>): unknown {
  const full = (key: string): string => (section ? `${section}.${key}` : key);
  return {
    get: (key: string, fallback?: unknown): unknown => defaults[full(key)] ?? fallback,
    has: (key: string): boolean => full(key) in defaults,
    inspect: (key: string): unknown => ({ key: full(key), defaultValue: defaults[full(key)] }),
    update: async (): Promise<void> => {},
  };
}

function event(): (listener: Listener<unknown>) => StubDisposable {
  return new StubEventEmitter<unknown>().event;
}

function disposableFunction(): () => StubDisposable {
  return () => new StubDisposableClass();
}

/** The `vscode` module as the extension will see it. */
export function createVscodeStub(options: VscodeStubOptions): unknown {
  const folderUri = StubUri.file(options.workspaceFolder);
  const folder = { uri: folderUri, name: path.basename(options.workspaceFolder), index: 0 };
  const registered = new Map<string, (...args: unknown[]) => unknown>();
  const output = (channelName: string): unknown => namespace(`OutputChannel(${channelName})`, { name: channelName, onDidChangeLogLevel: event(), logLevel: 2 });

  return namespace('vscode', {
    version: '1.95.0',
    EventEmitter: StubEventEmitter,
    Disposable: StubDisposableClass,
    Uri: StubUri,
    CancellationTokenSource: class {
      readonly #emitter = new StubEventEmitter<void>();
      readonly token = { isCancellationRequested: false, onCancellationRequested: this.#emitter.event };
      cancel(): void {
        this.token.isCancellationRequested = true;
        this.#emitter.fire();
      }
      dispose(): void {
        this.#emitter.dispose();
      }
    },
    TreeItem: valueClass('TreeItem', ['label', 'collapsibleState']),
    ThemeIcon: Object.assign(valueClass('ThemeIcon', ['id', 'color']) as object, { File: { id: 'file' }, Folder: { id: 'folder' } }),
    ThemeColor: valueClass('ThemeColor', ['id']),
    MarkdownString: class {
      value: string;
      isTrusted = false;
      supportThemeIcons = false;
      constructor(value = '') {
        this.value = value;
      }
      appendMarkdown(text: string): this {
        this.value += text;
        return this;
      }
      appendText(text: string): this {
        this.value += text;
        return this;
      }
      appendCodeblock(code: string): this {
        this.value += `\n\`\`\`\n${code}\n\`\`\`\n`;
        return this;
      }
    },
    Position: valueClass('Position', ['line', 'character']),
    Range: valueClass('Range', ['start', 'end']),
    Selection: valueClass('Selection', ['anchor', 'active']),
    Location: valueClass('Location', ['uri', 'range']),
    Diagnostic: valueClass('Diagnostic', ['range', 'message', 'severity']),
    RelativePattern: valueClass('RelativePattern', ['base', 'pattern']),
    TreeItemCollapsibleState: enumLike({ None: 0, Collapsed: 1, Expanded: 2 }),
    DiagnosticSeverity: enumLike({ Error: 0, Warning: 1, Information: 2, Hint: 3 }),
    StatusBarAlignment: enumLike({ Left: 1, Right: 2 }),
    ViewColumn: enumLike({ Active: -1, Beside: -2, One: 1, Two: 2, Three: 3 }),
    ProgressLocation: enumLike({ SourceControl: 1, Window: 10, Notification: 15 }),
    ConfigurationTarget: enumLike({ Global: 1, Workspace: 2, WorkspaceFolder: 3 }),
    ExtensionMode: enumLike({ Production: 1, Development: 2, Test: 3 }),
    LogLevel: enumLike({ Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 }),
    workspace: namespace('workspace', {
      workspaceFolders: [folder],
      name: folder.name,
      isTrusted: true,
      getWorkspaceFolder: () => folder,
      getConfiguration: (section?: string) => configuration(section, options.configurationDefaults),
      onDidChangeConfiguration: event(),
      onDidGrantWorkspaceTrust: event(),
      onDidChangeWorkspaceFolders: event(),
      onDidSaveTextDocument: event(),
      onDidChangeTextDocument: event(),
      onDidOpenTextDocument: event(),
      onDidCloseTextDocument: event(),
      onDidCreateFiles: event(),
      onDidDeleteFiles: event(),
      onDidRenameFiles: event(),
      textDocuments: [],
      createFileSystemWatcher: () =>
        namespace('FileSystemWatcher', { onDidCreate: event(), onDidChange: event(), onDidDelete: event(), dispose: () => {} }),
      registerTextDocumentContentProvider: disposableFunction(),
      asRelativePath: (value: string | StubUri) => path.relative(options.workspaceFolder, typeof value === 'string' ? value : value.fsPath),
    }),
    window: namespace('window', {
      createOutputChannel: (channelName: string) => output(channelName),
      registerTreeDataProvider: disposableFunction(),
      registerWebviewPanelSerializer: disposableFunction(),
      registerWebviewViewProvider: disposableFunction(),
      registerUriHandler: disposableFunction(),
      createTreeView: (id: string) =>
        namespace(`TreeView(${id})`, {
          onDidChangeSelection: event(),
          onDidChangeVisibility: event(),
          onDidExpandElement: event(),
          onDidCollapseElement: event(),
          onDidChangeCheckboxState: event(),
          visible: false,
          selection: [],
          reveal: async () => {},
          dispose: () => {},
        }),
      createStatusBarItem: () => namespace('StatusBarItem', { show: () => {}, hide: () => {}, dispose: () => {} }),
      showInformationMessage: async () => undefined,
      showWarningMessage: async () => undefined,
      showErrorMessage: async () => undefined,
      showInputBox: async () => undefined,
      showQuickPick: async () => undefined,
      withProgress: async (_options: unknown, task: (progress: unknown, token: unknown) => unknown) =>
        task({ report: () => {} }, { isCancellationRequested: false, onCancellationRequested: event() }),
      onDidChangeActiveTextEditor: event(),
      onDidChangeVisibleTextEditors: event(),
      onDidChangeWindowState: event(),
      onDidChangeActiveColorTheme: event(),
      activeTextEditor: undefined,
      visibleTextEditors: [],
      state: { focused: true, active: true },
    }),
    commands: namespace('commands', {
      registerCommand: (id: string, handler: (...args: unknown[]) => unknown) => {
        registered.set(id, handler);
        return new StubDisposableClass(() => registered.delete(id));
      },
      registerTextEditorCommand: disposableFunction(),
      executeCommand: async (id: string, ...args: unknown[]) => registered.get(id)?.(...args),
      getCommands: async () => [...registered.keys()],
    }),
    languages: namespace('languages', {
      createDiagnosticCollection: (collectionName?: string) =>
        namespace(`DiagnosticCollection(${collectionName ?? ''})`, { set: () => {}, delete: () => {}, clear: () => {}, forEach: () => {}, get: () => undefined, has: () => false, dispose: () => {} }),
      registerCodeActionsProvider: disposableFunction(),
      registerCodeLensProvider: disposableFunction(),
      registerHoverProvider: disposableFunction(),
      onDidChangeDiagnostics: event(),
    }),
    lm: namespace('lm', { selectChatModels: async () => [], onDidChangeChatModels: event(), tools: [] }),
    env: namespace('env', {
      appName: 'Visual Studio Code (bench stub)',
      language: 'en',
      machineId: 'bench',
      sessionId: 'bench',
      uiKind: 1,
      remoteName: undefined,
      openExternal: async () => true,
      asExternalUri: async (uri: StubUri) => uri,
      clipboard: { readText: async () => '', writeText: async () => {} },
    }),
    l10n: namespace('l10n', {
      t: (message: string | { message: string }, ...args: unknown[]) => {
        const text = typeof message === 'string' ? message : message.message;
        return text.replace(/\{(\d+)\}/g, (whole, index: string) => (args[Number(index)] === undefined ? whole : String(args[Number(index)])));
      },
      bundle: undefined,
      uri: undefined,
    }),
    extensions: namespace('extensions', { getExtension: () => undefined, all: [], onDidChange: event() }),
  });
}

/** Every `contributes.configuration.properties` default of a package.json, keyed by full setting name. */
export function configurationDefaults(packageJson: unknown): Record<string, unknown> {
  const properties = (packageJson as { contributes?: { configuration?: { properties?: Record<string, { default?: unknown }> } } }).contributes?.configuration?.properties ?? {};
  return Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, value.default]));
}

export interface FakeExtensionContext {
  subscriptions: { dispose(): unknown }[];
  [key: string]: unknown;
}

/** An ExtensionContext for `activate`: real Mementos and secrets, storage folders under `storageRoot`. */
export function createExtensionContext(extensionRoot: string, storageRoot: string, packageJson: unknown): FakeExtensionContext {
  const extensionUri = StubUri.file(extensionRoot);
  const context: FakeExtensionContext = {
    subscriptions: [],
    extensionUri,
    extensionPath: extensionRoot,
    asAbsolutePath: (relative: string) => path.join(extensionRoot, relative),
    workspaceState: new StubMemento(),
    globalState: new StubMemento(),
    secrets: new StubSecrets(),
    storageUri: StubUri.file(path.join(storageRoot, 'workspaceStorage')),
    storagePath: path.join(storageRoot, 'workspaceStorage'),
    globalStorageUri: StubUri.file(path.join(storageRoot, 'globalStorage')),
    globalStoragePath: path.join(storageRoot, 'globalStorage'),
    logUri: StubUri.file(path.join(storageRoot, 'logs')),
    logPath: path.join(storageRoot, 'logs'),
    extensionMode: 1,
    extension: { id: 'agent-orchestrator.agent-orchestrator', extensionUri, extensionPath: extensionRoot, packageJSON: packageJson, isActive: false, extensionKind: 2, exports: undefined },
    environmentVariableCollection: tolerant('environmentVariableCollection'),
    languageModelAccessInformation: { onDidChange: event(), canSendRequest: () => undefined },
  };
  return context;
}
