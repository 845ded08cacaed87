import { randomUUID } from 'node:crypto';
import type { AgentCommunicationBus } from '../bus/agentCommunicationBus';
import { UnknownAgentError } from '../bus/errors';
import { systemClock, type Clock } from '../ports';
import type { Finding } from '../protocol/findings';
import { countContextItems, HandoffPackageSchema, isBlank, HandoffRequestSchema, type HandoffPackage, type HandoffRequest } from '../protocol/handoff';

export { countContextItems };
import type { Priority } from '../protocol/messages';
import { parseOrThrow } from '../protocol/validation';
import { HandoffAlreadyReceivedError, HandoffRecipientError, UnknownHandoffError } from './errors';

/** Told when a handoff is initiated (before its HANDOFF message is sent) and when its recipient receives it. */
export interface HandoffObserver {
  onInitiated?(pkg: HandoffPackage): void;
  onReceived?(info: { handoffId: string; from: string; to: string; contextItems: number }): void;
}

/** Construction options of the handoff system; every field has a default. */
export interface HandoffSystemOptions {
  clock?: Clock;
  newId?: () => string;
  observer?: HandoffObserver;
  /** Received handoffs kept for getHandoffHistory; pending ones are never forgotten. Default 1000. */
  maxHistory?: number;
}

/** The context an agent inherits from a handoff, flattened for its prompt or runtime. */
export interface ReceivedHandoff {
  handoffId: string;
  from: string;
  task: string;
  findings: Finding[];
  filesRead: string[];
  filesModified: string[];
  decisions: string[];
  warnings: string[];
  discoveries: string[];
  nextActions: string[];
  potentialIssues: string[];
  optimizations: string[];
  searchResults: unknown[];
  testingNeeded: boolean;
  securityReview: boolean;
  requiresValidation: boolean;
  blockingIssues: string[];
  completedTasks: string[];
  requiredInputs: string[];
  optionalInputs: string[];
  urgency: Priority;
  mcpData: Record<string, unknown>;
  contextItems: number;
}

/** One handoff as listed by getHandoffHistory(); receivedAt is null while it is pending. */
export interface HandoffHistoryEntry {
  id: string;
  from: string;
  to: string;
  task: string;
  urgency: Priority;
  initiatedAt: number;
  receivedAt: number | null;
  contextItems: number;
}

/** Counters over every handoff this system has seen. */
export interface HandoffStatistics {
  total: number;
  received: number;
  pending: number;
  /** Handoffs per "from->to" pair. */
  byPair: Record<string, number>;
}

interface Entry {
  readonly pkg: HandoffPackage;
  readonly contextItems: number;
  receivedAt: number | null;
}

// Keys of the short form's `outputs` that map onto executionContext fields; any other key is an extra output.
const knownOutputKeys: ReadonlySet<string> = new Set(['filesRead', 'filesModified', 'decisions', 'warnings', 'discoveries', 'searchResults', 'findings']);

/**
 * Number of context entries a handoff transfers: every non-blank entry of the package's lists — executionContext
 * (filesRead, filesModified, searchResults, decisions, warnings, discoveries, findings), recommendations
 * (nextActions, potentialIssues, optimizations), blockingIssues and dependencies (completedTasks, requiredInputs,
 * optionalInputs) — plus every mcpData key whose value is not empty. The task, flags and urgency are not counted:
 * every package has them, so they say nothing about how much context moved.
 */

// Extra outputs (the seed's `securityIssuesFound: 2`) have no slot in the package; as discoveries they still reach the receiver.
function describeExtraOutput(key: string, value: unknown): string | null {
  if (isBlank(value)) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return `${key}: ${String(value)}`;
  try {
    return `${key}: ${JSON.stringify(value)}`;
  } catch {
    return `${key}: ${String(value)}`;
  }
}

/**
 * Transfers an agent's context to another agent as the seed's handoff package: validated, announced on the bus
 * with a HANDOFF message, kept pending until the recipient receives it.
 */
