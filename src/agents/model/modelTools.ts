// The tools a model agent can call, named as in Claude Code so agent files work unchanged, plus the orchestration
// tools. Each one goes through AgentContext, so every call is an event of the run.
import path from 'node:path';
import { z } from 'zod';
import type { AgentContext } from '../../core/orchestrator/agentRuntime';
import { unifiedDiff } from '../../core/orchestrator/unifiedDiff';
import type { RunApprovals } from '../../core/approvals/approvalPolicy';
import type { ApprovalRequest, ModelToolSpec } from '../../core/ports';
import { CapabilitySchema, PrioritySchema, UrgencySchema, type ValidationEvidence } from '../../core/protocol/messages';
import { SeveritySchema } from '../../core/protocol/findings';
import type { HandoffRequest } from '../../core/protocol/handoff';
import { SecurityScanner } from '../offline/security/securityScanner';
import { detectTestCommand } from '../offline/testing/testCommand';
import { parseTestFailures } from '../offline/testing/testFailureParser';

/** A tool call the loop refuses or that failed: answered to the model as a tool error. */
export class ToolError extends Error {}

/** What the tools share for one agent's run. */
export interface ToolSession {
  readonly context: AgentContext;
  readonly approvals: RunApprovals;
  /** Content of each file as this agent last read or wrote it, to refuse a stale edit. */
  readonly seen: Map<string, string>;
  readonly filesRead: Set<string>;
  readonly filesModified: Set<string>;
  readonly handoffs: { to: string; request: HandoffRequest }[];
  readonly findingIds: string[];
  /** Content of each file before this agent first changed it ('' for a file it created), to revert a rejected change. */
  readonly originals: Map<string, string>;
  /** Bash is limited to this long (ms). */
  readonly commandTimeoutMs: number;
  /** What MCP tools returned to this agent, by `server/tool` (bounded); handed on in its handoffs' mcpData. */
  readonly mcpData: Record<string, unknown>;
}

export interface ModelTool<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  schema: S;
  /** The input's JSON schema when it comes from elsewhere (an MCP server's tool); otherwise derived from `schema`. */
  jsonSchema?: Record<string, unknown>;
  run(input: z.output<S>, session: ToolSession): Promise<string>;
}

function tool<S extends z.ZodType>(definition: ModelTool<S>): ModelTool {
  return definition as unknown as ModelTool;
}

const MAX_GREP_MATCHES = 200;
const MAX_GLOB_RESULTS = 500;

/** A model may send an absolute path inside the workspace; anything that resolves outside is refused by resolve(). */
function workspacePath(context: AgentContext, file: string): string {
  const root = context.workspace.root;
  const absolute = path.isAbsolute(file) ? file : path.join(root, file);
  const relative = path.relative(root, absolute).split(path.sep).join('/');
  context.workspace.resolve(relative); // throws PathOutsideWorkspaceError
  return relative;
}

