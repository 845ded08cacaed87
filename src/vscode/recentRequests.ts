// The requests a user ran recently in this workspace, offered first by Orchestrate Request. Free of `vscode`:
// the store is the workspace's Memento, passed in.

export const RECENT_REQUESTS_KEY = 'agentOrchestrator.recentRequests';
export const MAX_RECENT_REQUESTS = 10;

/** The slice of `vscode.Memento` this needs. */
export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

/** `request` first, without duplicates (same text after trimming), at most `max` entries. */
export function withRecentRequest(list: readonly string[], request: string, max = MAX_RECENT_REQUESTS): string[] {
  const text = request.trim();
  if (!text) return list.slice(0, max);
  return [text, ...list.filter((entry) => entry.trim() !== text)].slice(0, max);
}

export class RecentRequests {
  readonly #store: KeyValueStore;

  constructor(store: KeyValueStore) {
    this.#store = store;
  }

  list(): string[] {
    const stored = this.#store.get<unknown>(RECENT_REQUESTS_KEY);
    // Workspace state survives versions of the extension: keep only what is still a list of strings.
    return Array.isArray(stored) ? stored.filter((entry): entry is string => typeof entry === 'string' && entry.trim() !== '').slice(0, MAX_RECENT_REQUESTS) : [];
  }

  async add(request: string): Promise<void> {
    await this.#store.update(RECENT_REQUESTS_KEY, withRecentRequest(this.list(), request));
  }
}

export type RequestChoice = { kind: 'typed' | 'recent'; label: string; request: string };

/** The picker's items for what the user typed so far: "Run: <typed>" first, then the recent requests. */
export function requestChoices(recent: readonly string[], typed: string): RequestChoice[] {
  const text = typed.trim();
  const choices: RequestChoice[] = [];
  if (text) choices.push({ kind: 'typed', label: `Run: ${text}`, request: text });
  for (const request of recent) if (request !== text) choices.push({ kind: 'recent', label: request, request });
  return choices;
}
