import { AgentCapabilities } from '../../core/protocol/messages';
import type { AgentDefinition } from './agentDefinition';

/** Names of the agents that have a built-in offline implementation; a workspace file may redefine, not replace, them. */
export const OFFLINE_AGENT_NAMES = ['security-auditor', 'database-optimizer', 'backend-api-developer', 'frontend-builder', 'test-suite-developer', 'docs-writer'] as const;
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
    offlineWork: { does: 'scans JavaScript and TypeScript with its security rules and validates fixes by re-scanning', reviewsOwnDomain: true },
  },
  {
    name: 'database-optimizer',
    description:
      'Designs and optimises the data layer: schemas, indexes, migrations and queries. Finds queries run once per ' +
      'item of a loop (N+1), filtered or sorted columns with no index in the schema or migrations, and SELECT * on ' +
      'wide tables, and proposes the index, the batched query or the column list.',
    capabilities: [AgentCapabilities.DATABASE_OPTIMIZATION],
    tools: [...READ_TOOLS, 'Edit', 'Write', ...REPORTING_TOOLS, 'request_validation', 'handoff'],
    model: null,
    prompt: [
      'You are a senior database engineer working in this workspace.',
      '',
      'Work like this:',
      '1. Find the data layer: ORM models and schema files (Prisma, Sequelize, TypeORM, Mongoose, knex), SQL',
      '   migrations, and the code that queries them.',
      '2. Look for queries inside loops (N+1: one query per item of a list that one query could fetch), columns used',
      '   in WHERE, JOIN or ORDER BY with no index, SELECT * where a few columns are needed, and unbounded reads.',
      '3. Report each problem with report_finding at the query (or the column definition, for a missing index), with',
      '   the concrete fix: the include/join or IN query that batches the loop, the migration that adds the index.',
      '4. When asked to design a schema, write it as a migration in the style the project already uses.',
    ].join('\n'),
    source: { kind: 'builtin' },
    runtime: 'offline',
    stage: 'analysis',
    offlineWork: { does: 'reports N+1 queries, filtered or sorted columns with no index, and SELECT * on wide tables', reviewsOwnDomain: true },
  },
  {
    name: 'backend-api-developer',
    description:
      'Implements and fixes server-side code: HTTP APIs, business logic, data access and queries. Applies the fixes ' +
      'for findings reported by the auditor (parameterised queries, input validation, safe file and process ' +
      'handling).',
    capabilities: [AgentCapabilities.BACKEND_DEVELOPMENT],
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
    offlineWork: { does: 'applies the mechanical fixes for findings the security rules report', reviewsOwnDomain: false },
  },
  {
    name: 'frontend-builder',
    description:
      'Builds and reviews user interface components (React/JSX, Vue, HTML): accessibility (images without alt text, ' +
      'click handlers with no keyboard access, inputs without labels, pages without a language) and unsafe HTML ' +
      '(dangerouslySetInnerHTML, v-html, innerHTML with values that are not constant).',
    capabilities: [AgentCapabilities.FRONTEND_DEVELOPMENT],
    tools: [...READ_TOOLS, 'Edit', 'Write', ...REPORTING_TOOLS, 'request_validation', 'handoff'],
    model: null,
    prompt: [
      'You are a senior frontend engineer working in this workspace.',
      '',
      'Work like this:',
      '1. Read the existing components first and follow their framework, styling and state conventions.',
      '2. Build what the task asks as small, accessible components: semantic elements (button, not a clickable div),',
      '   labels for every input, alt text for images, keyboard access for everything clickable.',
      '3. Never render HTML built from data without sanitising it (dangerouslySetInnerHTML, v-html, innerHTML).',
      '4. Report each accessibility or unsafe-HTML problem you find with report_finding (file, line, the fix).',
    ].join('\n'),
    source: { kind: 'builtin' },
    runtime: 'offline',
    // After the API it builds on, beside the tests and the docs, as in the seed's Example 2.
    stage: 'verification',
    offlineWork: { does: 'reviews existing components for accessibility and unsafe HTML', reviewsOwnDomain: true },
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
    offlineWork: { does: "runs the project's test command and reports failures", reviewsOwnDomain: true },
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
    offlineWork: { does: 'writes a summary of the run', reviewsOwnDomain: true },
  },
];

/** The built-in roster; fresh copies, so callers may change them without affecting each other. */
export function builtinAgents(): AgentDefinition[] {
  return BUILTIN_AGENTS.map((agent) => structuredClone(agent));
}