/** `**` any depth, `*` within a segment, `?` one character. */
export function globToRegExp(glob: string): RegExp {
  let pattern = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*' && glob[i + 1] === '*') {
      pattern += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (char === '*') pattern += '[^/]*';
    else if (char === '?') pattern += '[^/]';
    else pattern += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${pattern}$`);
}

/** Asks the run's approvals (policy, flags, then a person); a refusal is a ToolError the model reads. */
export async function approveToolCall(session: ToolSession, request: ApprovalRequest, flagAllows: boolean): Promise<void> {
  return approve(session, request, flagAllows);
}

async function approve(session: ToolSession, request: ApprovalRequest, flagAllows: boolean): Promise<void> {
  const { context } = session;
  const outcome = await session.approvals.decide(request, flagAllows, context.signal, (waiting) =>
    context.setWaiting(waiting ? 'approval' : null, request.kind === 'command' ? request.command : request.kind === 'edit' ? `edit ${request.file}` : request.tool),
  );
  if (!outcome.approved) throw new ToolError(`Not done: ${outcome.reason}`);
}

/** Refuses an edit of a file this agent has not read, or that changed since it read it (another agent's edit). */
function refuseStale(session: ToolSession, file: string, current: string): void {
  const seen = session.seen.get(file);
  if (seen === undefined) throw new ToolError(`Read ${file} before changing it.`);
  if (seen !== current) {
    // The agent now knows the current content, so its next edit is judged against it.
    session.seen.set(file, current);
    throw new ToolError(`Stale edit refused: ${file} changed since you read it (another agent edited it). Its current content:\n${current}`);
  }
}

/** Proposes `content` for `file` after the stale check and approval; the diff is recorded, written only with consent. */
async function proposeEdit(session: ToolSession, toolName: string, file: string, content: string): Promise<string> {
  const { context } = session;
  const exists = await context.workspace.exists(file);
  const current = exists ? await context.workspace.readFile(file) : '';
  if (exists) refuseStale(session, file, current);
  if (!session.originals.has(file)) session.originals.set(file, current);
  const diff = unifiedDiff(file, current, content);
  await approve(session, { kind: 'edit', agent: context.agent, tool: toolName, file, diff, content }, true);
  const result = await context.proposeChange(file, content, session.findingIds);
  session.seen.set(file, content);
  session.filesModified.add(file);
  return result.applied ? `Changed ${file}.` : `Proposed a change to ${file} (recorded as a diff; not written to disk in this run).`;
}

/** Puts back the content each file had before this agent changed it; returns the files reverted. */
async function revertChanges(session: ToolSession, files: readonly string[]): Promise<string[]> {
  const { context } = session;
  const reverted: string[] = [];
  for (const file of files) {
    const original = session.originals.get(file);
    if (original === undefined) continue;
    await context.useTool('Write', { file, revert: true }, () => context.proposeChange(file, original, []), () => 'reverted');
    session.seen.set(file, original);
    session.originals.delete(file);
    session.filesModified.delete(file);
    reverted.push(file);
  }
  return reverted;
}

function describeEvidence(evidence: ValidationEvidence): string {
  const parts = [
    `re-scanned ${evidence.filesRescanned.join(', ') || 'nothing'}`,
    `resolved ${evidence.findingsResolved.join(', ') || 'none'}`,
    `new findings ${evidence.newFindings.map((f) => `${f.ruleId} at ${f.file}:${f.line}`).join(', ') || 'none'}`,
    evidence.tests ? `tests \`${evidence.tests.command}\` ${evidence.tests.passed ? 'passed' : 'failed'} (${evidence.tests.summary})` : `tests not run${evidence.testsNotRun ? ` (${evidence.testsNotRun})` : ''}`,
  ];
  if (evidence.parseErrors.length > 0) parts.push(`parse errors: ${evidence.parseErrors.join('; ')}`);
  return parts.join('; ');
}

const filePath = z.string().min(1).describe('Workspace-relative path (or absolute inside the workspace)');

