// Which tool calls of a model agent may run, like Claude Code's `permissions`: rules such as "Edit",
// "Bash(npm test)", "Bash(npm run:*)" or "Bash(rm *)". deny beats ask beats allow; a call no rule names falls back
// to what the run's flags allow (and to the gate, when there is one).
import type { ApprovalDecision, ApprovalGate, ApprovalRequest } from '../ports';
import { PERMISSION_RULE, type ApprovalPolicy } from '../protocol/permissions';

export { ApprovalPolicySchema, type ApprovalPolicy } from '../protocol/permissions';

export type PolicyVerdict = 'allow' | 'ask' | 'deny';

interface ParsedRule {
  tool: string;
  /** null: every call of the tool. */
  specifier: RegExp | null;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** "npm run:*" is a prefix (Claude Code), "rm *" a wildcard; anything else must match the whole command. */
function specifierPattern(specifier: string): RegExp {
  if (specifier.endsWith(':*')) return new RegExp(`^${escapeRegExp(specifier.slice(0, -2))}(\\s.*)?$`, 's');
  return new RegExp(`^${specifier.split('*').map(escapeRegExp).join('.*')}$`, 's');
}

function parseRule(rule: string): ParsedRule {
  const match = PERMISSION_RULE.exec(rule.trim());
  if (!match) throw new Error(`Permission rule "${rule}" is not Tool or Tool(pattern)`);
  const specifier = match[2]?.trim();
  return { tool: match[1]!.trim(), specifier: specifier ? specifierPattern(specifier) : null };
}

/** The subject a rule's pattern is matched against: the command for Bash, the file for edits. */
export function approvalSubject(request: ApprovalRequest): string {
  if (request.kind === 'command') return request.command.trim();
  if (request.kind === 'edit') return request.file;
  return '';
}

/** Shell operators that chain or nest commands: "npm test; rm -rf ~" must not pass as "npm test". */
const SHELL_CONTROL = /;|&&|\|\||\||\n|`|\$\(|>|</;

/**
 * A rule names a tool exactly, or, for MCP tools as in Claude Code, a whole server: "mcp__github" or
 * "mcp__github__*" cover every "mcp__github__<tool>"; likewise "vscode" or "vscode__*" every tool VS Code offers.
 */
function toolMatches(ruleTool: string, tool: string): boolean {
  if (ruleTool === tool) return true;
  if (ruleTool === 'vscode' || ruleTool === 'vscode__*') return tool.startsWith('vscode__');
  if (!ruleTool.startsWith('mcp__')) return false;
  const server = ruleTool.endsWith('__*') ? ruleTool.slice(0, -3) : ruleTool;
  return tool === server || tool.startsWith(`${server}__`);
}

/** What the policy says about `request`, or null when no rule names it. */
export function evaluatePolicy(policy: ApprovalPolicy, request: ApprovalRequest): PolicyVerdict | null {
  const subject = approvalSubject(request);
  // A chained command is denied when any part is; it is never allowed by a rule written for one part.
  const parts = request.kind === 'command' ? subject.split(SHELL_CONTROL).map((part) => part.trim()).filter(Boolean) : [subject];
  const chained = request.kind === 'command' && SHELL_CONTROL.test(subject);
  const matches = (rules: readonly string[], candidates: readonly string[]): boolean =>
    rules.map(parseRule).some((rule) => toolMatches(rule.tool, request.tool) && (rule.specifier === null || candidates.some((candidate) => rule.specifier!.test(candidate))));
  if (matches(policy.deny, [subject, ...parts])) return 'deny';
  if (matches(policy.ask, [subject, ...parts])) return 'ask';
  if (!chained && matches(policy.allow, [subject])) return 'allow';
  return null;
}

export type ApprovalOutcome = { approved: true; by: 'policy' | 'flag' | 'user' } | { approved: false; reason: string };

/**
 * One run's approvals: the policy first, then the gate for "ask" (or for a call no flag covers), remembering
 * "approve all of this kind" until the run ends.
 */
export class RunApprovals {
  readonly #policy: ApprovalPolicy;
  readonly #gate: ApprovalGate | null;
  readonly #approvedKinds = new Set<string>();
  readonly #askBeforeChanges: boolean;

  /**
   * `askBeforeChanges`: the user chose to be asked before each edit and command (VS Code's "ask before each edit or
   * command"), so the run's flags do not stand in for consent to those; the policy's rules still apply first.
   */
  constructor(policy: ApprovalPolicy, gate: ApprovalGate | null, options: { askBeforeChanges?: boolean } = {}) {
    // Parse every rule now, so a malformed one is reported when the run starts, not at the first tool call.
    for (const rule of [...policy.allow, ...policy.ask, ...policy.deny]) parseRule(rule);
    this.#policy = policy;
    this.#gate = gate;
    this.#askBeforeChanges = options.askBeforeChanges === true;
  }

  /**
   * `flagAllows`: what the run's flags (--apply, --allow-commands) say when no rule names the call.
   * `onWaiting` is told while the request is with the user.
   */
  async decide(request: ApprovalRequest, flagAllows: boolean, signal: AbortSignal, onWaiting: (waiting: boolean) => void): Promise<ApprovalOutcome> {
    const verdict = evaluatePolicy(this.#policy, request);
    if (verdict === 'deny') return { approved: false, reason: `denied by the permission policy (${request.tool}${approvalSubject(request) ? `: ${approvalSubject(request)}` : ''})` };
    if (verdict === 'allow') return { approved: true, by: 'policy' };
    const kind = request.kind === 'tool' ? `tool:${request.tool}` : request.kind;
    if (this.#approvedKinds.has(kind)) return { approved: true, by: 'user' };
    const flagCounts = !(this.#askBeforeChanges && (request.kind === 'edit' || request.kind === 'command'));
    if (verdict === null && flagAllows && flagCounts) return { approved: true, by: 'flag' };
    if (!this.#gate) {
      return { approved: false, reason: verdict === 'ask' ? 'the permission policy asks for approval, and no one can be asked in this run' : 'not allowed in this run (no flag or rule allows it, and no one can be asked)' };
    }
    onWaiting(true);
    let decision: ApprovalDecision;
    try {
      decision = await this.#gate.request(request, signal);
    } finally {
      onWaiting(false);
    }
    if (decision.decision === 'reject') return { approved: false, reason: `rejected by the user: ${decision.reason}` };
    if (decision.decision === 'approve-all') this.#approvedKinds.add(kind);
    return { approved: true, by: 'user' };
  }
}
