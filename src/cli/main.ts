// Composition root for the terminal: parses arguments, builds the engine for a workspace, shows a run live.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import pc from 'picocolors';
import { statSync } from 'node:fs';
import path from 'node:path';
import { MAX_TIMER_MS } from '../core/protocol/limits';
import type { OrchestratorEvent } from '../core/protocol/events';
import type { WorkspaceEngine } from '../agents/workspaceEngine';
import type { ReplayOutcome } from './replay';
import type { RunState } from '../core/logging/runState';
import { MCP_TOKEN_ENV } from '../mcp/tokenEnv';
import { reviewStatusOf, type ChangeReviewStatus } from '../core/review/changeReview';
import { DIFF_DOCUMENT_LINES } from '../core/logging/diffView';
import { jsonForTerminal, sanitizeForTerminal as printable } from './terminalText';

// The commands' dependencies load on first use: parsing arguments and printing help need none of them. The build
// turns each of these requires into a file of its own beside the entry (see esbuild.mjs).
let engineModule: typeof import('./engineCommands') | undefined;
let storeModule: typeof import('./storeCommands') | undefined;
const heavy = (): typeof import('./engineCommands') => (engineModule ??= require('./engineCommands') as typeof import('./engineCommands'));
const storeOnly = (): typeof import('./storeCommands') => (storeModule ??= require('./storeCommands') as typeof import('./storeCommands'));

/** Exit codes: what a script calling the CLI can rely on. */
export const ExitCode = { success: 0, runFailed: 1, usage: 2, unavailable: 3, notServed: 4, interrupted: 130 } as const;

class UsageError extends Error {}

const VERSION = '0.1.0';

function positiveInt(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${name} must be a positive whole number, got "${value}"`);
    if (Number(value) > MAX_TIMER_MS) throw new InvalidArgumentError(`${name} must be at most ${MAX_TIMER_MS}, got "${value}"`);
    return Number(value);
  };
}

export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** True when `err` is a terminal, so a progress bar may be drawn on process.stderr. */
  readonly interactive?: boolean;
  /** Colour diffs written to `out` (a terminal that supports colour, no NO_COLOR); absent: plain. */
  readonly color?: boolean;
}

/**
 * Writes to stdout or stderr until the reader closes the pipe (`| head -1`): from then on output is dropped, like
 * other command-line tools, instead of a stack trace; the command itself (a run, say) still finishes and is saved.
 */
class ClosablePipe {
  #closed = false;

  constructor(private readonly stream: NodeJS.WriteStream) {
    // The pipe's failure arrives as an 'error' event when the write was queued, or is thrown when it was not.
    stream.on('error', (error: NodeJS.ErrnoException) => this.#closedBy(error));
  }

  write(text: string): void {
    if (this.#closed) return;
    try {
      this.stream.write(text.endsWith('\n') ? text : `${text}\n`);
    } catch (error) {
      this.#closedBy(error as NodeJS.ErrnoException);
    }
  }

  #closedBy(error: NodeJS.ErrnoException): void {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    this.#closed = true;
  }
}

let standardPipes: { out: ClosablePipe; err: ClosablePipe } | undefined;
const pipes = (): { out: ClosablePipe; err: ClosablePipe } => (standardPipes ??= { out: new ClosablePipe(process.stdout), err: new ClosablePipe(process.stderr) });

const processOutput: Output = {
  out: (text) => pipes().out.write(text),
  err: (text) => pipes().err.write(text),
  interactive: process.stderr.isTTY === true,
  color: pc.isColorSupported,
};

/** How each review status reads in the terminal. */
const STATUS_LABEL: Record<ChangeReviewStatus, string> = {
  pending: 'proposed, not applied',
  'applied-in-run': 'applied in the run',
  applied: 'applied in review',
  discarded: 'discarded in review',
};

/** Changes shown whole at the end of a run; the rest are counted, and `diff` shows them all. */
const RUN_CHANGES_SHOWN = 20;

/** Change ids from `--only 1,3` (or `--only 1 --only 3`). */
function changeIds(value: string, previous: string[] | undefined): string[] {
  const ids = value.split(',').map((id) => id.trim().replace(/^#/, '')).filter(Boolean);
  if (ids.length === 0 || ids.some((id) => !/^\d+$/.test(id))) throw new InvalidArgumentError(`--only takes change numbers separated by commas (as \`diff\` lists them), got "${value}"`);
  return [...(previous ?? []), ...ids];
}