export const MODEL_TOOLS: readonly ModelTool[] = [
  tool({
    name: 'Read',
    description: 'Reads a file of the workspace, with line numbers.',
    schema: z.object({ file_path: filePath, offset: z.number().int().min(1).optional(), limit: z.number().int().min(1).optional() }),
    async run(input, session) {
      const file = workspacePath(session.context, input.file_path);
      const content = await session.context.useTool('Read', { file_path: file }, () => session.context.workspace.readFile(file));
      session.seen.set(file, content);
      session.filesRead.add(file);
      const lines = content.split('\n');
      const start = (input.offset ?? 1) - 1;
      const end = input.limit ? start + input.limit : lines.length;
      return lines.slice(start, end).map((line, i) => `${String(start + i + 1).padStart(6)}\t${line}`).join('\n');
    },
  }),
  tool({
    name: 'Glob',
    description: 'Lists workspace files matching a glob pattern such as "src/**/*.ts".',
    schema: z.object({ pattern: z.string().min(1) }),
    async run(input, session) {
      const matcher = globToRegExp(input.pattern);
      const files = await session.context.useTool('Glob', { pattern: input.pattern }, async () =>
        (await session.context.workspace.listFiles()).filter((file) => matcher.test(file)), (found) => `${found.length} files`);
      const shown = files.slice(0, MAX_GLOB_RESULTS);
      return files.length === 0 ? 'No files match.' : shown.join('\n') + (files.length > shown.length ? `\n(${files.length - shown.length} more not shown)` : '');
    },
  }),
  tool({
    name: 'Grep',
    description: 'Searches workspace files for a regular expression; returns file:line: text.',
    schema: z.object({ pattern: z.string().min(1), glob: z.string().optional(), case_insensitive: z.boolean().optional() }),
    async run(input, session) {
      let regex: RegExp;
      try {
        regex = new RegExp(input.pattern, input.case_insensitive ? 'i' : '');
      } catch (error) {
        throw new ToolError(`Invalid regular expression: ${(error as Error).message}`);
      }
      const matcher = input.glob ? globToRegExp(input.glob) : null;
      const { workspace } = session.context;
      const matches = await session.context.useTool('Grep', { pattern: input.pattern, ...(input.glob ? { glob: input.glob } : {}) }, async () => {
        const found: string[] = [];
        for (const file of await workspace.listFiles()) {
          if (matcher && !matcher.test(file)) continue;
          const lines = (await workspace.readFile(file)).split('\n');
          for (let i = 0; i < lines.length && found.length < MAX_GREP_MATCHES; i++) if (regex.test(lines[i]!)) found.push(`${file}:${i + 1}: ${lines[i]}`);
          if (found.length >= MAX_GREP_MATCHES) break;
        }
        return found;
      }, (found) => `${found.length} matches`);
      return matches.length === 0 ? 'No matches.' : matches.join('\n') + (matches.length >= MAX_GREP_MATCHES ? `\n(stopped at ${MAX_GREP_MATCHES} matches)` : '');
    },
  }),
  tool({
    name: 'Edit',
    description: 'Replaces old_string with new_string in a file you have read. old_string must occur exactly once unless replace_all.',
    schema: z.object({ file_path: filePath, old_string: z.string().min(1), new_string: z.string(), replace_all: z.boolean().optional() }),
    async run(input, session) {
      const file = workspacePath(session.context, input.file_path);
      return session.context.useTool('Edit', { file_path: file }, async () => {
        if (!(await session.context.workspace.exists(file))) throw new ToolError(`${file} does not exist; use Write to create it.`);
        const current = await session.context.workspace.readFile(file);
        refuseStale(session, file, current);
        const occurrences = current.split(input.old_string).length - 1;
        if (occurrences === 0) throw new ToolError(`old_string was not found in ${file}.`);
        if (occurrences > 1 && !input.replace_all) throw new ToolError(`old_string occurs ${occurrences} times in ${file}; give more context or set replace_all.`);
        const next = input.replace_all ? current.split(input.old_string).join(input.new_string) : current.replace(input.old_string, () => input.new_string);
        return proposeEdit(session, 'Edit', file, next);
      }, (summary) => summary);
    },
  }),
  tool({
    name: 'Write',
    description: 'Writes a whole file (a new one, or one you have read).',
    schema: z.object({ file_path: filePath, content: z.string() }),
    async run(input, session) {
      const file = workspacePath(session.context, input.file_path);
      return session.context.useTool('Write', { file_path: file }, () => proposeEdit(session, 'Write', file, input.content), (summary) => summary);
    },
  }),
  tool({
    name: 'Bash',
    description: 'Runs a shell command in the workspace (only when the user allows commands).',
    schema: z.object({ command: z.string().min(1), timeout: z.number().int().min(1).optional() }),
    async run(input, session) {
      const { context } = session;
      return context.useTool('Bash', { command: input.command }, async () => {
        if (!context.commandRunner) throw new ToolError('Commands are not allowed in this run (the user did not pass --allow-commands).');
        await approve(session, { kind: 'command', agent: context.agent, tool: 'Bash', command: input.command }, context.options.allowCommands);
        const result = await context.commandRunner.run('/bin/sh', ['-c', input.command], {
          cwd: context.workspace.root,
          timeoutMs: Math.min(input.timeout ?? session.commandTimeoutMs, session.commandTimeoutMs),
          signal: context.signal,
        });
        const status = result.timedOut ? 'timed out' : `exit code ${result.exitCode}`;
        return `${status}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;
      }, (output) => output.split('\n')[0] ?? '');
    },
  }),
  tool({
    name: 'report_finding',
    description: 'Reports a problem you found (recorded and broadcast to the other agents).',
    schema: z.object({
      rule_id: z.string().min(1), severity: SeveritySchema, message: z.string().min(1), file: filePath,
      line: z.number().int().min(1), column: z.number().int().min(1).optional(), recommendation: z.string().default(''),
    }),
    async run(input, session) {
      const file = workspacePath(session.context, input.file);
      const id = `${session.context.agent}:${input.rule_id}:${file}:${input.line}`;
      await session.context.reportFinding({
        id, ruleId: input.rule_id, severity: input.severity, message: input.message, file, line: input.line,
        column: input.column ?? 1, recommendation: input.recommendation, fixable: false,
      });
      session.findingIds.push(id);
      return `Reported ${id}.`;
    },
  }),
  tool({
    name: 'send_message',
    description: 'Sends information to another agent (or "all").',
    schema: z.object({ to: z.string().min(1), topic: z.string().min(1), content: z.string(), priority: PrioritySchema.optional() }),
    async run(input, session) {
      const sent = await session.context.send(input.to, { type: 'context_share', priority: input.priority ?? 'normal', payload: { topic: input.topic, data: { content: input.content } } });
      return sent ? `Sent to ${input.to}.` : 'Not sent: communication is switched off for this run.';
    },
  }),
  tool({
    name: 'request_assistance',
    description: 'Asks an agent with a capability (e.g. security_audit) for help and waits for the answer.',
    schema: z.object({ capability: CapabilitySchema, question: z.string().min(1), urgency: UrgencySchema.optional() }),
    async run(input, session) {
      session.context.setWaiting('message', `assistance (${input.capability})`);
      try {
        const reply = await session.context.requestAssistance(input.capability, { question: input.question }, input.urgency);
        return JSON.stringify(reply.payload);
      } finally {
        session.context.setWaiting(null);
      }
    },
  }),
  tool({
    name: 'request_validation',
    description: 'Asks a validator agent to review the files you changed, and waits for its verdict. A rejected change is reverted, and you get the reasons.',
    schema: z.object({
      validator: z.string().min(1), changes: z.array(z.string()).default([]), files: z.array(z.string()).optional(),
      finding_ids: z.array(z.string()).optional().describe('Ids of the findings your change fixes (default: those you reported or autofixed)'),
    }),
    async run(input, session) {
      const files = input.files?.map((file) => workspacePath(session.context, file)) ?? [...session.filesModified];
      session.context.setWaiting('message', `validation by ${input.validator}`);
      try {
        let result: Awaited<ReturnType<AgentContext['requestValidation']>>;
        try {
          result = await session.context.requestValidation(input.validator, { changesImplemented: input.changes, filesModified: files, requestingReview: true, findingIds: input.finding_ids ?? [...session.findingIds] });
        } catch (error) {
          // No verdict is not an approval: the change must not stay unreviewed.
          session.context.signal.throwIfAborted();
          result = { approved: false, reasons: [`Validation by ${input.validator} could not be completed: ${error instanceof Error ? error.message : String(error)}`], filesChecked: [], remainingFindings: [] };
        }
        const verdict = `${result.approved ? 'APPROVED' : 'REJECTED'}${result.reasons.length ? `: ${result.reasons.join('; ')}` : ''}`;
        const evidence = result.evidence ? `\nEvidence: ${describeEvidence(result.evidence)}` : '';
        if (result.approved) return `${verdict}${evidence}`;
        const reverted = await revertChanges(session, files);
        return `${verdict}${evidence}\n${reverted.length > 0 ? `Your changes to ${reverted.join(', ')} were reverted (the files are as before your edits). Fix the problems and request validation again, or stop and say why.` : 'Nothing of yours was changed in these files, so nothing was reverted.'}`;
      } finally {
        session.context.setWaiting(null);
      }
    },
  }),
  tool({
    name: 'handoff',
    description: 'Hands the rest of the work to another agent of the plan with what it needs to continue.',
    schema: z.object({
      to: z.string().min(1), task: z.string().min(1), decisions: z.array(z.string()).default([]), warnings: z.array(z.string()).default([]),
      urgency: PrioritySchema.optional(), requires_validation: z.boolean().optional(),
    }),
    async run(input, session) {
      session.handoffs.push({
        to: input.to,
        request: {
          task: input.task,
          outputs: { filesRead: [...session.filesRead], filesModified: [...session.filesModified], decisions: input.decisions, warnings: input.warnings, discoveries: [], searchResults: [], findings: [] },
          urgency: input.urgency ?? 'normal',
          requiresValidation: input.requires_validation ?? false,
          mcpData: { ...session.mcpData },
        },
      });
      return `Handoff to ${input.to} will be sent when you finish.`;
    },
  }),
  tool({
    name: 'share_pattern',
    description: 'Shares a pattern you found, with evidence-based confidence (0-100) and support (how often you saw it).',
    schema: z.object({ name: z.string().min(1), type: z.string().min(1), context: z.string(), confidence: z.number().min(0).max(100), support: z.number().int().min(1), solution: z.string().optional() }),
    async run(input, session) {
      const pattern = await session.context.sharePattern(input);
      return `Shared pattern ${pattern.name}.`;
    },
  }),
  // The offline analyzers, so a model agent argues from the same evidence the offline agents produce.
  tool({
    name: 'scan_security',
    description: 'Runs the offline security scanner on the given files (or the whole workspace); returns its findings with rule ids and locations.',
    schema: z.object({ files: z.array(filePath).optional() }),
    async run(input, session) {
      const { context } = session;
      const files = input.files?.map((file) => workspacePath(context, file));
      const result = await context.useTool('scan_security', files ? { files } : {}, () => new SecurityScanner(context.workspace).scan({ ...(files ? { files } : {}), signal: context.signal }), (r) => `${r.findings.length} findings in ${r.filesScanned.length} files`);
      const lines = result.findings.map((f) => `${f.id} ${f.severity} ${f.ruleId} ${f.file}:${f.line}:${f.column} ${f.message}${f.fixable ? ' (autofix available)' : ''}`);
      for (const problem of result.parseErrors) lines.push(`could not analyse ${problem.file}: ${problem.message}`);
      return `${result.findings.length} findings in ${result.filesScanned.length} files.\n${lines.join('\n')}`;
    },
  }),
  tool({
    name: 'apply_autofix',
    description: "Applies the scanner's mechanical fixes to a file you have read (as a proposed change, like Edit).",
    schema: z.object({ file_path: filePath, finding_ids: z.array(z.string()).optional() }),
    async run(input, session) {
      const { context } = session;
      const file = workspacePath(context, input.file_path);
      return context.useTool('apply_autofix', { file_path: file }, async () => {
        const source = await context.workspace.readFile(file);
        refuseStale(session, file, source);
        const scanner = new SecurityScanner(context.workspace);
        await scanner.prepare(context.signal);
        const fix = scanner.fix(file, source, input.finding_ids);
        if (fix.fixed.length === 0 || fix.output === source) return `No automatic fix applies to ${file} (${fix.remaining.length} findings need a real change).`;
        session.findingIds.push(...fix.fixed.map((finding) => finding.id));
        const outcome = await proposeEdit(session, 'apply_autofix', file, fix.output);
        return `${outcome} Fixed: ${fix.fixed.map((finding) => finding.id).join(', ')}. Remaining: ${fix.remaining.length}.`;
      }, (summary) => summary.split('\n')[0] ?? '');
    },
  }),
  tool({
    name: 'run_tests',
    description: "Runs the workspace's test command (npm, pytest, go, cargo) when the user allows commands; returns pass/fail counts and failures with file and line.",
    schema: z.object({}),
    async run(_input, session) {
      const { context } = session;
      const detected = await detectTestCommand(context.workspace);
      if (!detected) return 'No test command found (looked for npm, pytest, go and cargo projects).';
      const commandLine = `${detected.command} ${detected.args.join(' ')}`;
      return context.useTool('run_tests', { command: commandLine }, async () => {
        if (!context.commandRunner) throw new ToolError(`Tests not run: commands are not allowed in this run (\`${commandLine}\` needs --allow-commands).`);
        await approve(session, { kind: 'command', agent: context.agent, tool: 'Bash', command: commandLine }, context.options.allowCommands);
        const result = await context.commandRunner.run(detected.command, detected.args, {
          cwd: context.workspace.root, timeoutMs: session.commandTimeoutMs, signal: context.signal, env: { CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1' },
        });
        const parsed = parseTestFailures(`${result.stdout}\n${result.stderr}`, detected.framework, context.workspace.root);
        const counts = `${parsed.summary.passed ?? '?'} passed, ${parsed.summary.failed ?? '?'} failed`;
        const failures = [...parsed.findings.map((f) => `${f.file}:${f.line} ${f.message}`), ...parsed.unlocated];
        return `\`${commandLine}\`: ${result.timedOut ? 'timed out' : `exit code ${result.exitCode}`}, ${counts}${failures.length ? `\n${failures.join('\n')}` : ''}`;
      }, (summary) => summary.split('\n')[0] ?? '');
    },
  }),
];

/** Orchestration tools: every model agent gets them, whatever its file grants. */
export const ORCHESTRATION_TOOLS: ReadonlySet<string> = new Set(['report_finding', 'send_message', 'request_assistance', 'request_validation', 'handoff', 'share_pattern']);

/**
 * The tools an agent's definition grants: an empty list grants every tool (Claude Code's rule); "Bash(git:*)" grants
 * Bash. Orchestration tools always.
 */
export function grantedTools(granted: readonly string[], available: readonly ModelTool[] = MODEL_TOOLS): ModelTool[] {
  const names = new Set(granted.map((entry) => entry.replace(/\(.*\)$/s, '').trim()));
  // The analyzers follow the Claude Code tool whose power they have: reading, editing, running a command.
  const implied: Record<string, readonly string[]> = { scan_security: ['Read'], apply_autofix: ['Edit', 'Write'], run_tests: ['Bash'] };
  const grants = (name: string): boolean => names.has(name) || (implied[name] ?? []).some((base) => names.has(base));
  return available.filter((t) => granted.length === 0 || grants(t.name) || ORCHESTRATION_TOOLS.has(t.name));
}

export function toolSpec(t: ModelTool): ModelToolSpec {
  return { name: t.name, description: t.description, inputSchema: t.jsonSchema ?? (z.toJSONSchema(t.schema, { io: 'input' }) as Record<string, unknown>) };
}