export class AgentHandoffSystem {
  readonly #bus: AgentCommunicationBus;
  readonly #clock: Clock;
  readonly #newId: () => string;
  readonly #observer: HandoffObserver;
  readonly #maxHistory: number;
  // Insertion-ordered, so it is also the chronological history.
  readonly #entries = new Map<string, Entry>();
  readonly #byPair = new Map<string, number>();
  #total = 0;
  #received = 0;
  #pending = 0;

  constructor(bus: AgentCommunicationBus, options: HandoffSystemOptions = {}) {
    const maxHistory = options.maxHistory ?? 1000;
    if (!Number.isInteger(maxHistory) || maxHistory < 0) throw new RangeError(`maxHistory must be a non-negative integer, got ${maxHistory}`);
    this.#bus = bus;
    this.#clock = options.clock ?? systemClock;
    this.#newId = options.newId ?? randomUUID;
    this.#observer = options.observer ?? {};
    this.#maxHistory = maxHistory;
  }

  /** Expands `request` (the seed's short form) into a full package, announces it to `to` over the bus, and keeps it pending for `to`. */
  async initiateHandoff(from: string, to: string, request: HandoffRequest): Promise<HandoffPackage> {
    const parsed = parseOrThrow(HandoffRequestSchema, request, `handoff request from "${from}" to "${to}"`);
    if (!this.#bus.isRegistered(from)) throw new UnknownAgentError(from, 'sender');
    if (!this.#bus.isRegistered(to)) throw new UnknownAgentError(to, 'recipient');
    if (from === to) throw new Error(`"${from}" cannot hand off to itself`);

    const { outputs } = parsed;
    const extras: string[] = [];
    for (const [key, value] of Object.entries(outputs)) {
      if (knownOutputKeys.has(key)) continue;
      const line = describeExtraOutput(key, value);
      if (line !== null) extras.push(line);
    }
    const pkg = parseOrThrow(
      HandoffPackageSchema,
      {
        id: this.#newId(),
        timestamp: Math.max(0, Math.trunc(this.#clock.now())),
        from,
        to,
        executionContext: {
          task: parsed.task,
          filesModified: outputs.filesModified,
          filesRead: outputs.filesRead,
          searchResults: outputs.searchResults,
          decisions: outputs.decisions,
          warnings: outputs.warnings,
          discoveries: [...outputs.discoveries, ...extras],
          findings: outputs.findings,
        },
        mcpData: parsed.mcpData,
        recommendations: parsed.recommendations,
        urgency: parsed.urgency,
        requiresValidation: parsed.requiresValidation,
        blockingIssues: parsed.blockingIssues,
        dependencies: parsed.dependencies,
      },
      'handoff package',
    );
    const contextItems = countContextItems(pkg);

    // Observer first: the handoff.initiated event must precede the HANDOFF message.sent event in the stream.
    this.#observer.onInitiated?.(pkg);
    // Pending before the message goes out: the recipient may receive it from inside its HANDOFF subscriber.
    const entry: Entry = { pkg, contextItems, receivedAt: null };
    this.#add(entry);
    try {
      await this.#bus.sendMessage(from, to, {
        type: 'handoff',
        priority: pkg.urgency,
        payload: { handoffId: pkg.id, task: pkg.executionContext.task, urgency: pkg.urgency, contextItems },
      });
    } catch (error) {
      if (entry.receivedAt === null) this.#remove(entry);
      throw error;
    }
    return pkg;
  }

  /** Validates a handoff (a package, or the id of one initiated here) addressed to `agent`, marks it received, and returns the inherited context. */
  async receiveHandoff(agent: string, pkgOrId: HandoffPackage | string): Promise<ReceivedHandoff> {
    let entry: Entry | undefined;
    if (typeof pkgOrId === 'string') {
      entry = this.#entries.get(pkgOrId);
      if (!entry) throw new UnknownHandoffError(pkgOrId, agent);
    } else {
      const pkg = parseOrThrow(HandoffPackageSchema, pkgOrId, 'handoff package');
      entry = this.#entries.get(pkg.id);
      if (!entry) {
        // A package initiated elsewhere (another process, a replayed session): accept it, and track it from here on.
        if (pkg.to !== agent) throw new HandoffRecipientError(pkg.id, agent, pkg.to);
        entry = { pkg, contextItems: countContextItems(pkg), receivedAt: null };
        this.#add(entry);
      }
    }
    const { pkg, contextItems } = entry;
    if (pkg.to !== agent) throw new HandoffRecipientError(pkg.id, agent, pkg.to);
    if (entry.receivedAt !== null) throw new HandoffAlreadyReceivedError(pkg.id, agent);

    const { executionContext: c, recommendations: r, dependencies: d } = pkg;
    const received: ReceivedHandoff = {
      handoffId: pkg.id,
      from: pkg.from,
      task: c.task,
      findings: [...c.findings],
      filesRead: [...c.filesRead],
      filesModified: [...c.filesModified],
      decisions: [...c.decisions],
      warnings: [...c.warnings],
      discoveries: [...c.discoveries],
      nextActions: [...r.nextActions],
      potentialIssues: [...r.potentialIssues],
      optimizations: [...r.optimizations],
      searchResults: [...c.searchResults],
      testingNeeded: r.testingNeeded,
      securityReview: r.securityReview,
      requiresValidation: pkg.requiresValidation,
      blockingIssues: [...pkg.blockingIssues],
      completedTasks: [...d.completedTasks],
      requiredInputs: [...d.requiredInputs],
      optionalInputs: [...d.optionalInputs],
      urgency: pkg.urgency,
      mcpData: { ...pkg.mcpData },
      contextItems,
    };
    // If the observer (the event stream) fails, the handoff stays pending so it can be received again.
    this.#observer.onReceived?.({ handoffId: pkg.id, from: pkg.from, to: pkg.to, contextItems });
    entry.receivedAt = this.#clock.now();
    this.#received++;
    this.#pending--;
    this.#trim();
    return received;
  }

  /** Handoffs addressed to `agent` that it has not received yet, oldest first. */
  pendingFor(agent: string): HandoffPackage[] {
    const out: HandoffPackage[] = [];
    for (const entry of this.#entries.values()) if (entry.receivedAt === null && entry.pkg.to === agent) out.push(entry.pkg);
    return out;
  }

  /** Known handoffs, oldest first: every pending one plus the newest `maxHistory` received ones. */
  getHandoffHistory(): HandoffHistoryEntry[] {
    return [...this.#entries.values()].map(({ pkg, contextItems, receivedAt }) => ({
      id: pkg.id,
      from: pkg.from,
      to: pkg.to,
      task: pkg.executionContext.task,
      urgency: pkg.urgency,
      initiatedAt: pkg.timestamp,
      receivedAt,
      contextItems,
    }));
  }

  /** Counts over every handoff seen, including those trimmed from the history. */
  getStatistics(): HandoffStatistics {
    return { total: this.#total, received: this.#received, pending: this.#pending, byPair: Object.fromEntries(this.#byPair) };
  }

  #add(entry: Entry): void {
    this.#entries.set(entry.pkg.id, entry);
    this.#total++;
    this.#pending++;
    const pair = `${entry.pkg.from}->${entry.pkg.to}`;
    this.#byPair.set(pair, (this.#byPair.get(pair) ?? 0) + 1);
  }

  #remove(entry: Entry): void {
    if (this.#entries.get(entry.pkg.id) !== entry) return;
    this.#entries.delete(entry.pkg.id);
    this.#total--;
    this.#pending--;
    const pair = `${entry.pkg.from}->${entry.pkg.to}`;
    const count = (this.#byPair.get(pair) ?? 1) - 1;
    if (count > 0) this.#byPair.set(pair, count);
    else this.#byPair.delete(pair);
  }

  // Forgets the oldest received handoffs beyond maxHistory; pending ones are live work and always kept.
  #trim(): void {
    let excess = this.#entries.size - this.#pending - this.#maxHistory;
    if (excess <= 0) return;
    for (const [id, entry] of this.#entries) {
      if (excess <= 0) break;
      if (entry.receivedAt === null) continue;
      this.#entries.delete(id);
      excess--;
    }
  }
}