async function withEngine<T>(workspace: string, mode: 'read' | 'write', io: Output, extra: Partial<Parameters<typeof import('../agents/workspaceEngine').openWorkspaceEngine>[0]>, use: (engine: WorkspaceEngine) => Promise<T>): Promise<T> {
  const engine = await heavy().openWorkspaceEngine({ workspaceRoot: workspace, mode, onWarning: (message) => io.err(pc.yellow(`⚠ ${printable(message)}`)), ...extra });
  try {
    return await use(engine);
  } finally {
    await engine.close();
  }
}

function resolveSessionId(engine: WorkspaceEngine, idOrPrefix: string): string {
  return resolveSessionIdIn(engine.store, engine.workspaceRoot, idOrPrefix);
}

function resolveSessionIdIn(store: import('../core/store/sessionStore').SessionStore, workspaceRoot: string, idOrPrefix: string): string {
  const sessions = store.listSessions();
  const exact = sessions.find((s) => s.sessionId === idOrPrefix);
  if (exact) return exact.sessionId;
  const matches = sessions.filter((s) => s.sessionId.startsWith(idOrPrefix) || s.sessionId.endsWith(idOrPrefix));
  if (matches.length === 1) return (matches[0] as { sessionId: string }).sessionId;
  if (matches.length > 1) throw new UsageError(`"${idOrPrefix}" matches ${matches.length} sessions; give more of the id`);
  if (idOrPrefix === 'latest' && sessions[0]) return sessions[0].sessionId;
  throw new UsageError(`No session "${idOrPrefix}" in ${workspaceRoot} (see: agent-orchestrator sessions)`);
}

