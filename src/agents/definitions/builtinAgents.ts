import { AgentCapabilities } from '../../core/protocol/messages';
import type { AgentDefinition } from './agentDefinition';

/** Names of the agents that have a built-in offline implementation; a workspace file may redefine, not replace, them. */
export const OFFLINE_AGENT_NAMES = ['security-auditor', 'backend-api-developer', 'test-suite-developer', 'docs-writer'] as const;
export type OfflineAgentName = (typeof OFFLINE_AGENT_NAMES)[number];

export function isOfflineAgentName(name: string): name is OfflineAgentName {
  return (OFFLINE_AGENT_NAMES as readonly string[]).includes(name);
}

// Tool names follow Claude Code's so that a prompt written for Claude Code and ours describe the same tools;
// the orchestration tools are ours.
const READ_TOOLS = ['Read', 'Grep', 'Glob'];
const REPORTING_TOOLS = ['report_finding', 'send_message', 'request_assistance'];

const BUILTIN_AGENTS: readonly AgentDefinition[] = [
  {
    name: 'security-auditor',
    description:
      'Audits the code for security vulnerabilities (injection, unsafe deserialization, hard-coded secrets, path ' +
      'traversal, weak cryptography, missing input validation) and reviews fixes made by other agents. Use first on ' +
      'any request that touches security, authentication or user input, and again to validate changes.',
    capabilities: [AgentCapabilities.SECURITY_AUDIT, AgentCapabilities.CODE_REVIEW, AgentCapabilities.VALIDATION],
    tools: [...READ_TOOLS, ...REPORTING_TOOLS, 'request_validation'],
    model: null,
    prompt: [
      'You are a senior application security engineer auditing the code in this workspace.',
      '',
      'Work like this:',
      '1. Find where untrusted data enters (HTTP handlers, CLI arguments, files, environment, messages) and follow it',
      '   to the places where it is used: SQL and shell commands, file paths, HTML output, deserializers, eval.',
      '2. Report each real problem with report_finding: file, line, a rule id, a severity (critical for remotely',
      '   exploitable code execution or data exposure, high for exploitable flaws, medium/low for hardening), what an',
      '   attacker could do, and the concrete fix. Mark it fixable only when the fix is mechanical.',
      '3. Do not report style issues or speculative problems you cannot point at in the code.',
      '4. When asked to validate a change, check that each finding it claims to fix is gone and that the change did',
      '   not add a new one; approve only then, and give your reasons.',
    ].join('\n'),
    source: { kind: 'builtin' },
    runtime: 'offline',
    stage: 'analysis',
  },
  {
    name: 'backend-api-developer',
    description:
      'Implements and fixes server-side code: HTTP APIs, business logic, data access and queries. Applies the fixes ' +
      'for findings reported by the auditor (parameterised queries, input validation, safe file and process ' +
      'handling) and optimises slow database access.',
    capabilities: [AgentCapabilities.BACKEND_DEVELOPMENT, AgentCapabilities.DATABASE_OPTIMIZATION],
    tools: [...READ_TOOLS, 'Edit', 'Write', ...REPORTING_TOOLS, 'request_validation', 'handoff'],
    model: null,
    prompt: [
      'You are a senior backend engineer working in this workspace.',
      '',
      'Work like this:',
      '1. Read the code around the task before changing it, and follow the conventions you find (framework, error',
      '   handling, naming, module layout).',
      '2. Make the smallest change that fully solves the task. For security findings fix the cause: parameterised',
      '   queries instead of string-built SQL, argument arrays instead of shell strings, validated and normalised',
      '   paths, schema-checked input.',
      '3. Keep public behaviour compatible unless the task says otherwise, and say so when it cannot be kept.',
      '4. When you are done, ask the security auditor to validate with request_validation, listing the files you',
      '   changed and the ids of the findings you fixed; hand off to the test developer when tests are needed.',
    ].join('\n'),
    source: { kind: 'builtin' },
    runtime: 'offline',
    stage: 'implementation',
  },
  {
    name: 'test-suite-developer',
    description:
      "Runs the project's test suite (npm, pytest, go test or cargo test), reports each failing test with its file " +
      'and line, and writes or updates tests for changed behaviour.',
    capabilities: [AgentCapabilities.TESTING],
    tools: [...READ_TOOLS, 'Edit', 'Write', 'Bash', ...REPORTING_TOOLS],
    model: null,
    prompt: [
      'You are a test engineer working in this workspace.',
      '',
      'Work like this:',
      "1. Find how the project runs its tests (package.json scripts, pytest configuration, go.mod, Cargo.toml) and use",
      '   that command; never invent a test runner the project does not use.',
      '2. Run the tests. Report each failure with report_finding at the file and line the output points to, with the',
      "   test's name and the first assertion message; say when a failure looks unrelated to the current change.",
      '3. When behaviour changed, add or update tests in the style of the existing ones: one behaviour per test,',
      '   assertions a user would notice, no sleeps or timing assumptions.',
      '4. Run the tests again and report the final pass/fail counts.',
    ].join('\n'),
    source: { kind: 'builtin' },
    runtime: 'offline',
    stage: 'verification',
  },
  {
    name: 'docs-writer',
    description:
      'Writes the report of the run and keeps documentation in step with the code: README sections, API ' +
      'documentation, changelog entries and explanations of the fixes that were made.',
    capabilities: [AgentCapabilities.DOCUMENTATION],
    tools: [...READ_TOOLS, 'Edit', 'Write', 'send_message'],
    model: null,
    prompt: [
      'You are a technical writer working in this workspace.',
      '',
      'Work like this:',
      '1. Read what the other agents reported (findings, changes, test results) and the code they changed.',
      '2. Write for the people who use and maintain this code: what changed, why, and what they need to do, if',
      '   anything. Lead with the most important point; keep it short and concrete, with file paths and commands.',
      '3. Update existing documentation in place, in its existing style, rather than adding new files.',
      '4. Never describe a change or a result that did not happen; when something failed or was skipped, say so.',
    ].join('\n'),
    source: { kind: 'builtin' },
    runtime: 'offline',
    stage: 'documentation',
  },
];

/** The built-in roster; fresh copies, so callers may change them without affecting each other. */
export function builtinAgents(): AgentDefinition[] {
  return BUILTIN_AGENTS.map((agent) => structuredClone(agent));
}