export function buildProgram(io: Output = processOutput, setExitCode: (code: number) => void = (code) => { process.exitCode = code; }): Command {
  const program = new Command();
  program
    .name('agent-orchestrator')
    .description('Run several agents on a workspace: plan, communicate, hand off, fix, validate, test, and learn from past runs.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(printable(s, { keepNewlines: true })), writeErr: (s) => io.err(printable(s, { keepNewlines: true })) });

  program
    .command('run')
    .description('Orchestrate a request on a workspace')
    .argument('<request>', 'what the agents should do, e.g. "Fix security vulnerability in authentication endpoint"')
    .option('-w, --workspace <dir>', 'workspace folder', process.cwd())
    .option('--apply', 'write the agents\' changes to disk (otherwise they are reported as diffs)', false)
    .option('--allow-commands', 'let agents run processes such as the test command', false)
    .option('--ask', 'ask on the terminal before a model agent\'s edit or command that no flag or permission rule covers', false)
    .option('--json', 'print one JSON object with the result instead of live output', false)
    .option('--stream', 'print every event as one JSON line (NDJSON) once it is durable', false)
    .addOption(new Option('--max-parallel <n>', 'agents that may run at once').argParser(positiveInt('--max-parallel')))
    .addOption(new Option('--timeout <ms>', 'limit for the whole run in milliseconds').argParser(positiveInt('--timeout')))
    .addOption(new Option('--agent-timeout <ms>', 'limit per agent in milliseconds').argParser(positiveInt('--agent-timeout')))
    .option('--agents <names>', 'comma-separated agents to run instead of the planner\'s choice', (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .addOption(new Option('--provider <name>', 'language model for the agents (key from AGENT_ORCHESTRATOR_API_KEY, OPENAI_API_KEY or ANTHROPIC_API_KEY); overrides models.default in the config').choices(['openai-compatible', 'anthropic', 'offline']))
    .option('--model <id>', 'model id, e.g. claude-sonnet-4-5, gpt-4.1 or llama3.1')
    .option('--base-url <url>', 'endpoint, e.g. http://127.0.0.1:11434/v1 (Ollama) or https://openrouter.ai/api/v1')
    .option('--allow-mcp', 'let the orchestrator start the MCP servers that .mcp.json, .vscode/mcp.json or the config name (the memory server that mirrors learnings)', false)
    .action(async (request: string, opts: { workspace: string; apply: boolean; allowCommands: boolean; allowMcp: boolean; json: boolean; stream: boolean; maxParallel?: number; timeout?: number; agentTimeout?: number; agents?: string[]; provider?: string; model?: string; baseUrl?: string; ask: boolean }) => {
      // Checked before the engine opens, so a bad call leaves no store behind in the workspace.
      if (!request.trim()) throw new UsageError('The request is empty: say what the agents should do.');
      if (opts.json && opts.stream) throw new UsageError('Choose one of --json (one result object) and --stream (NDJSON events)');
      if (opts.provider === 'offline' && (opts.model !== undefined || opts.baseUrl !== undefined)) throw new UsageError('--model and --base-url choose a model: use them with --provider openai-compatible or anthropic, not offline');
      // Questions need a person at a terminal: a script piping input would answer them by accident.
      if (opts.ask && process.stdin.isTTY !== true) throw new UsageError('--ask needs a terminal to ask on (standard input is not a TTY); use --apply / --allow-commands or permission rules instead');
      const live = !opts.json && !opts.stream;
      const controller = new AbortController();
      let interrupts = 0;
      const onSigint = (): void => {
        interrupts += 1;
        if (interrupts > 1) process.exit(ExitCode.interrupted);
        io.err(pc.yellow('Cancelling the run (Ctrl+C again to quit at once)…'));
        controller.abort();
      };
      process.on('SIGINT', onSigint);
      try {
        await withEngine(opts.workspace, 'write', io, {
          allowCommands: opts.allowCommands,
          allowMcpServers: opts.allowMcp,
          configOverrides: { orchestration: { maxParallelAgents: opts.maxParallel, agentTimeout: opts.agentTimeout } },
          modelOverrides: { provider: opts.provider, model: opts.model, baseUrl: opts.baseUrl },
          createModelResolver: heavy().createModelResolver,
          approvalGate: opts.ask ? new (heavy().TtyApprovalGate)(process.stdin, process.stderr) : null,
        }, async (engine) => {
          if (live && engine.models !== heavy().OFFLINE_MODELS && !engine.models.describe().startsWith('offline')) io.out(pc.dim(`🤖 Model: ${engine.models.describe()}`));
          const bar = live && io.interactive === true
            ? new (heavy().cliProgress.SingleBar)({ format: ' {bar} {percentage}% | {value}/{total} agents | {status}', hideCursor: true, clearOnComplete: true, stream: process.stderr }, heavy().cliProgress.Presets.shades_classic)
            : null;
          let total = 0;
          let done = 0;
          // The bar's status comes from the same fold every other view uses: what each running agent is doing.
          let state: RunState | null = null;
          const onEvent = (event: OrchestratorEvent): void => {
            if (opts.stream) io.out(jsonForTerminal(event));
            if (!live) return;
            state ??= heavy().createRunState(event.sessionId);
            heavy().applyEvent(state, event);
            if (event.type === 'plan.created') {
              total = event.payload.plan.agents.length + event.payload.plan.skipped.length;
              done = event.payload.plan.skipped.length;
            }
            if (event.type === 'agent.completed' || event.type === 'agent.failed') done += 1;
            const line = heavy().describeEvent(event);
            if (line) {
              if (bar) bar.stop();
              io.out(line);
            }
            if (bar && total > 0 && event.type !== 'run.completed') {
              bar.start(total, done, { status: heavy().progressStatus(state) });
            }
          };
          const result = await engine.orchestrator.executeRequest(request, {
            apply: opts.apply,
            allowCommands: opts.allowCommands,
            timeout: opts.timeout,
            signal: controller.signal,
            agents: opts.agents,
            onEvent,
          });
          bar?.stop();
          if (opts.json) {
            const report = result.report;
            io.out(jsonForTerminal({
              sessionId: result.sessionId,
              success: result.success,
              status: result.status,
              logFile: result.logFile,
              dashboardFile: result.dashboardFile,
              reportFile: result.reportFile,
              plan: result.plan,
              agents: report.agents.map((a) => ({
                name: a.name, status: a.status, startedAt: a.startedAt, completedAt: a.completedAt, durationMs: a.durationMs, model: a.model, usage: a.usage,
              })),
              usage: report.usage,
              findings: report.findings.map((f) => ({ file: f.file, line: f.line, column: f.column, severity: f.severity, ruleId: f.ruleId, message: f.message, fixable: f.fixable, ...(f.inTest ? { inTest: true } : {}) })),
              scanCoverage: report.scanCoverage,
              handoffs: report.handoffs.map((h) => ({ from: h.from, to: h.to, task: h.task })),
              messages: report.messages.map((m) => ({ from: m.from, to: m.to, type: m.type })),
              changes: report.changes,
              validations: report.validations,
              patterns: result.learnedPatterns,
              recommendations: result.recommendations,
              notDone: result.notDone,
              notServed: result.notServed,
              ...(result.error ? { error: result.error } : {}),
            }, 2));
          } else if (live) {
            const changes = result.report.changes;
            if (changes.length > 0) {
              io.out('');
              io.out(pc.bold(changes.some((change) => !change.applied) ? '✏️  Changes proposed (not written; review, then apply):' : '✏️  Changes written:'));
              for (const change of changes.slice(0, RUN_CHANGES_SHOWN)) {
                io.out(heavy().changeHeading({ ...change, status: STATUS_LABEL[reviewStatusOf(change)] }, io.color === true));
                io.out(heavy().renderTerminalDiff(change.diff, { color: io.color === true, moreIn: result.logFile }));
                io.out('');
              }
              if (changes.length > RUN_CHANGES_SHOWN) io.out(pc.dim(`   ${changes.length - RUN_CHANGES_SHOWN} more change(s): agent-orchestrator diff ${printable(result.sessionId)}`));
              if (changes.some((change) => !change.applied)) {
                io.out(`   Review: agent-orchestrator diff ${printable(result.sessionId)}   Apply: agent-orchestrator apply ${printable(result.sessionId)} [--only <ids>]`);
              }
            }
            io.out('');
            io.out(`📄 Log:       ${printable(result.logFile)}`);
            io.out(`📊 Dashboard: ${printable(result.dashboardFile)}`);
            io.out(`📈 Report:    ${printable(result.reportFile)}`);
            for (const line of heavy().modelUsageSummaryLines(result.report)) io.out(line);
            for (const line of heavy().scanCoverageSummaryLines(result.report)) io.out(line);
            // The terminal shows what needs attention; the report keeps every suggestion.
            const important = result.recommendations.filter((rec) => rec.priority !== 'low');
            for (const rec of important) io.out(`${rec.priority === 'high' ? '🔴' : '🟡'} ${printable(rec.type)}: ${printable(rec.message)}`);
            const more = result.recommendations.length - important.length;
            if (more > 0) io.out(pc.dim(`   ${more} more suggestion(s) in the report`));
          }
          setExitCode(result.success ? ExitCode.success : result.notServed ? ExitCode.notServed : ExitCode.runFailed);
        });
      } finally {
        process.off('SIGINT', onSigint);
      }
    });

  program
    .command('sessions')
    .description('List past sessions of a workspace, newest first')
    .option('-w, --workspace <dir>', 'workspace folder', process.cwd())
    .option('--json', 'print JSON', false)
    .action(async (opts: { workspace: string; json: boolean }) => {
      // The store alone: listing sessions needs neither the agents nor their analyzers.
      const store = await storeOnly().openWorkspaceStoreForReading(opts.workspace, (message) => io.err(pc.yellow(`⚠ ${printable(message)}`)));
      try {
        const sessions = store.listSessions();
        if (opts.json) return io.out(jsonForTerminal(sessions, 2));
        if (sessions.length === 0) return io.out('No sessions yet. Start one with: agent-orchestrator run "<request>"');
        for (const s of sessions) {
          const status = s.status === 'completed' ? pc.green(s.status) : s.status === 'running' ? pc.cyan(s.status) : pc.red(s.status);
          const duration = s.completedAt ? `${((s.completedAt - s.startedAt) / 1000).toFixed(1)}s` : '';
          io.out(`${printable(s.sessionId)}  ${new Date(s.startedAt).toISOString()}  ${status.padEnd(18)} ${duration.padStart(7)}  ${printable(s.request)}`);
        }
      } finally {
        await store.close();
      }
    });

  program
    .command('show')
    .description('Show a session: its report, its Markdown log (--markdown), its events (--json) or its dashboard as an HTML file (--html)')
    .argument('<sessionId>', 'session id, a unique part of it, or "latest"')
    .option('-w, --workspace <dir>', 'workspace folder', process.cwd())
    .option('--json', 'print the session\'s events as JSON', false)
    .option('--markdown', 'print the session\'s live log in Markdown', false)
    .option('--html [file]', 'write the dashboard as a standalone HTML file (default: <logDir>/<sessionId>.dashboard.html) and print its path')
    .action(async (id: string, opts: { workspace: string; json: boolean; markdown: boolean; html?: string | true }) => {
      if ([opts.json, opts.markdown, opts.html !== undefined].filter(Boolean).length > 1) throw new UsageError('Choose one of --json, --markdown and --html');
      // Before the store is opened: a missing build is the same error whichever session was asked for.
      const assets = opts.html === undefined ? null : heavy().readDashboardAssets();
      await withEngine(opts.workspace, 'read', io, {}, async (engine) => {
        const sessionId = resolveSessionId(engine, id);
        const events = engine.store.getEvents(sessionId);
        if (assets) {
          const file = typeof opts.html === 'string' ? path.resolve(opts.html) : heavy().defaultDashboardFile(engine.logDir, sessionId);
          heavy().writeStandaloneDashboard(file, heavy().renderStandaloneDashboard({ sessionId, workspaceRoot: engine.workspaceRoot, events }, assets), engine.workspaceRoot);
          io.out(printable(file));
        } else if (opts.json) io.out(jsonForTerminal(events, 2));
        else if (opts.markdown) io.out(printable(heavy().renderMarkdownLog(events), { keepNewlines: true }));
        else io.out(printable(heavy().renderReportMarkdown(heavy().buildExecutionReport(heavy().foldEvents(sessionId, events))), { keepNewlines: true }));
      });
    });

  program
    .command('diff')
    .description('Print the changes a session proposed, as unified diffs (coloured on a terminal), with the ids `apply --only` takes')
    .argument('<sessionId>', 'session id, a unique part of it, or "latest"')
    .option('-w, --workspace <dir>', 'workspace folder', process.cwd())
    .option('--only <ids>', 'only these changes (comma-separated ids, e.g. 1,3)', changeIds)
    .option('--json', 'print the changes as JSON', false)
    .action(async (id: string, opts: { workspace: string; only?: string[]; json: boolean }) => {
      await withEngine(opts.workspace, 'read', io, {}, async (engine) => {
        const sessionId = resolveSessionId(engine, id);
        let changes;
        try {
          const chosen = new Set(opts.only ?? []);
          const all = heavy().reviewChanges(engine.workspaceRoot, engine.store, sessionId);
          const unknown = [...chosen].filter((wanted) => !all.some((change) => change.id === wanted));
          if (unknown.length > 0) throw new (heavy().UnknownChangeError)(`No change ${unknown.join(', ')} in session ${sessionId}: ${all.length === 0 ? 'it has no changes' : `its changes are ${all.map((change) => change.id).join(', ')}`}.`);
          changes = chosen.size === 0 ? all : all.filter((change) => chosen.has(change.id));
        } catch (error) {
          if (error instanceof heavy().ReviewUnavailableError || error instanceof heavy().UnknownChangeError) throw new UsageError(error.message);
          throw error;
        }
        if (opts.json) {
          return io.out(jsonForTerminal({ sessionId, changes: changes.map(({ proposedContent: _content, ...change }) => ({ ...change, canApply: change.status === 'pending' && change.problem === null })) }, 2));
        }
        if (changes.length === 0) return io.out(`Session ${printable(sessionId)} proposed no changes.`);
        const reportFile = path.join(engine.logDir, `${sessionId}.report.json`);
        for (const change of changes) {
          io.out(heavy().changeHeading({ ...change, status: STATUS_LABEL[change.status] }, io.color === true));
          if (change.status === 'pending' && change.problem) io.out(pc.yellow(`   ⚠ cannot be applied now: ${printable(change.problem)}`));
          io.out(heavy().renderTerminalDiff(change.diff, { color: io.color === true, maxLines: DIFF_DOCUMENT_LINES, moreIn: reportFile }));
          io.out('');
        }
        const pending = changes.filter((change) => change.status === 'pending');
        if (pending.length > 0) io.out(`Apply: agent-orchestrator apply ${printable(sessionId)}${opts.only ? ` --only ${opts.only.join(',')}` : ''}`);
      });
    });

  program
    .command('apply')
    .description('Write a reviewed dry run\'s changes without running it again; a file that changed since the run is refused and left as it is')
    .argument('<sessionId>', 'session id, a unique part of it, or "latest"')
    .option('-w, --workspace <dir>', 'workspace folder', process.cwd())
    .option('--only <ids>', 'only these changes (comma-separated ids from `diff`, e.g. 1,3)', changeIds)
    .option('--json', 'print the outcome of each change as JSON', false)
    .action(async (id: string, opts: { workspace: string; only?: string[]; json: boolean }) => {
      const workspaceRoot = path.resolve(opts.workspace);
      if (!statSync(workspaceRoot, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`Workspace folder not found: ${workspaceRoot}`);
      // The store alone, for writing: applying needs no agents, config or model, and takes the lock only briefly.
      const store = await heavy().SessionStore.open({ dir: heavy().storeDirFor(workspaceRoot), root: workspaceRoot, mode: 'write', onWarning: (message) => io.err(pc.yellow(`⚠ ${printable(message)}`)) });
      let report;
      try {
        const sessionId = resolveSessionIdIn(store, workspaceRoot, id);
        try {
          report = heavy().applyReviewedChanges({ workspaceRoot, store, sessionId, ...(opts.only ? { only: opts.only } : {}), by: 'cli' });
        } catch (error) {
          if (error instanceof heavy().ReviewUnavailableError || error instanceof heavy().UnknownChangeError) throw new UsageError(error.message);
          throw error;
        }
      } finally {
        await store.close();
      }
      if (opts.json) io.out(jsonForTerminal(report, 2));
      else if (report.results.length === 0) io.out(`Session ${printable(report.sessionId)} proposed no changes: nothing to apply.`);
      else {
        for (const result of report.results) {
          const mark = result.outcome === 'applied' ? pc.green('✓') : result.outcome === 'already-applied' ? pc.dim('=') : result.outcome === 'refused' ? pc.red('✗') : pc.dim('-');
          io.out(`${mark} ${printable(result.message)}`);
        }
        const applied = report.results.filter((result) => result.outcome === 'applied').length;
        const refused = report.results.filter((result) => result.outcome !== 'applied' && result.outcome !== 'already-applied');
        const already = report.results.length - applied - refused.length;
        io.out(refused.length === 0
          ? pc.green(applied === 0 ? `Nothing new to apply: ${already} change(s) already applied.` : `Applied ${applied} change(s)${already > 0 ? `; ${already} already applied` : ''}.`)
          : pc.red(`Not applied: ${refused.map((result) => `${result.id} (${printable(result.file)})`).join(', ')}.`));
      }
      setExitCode(report.allApplied ? ExitCode.success : ExitCode.runFailed);
    });

  program
    .command('replay')
    .description('Run a recorded session again in a scratch copy of the workspace with the recorded model replies (no provider, no network) and say whether it still does the same')
    .argument('<sessionId>', 'session id, a unique part of it, or "latest"')
    .option('-w, --workspace <dir>', 'workspace folder', process.cwd())
    .option('--keep', 'keep the scratch copy and print where it is', false)
    .option('--json', 'print the outcome as JSON', false)
    .action(async (id: string, opts: { workspace: string; keep: boolean; json: boolean }) => {
      const { sessionId, events } = await withEngine(opts.workspace, 'read', io, {}, async (engine) => {
        const resolved = resolveSessionId(engine, id);
        return { sessionId: resolved, events: engine.store.getEvents(resolved) };
      });
      let outcome: ReplayOutcome;
      try {
        outcome = await heavy().replaySession({ workspaceRoot: opts.workspace, sessionId, events, keepScratch: opts.keep, onWarning: (message) => io.err(pc.yellow(`⚠ ${printable(message)}`)) });
      } catch (error) {
        if (error instanceof heavy().ReplayUnavailableError) throw new UsageError(error.message);
        throw error;
      }
      if (opts.json) io.out(jsonForTerminal(outcome, 2));
      else {
        io.out(`Replayed ${printable(sessionId)}: ${outcome.modelTurns} model turn(s), ${outcome.events.replayed}/${outcome.events.recorded} events, ${outcome.filesChanged.length} file(s) changed`);
        if (outcome.divergence) {
          const { agent, turn, difference } = outcome.divergence;
          io.out(pc.red(`✗ Diverges: ${printable(agent)}${turn !== null ? `, model turn ${turn}` : ''}: ${printable(difference)}`));
        } else {
          io.out(pc.green(`✓ Same events${outcome.interleavingDiffers ? ' (per agent; parallel agents interleaved differently)' : ''} and the same file changes`));
        }
        if (outcome.scratchDir) io.out(`Scratch copy: ${printable(outcome.scratchDir)}`);
      }
      setExitCode(outcome.same ? ExitCode.success : ExitCode.runFailed);
    });

  program
    .command('learnings')
    .description('What the agents learned from past runs (for one agent: its recommended approach, pitfalls and estimates)')
    .argument('[agent]', 'agent name')
    .option('-w, --workspace <dir>', 'workspace folder', process.cwd())
    .option('--task-type <type>', 'look at runs of this task type first (e.g. security-fix)')
    .option('--json', 'print JSON', false)
    .option('--allow-mcp', 'also ask the memory server that mirrors learnings (.mcp.json, .vscode/mcp.json or the config), starting it', false)
    .action(async (agent: string | undefined, opts: { workspace: string; json: boolean; taskType?: string; allowMcp: boolean }) => {
      await withEngine(opts.workspace, 'read', io, { allowMcpServers: opts.allowMcp }, async (engine) => {
        const learning = engine.orchestrator.learningSystem;
        if (agent) {
          if (!engine.roster.some((a) => a.name === agent) && !engine.store.agentsWithHistory().includes(agent)) {
            throw new UsageError(`Unknown agent "${agent}". Known: ${engine.roster.map((a) => a.name).join(', ')}`);
          }
          const local = learning.queryLearnings(agent, opts.taskType ? { taskType: opts.taskType } : {});
          const memory = engine.learningMemory;
          const merged = memory
            ? heavy().mergeLearnings(local, await memory.knowledgeFor(agent), { name: memory.serverName, problem: memory.problem }, new Set(engine.store.recentExecutions(agent, Number.MAX_SAFE_INTEGER).map((r) => r.sessionId)))
            : null;
          const result = merged ?? local;
          if (opts.json) return io.out(jsonForTerminal(result, 2));
          const e = result.estimatedDuration;
          io.out(pc.bold(printable(agent)) + ` — ${result.sampleSize} recorded execution(s), confidence ${result.confidenceScore}%`);
          io.out(`  Estimated duration: ${e.samples ? `${Math.round(e.estimated)}ms (${Math.round(e.min)}–${Math.round(e.max)}ms, ${e.confidence}% confidence)` : 'no history'}`);
          if (result.estimatedUsage) io.out(`  Model usage per run: ${printable(heavy().formatUsageEstimate(result.estimatedUsage))}`);
          io.out(`  Recommended tools: ${printable(result.recommendedApproach.toolSequence.join(' → ')) || '—'}${result.recommendedApproach.support ? ` (seen ${result.recommendedApproach.support}×)` : ''}`);
          for (const p of result.commonPitfalls) {
            const source = 'source' in p && p.source !== 'local' ? pc.dim(p.source === 'both' ? ' [local + memory server]' : ' [memory server]') : '';
            io.out(`  Pitfall (${p.severity}, ${p.frequency}×): ${printable(p.issue)}${source}`);
          }
          for (const tip of result.optimizationTips) io.out(`  Tip (${tip.confidence}%): ${printable(tip.tip)}`);
          const collaborators = Object.entries(result.collaborationPatterns.frequentCollaborators).map(([name, n]) => `${name} ${n}×`).join(', ');
          if (collaborators) io.out(`  Works with: ${printable(collaborators)}`);
          if (merged) {
            const remote = merged.memoryServer;
            if (remote.status === 'unavailable') {
              io.out(pc.yellow(`  Memory server "${printable(remote.server)}": unavailable${remote.problem ? ` (${printable(remote.problem)})` : ''}; the above is from the local store only`));
            } else {
              io.out(`  Memory server "${printable(remote.server)}": ${remote.executionsOnlyInServer.length} execution(s) not in the local store${remote.patterns.length ? `, ${remote.patterns.length} pattern(s)` : ''}`);
              for (const e of remote.executionsOnlyInServer.slice(0, 10)) io.out(pc.dim(`    ${printable(e.sessionId)}: ${printable(e.taskType)}, ${e.success ? 'succeeded' : 'failed'} in ${e.durationMs}ms [memory server]`));
              for (const pattern of remote.patterns.slice(0, 10)) io.out(pc.dim(`    ${printable(pattern.type)}: ${printable(pattern.name)}${pattern.confidence !== null ? ` — confidence ${pattern.confidence}%` : ''} [memory server]`));
            }
          }
          return;
        }
        const agents = engine.store.agentsWithHistory();
        // Mined afresh and above the threshold: a stored pattern may no longer hold.
        const patterns = learning.learnedPatterns();
        if (opts.json) {
          return io.out(jsonForTerminal({
            agents: agents.map((name) => ({ name, executions: learning.queryLearnings(name).sampleSize, estimatedDuration: learning.estimateDuration(name) })),
            patterns,
          }, 2));
        }
        if (agents.length === 0) return io.out('Nothing learned yet: learnings are recorded after each run.');
        for (const name of agents) {
          const e = learning.estimateDuration(name);
          io.out(`${pc.bold(printable(name))}: ${e.samples} run(s), typical ${Math.round(e.estimated)}ms (${e.confidence}% confidence)`);
        }
        if (patterns.length > 0) io.out(pc.bold('\nPatterns'));
        for (const p of patterns) io.out(`  ${printable(p.type)}: ${printable(p.name)} — confidence ${Math.round(p.confidence)}%, support ${p.support}`);
      });
    });

  program
    .command('stats')
    .description('Store and learning statistics of a workspace')
    .option('-w, --workspace <dir>', 'workspace folder', process.cwd())
    .option('--json', 'print JSON', false)
    .action(async (opts: { workspace: string; json: boolean }) => {
      // The store alone: listing sessions needs neither the agents nor their analyzers.
      await withEngine(opts.workspace, 'read', io, {}, async (engine) => {
        const sessions = engine.store.listSessions();
        const stats = {
          workspace: engine.workspaceRoot,
          sessions: sessions.length,
          completed: sessions.filter((s) => s.status === 'completed').length,
          failed: sessions.filter((s) => s.status !== 'completed' && s.status !== 'running').length,
          events: sessions.reduce((sum, s) => sum + s.eventCount, 0),
          executions: engine.store.executionCount(),
          agentsWithHistory: engine.store.agentsWithHistory(),
          patterns: engine.store.patterns().length,
          agents: engine.roster.map((a) => ({ name: a.name, runtime: a.runtime, capabilities: a.capabilities })),
          configSources: engine.config.sources,
          learning: engine.orchestrator.learningSystem.getStatistics(),
        };
        if (opts.json) return io.out(jsonForTerminal(stats, 2));
        io.out(`Workspace:  ${printable(stats.workspace)}`);
        io.out(`Sessions:   ${stats.sessions} (${stats.completed} completed, ${stats.failed} failed or interrupted), ${stats.events} events`);
        io.out(`Learning:   ${stats.executions} recorded executions of ${stats.agentsWithHistory.length} agent(s), ${stats.patterns} pattern(s)`);
        io.out(`Agents:     ${stats.agents.map((a) => `${printable(a.name)}${a.runtime === 'model' ? ' (needs a model)' : ''}`).join(', ')}`);
        io.out(`Config:     ${printable(stats.configSources.join(' → '))}`);
      });
    });

  program
    .command('lsp')
    .description('Serve the findings of the latest session (or --session) to any editor as a language server over stdio: diagnostics, hovers, quick fixes')
    .option('-w, --workspace <dir>', 'workspace folder, when the editor names none', process.cwd())
    .option('--session <id>', 'show this session instead of the latest one')
    .option('--stdio', 'talk over standard input and output (the default; accepted because LSP clients pass it)')
    .action(async (opts: { workspace: string; session?: string }) => {
      heavy().startFindingsLanguageServer({ workspaceRoot: opts.workspace, ...(opts.session ? { session: opts.session } : {}) });
      // The connection ends the process when the editor sends "exit".
      await new Promise<never>(() => undefined);
    });

  program
    .command('mcp')
    .description('Serve the orchestrator to MCP clients (Claude Code, VS Code agent mode, Cursor) over stdio, or over Streamable HTTP on 127.0.0.1 with --http')
    .option('-w, --workspace <dir>', 'workspace folder', process.cwd())
    .option('--http [port]', `serve Streamable HTTP on 127.0.0.1 (default: a free port) with a bearer token (from ${MCP_TOKEN_ENV}, else generated and printed to stderr)`)
    .option('--allow-apply', 'let clients ask for the agents\' changes to be written to disk (apply: true)', false)
    .option('--allow-commands', 'let clients ask for agents to run processes such as the test command (allowCommands: true)', false)
    .option('--allow-mcp', 'let the orchestrator start the MCP servers that .mcp.json, .vscode/mcp.json or the config name (agents\' MCP tools; query_learnings merges the memory server\'s learnings)', false)
    .action(async (opts: { workspace: string; http?: string | true; allowApply: boolean; allowCommands: boolean; allowMcp: boolean }) => {
      const workspaceRoot = path.resolve(opts.workspace);
      if (!statSync(workspaceRoot, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`Workspace folder not found: ${workspaceRoot}`);
      let port = 0;
      if (typeof opts.http === 'string') {
        if (!/^\d+$/.test(opts.http) || Number(opts.http) > 65535) throw new UsageError(`--http port must be a whole number from 0 to 65535, got "${opts.http}"`);
        port = Number(opts.http);
      }
      const token = process.env[MCP_TOKEN_ENV];
      if (opts.http !== undefined && token !== undefined && token.length < 16) throw new UsageError(`${MCP_TOKEN_ENV} must be at least 16 characters`);
      const service = new (heavy().OrchestratorService)({
        workspaceRoot,
        consent: { apply: opts.allowApply, allowCommands: opts.allowCommands, mcpServers: opts.allowMcp },
        // stdout carries the protocol over stdio: warnings go to stderr only.
        onWarning: (message) => io.err(pc.yellow(`⚠ ${message}`)),
      });
      if (opts.http === undefined) return heavy().serveStdio(service, VERSION);
      const handle = await heavy().serveHttp(service, VERSION, { port, token });
      io.err(`Agent Orchestrator MCP server for ${workspaceRoot}`);
      io.err(`URL:   ${handle.url}`);
      io.err(token ? `Token: from ${MCP_TOKEN_ENV}` : `Token: ${handle.token}`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await handle.close();
    });

  return program;
}

/** Runs the CLI and returns the exit code (never calls process.exit itself, so tests can call it). */
export async function runCli(argv: readonly string[], io: Output = processOutput): Promise<number> {
  let code: number = ExitCode.success;
  const program = buildProgram(io, (c) => { code = c; });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return error.exitCode === 0 ? ExitCode.success : ExitCode.usage;
    }
    // By name: these classes live in the commands' own bundle (see heavy()), not in this file's.
    const name = error instanceof Error ? error.name : '';
    if (error instanceof UsageError || name === 'ConfigError' || name === 'ProtocolValidationError') {
      io.err(pc.red(`Error: ${printable((error as Error).message, { keepNewlines: true })}`));
      return ExitCode.usage;
    }
    if (name === 'StoreLockedError') {
      io.err(pc.red(`Error: ${printable((error as Error).message, { keepNewlines: true })}`));
      return ExitCode.unavailable;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.err(pc.red(`Error: ${printable(message, { keepNewlines: true })}`));
    if (/not found|Unknown agent|request is empty/i.test(message)) return ExitCode.usage;
    return ExitCode.runFailed;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
