import { promises as fs } from 'node:fs';
import path from 'node:path';
import matter from 'gray-matter';
import { z } from 'zod';
import { AgentStageSchema, inferCapabilities, inferStage, type AgentDefinition } from './agentDefinition';
import { isOfflineAgentName } from './builtinAgents';

/** A problem with one agent file; `file` is the absolute path, `message` starts with the file's name. */
export interface AgentFileProblem {
  file: string;
  message: string;
}

export interface AgentFilesResult {
  agents: AgentDefinition[];
  /** Files that could not be used; each is skipped, the others still load. */
  errors: AgentFileProblem[];
  /** Files that loaded but are not strictly valid (other tools may reject them). */
  warnings: AgentFileProblem[];
}

/** Larger files are not agent definitions someone wrote by hand; refusing them keeps a stray dump from being read. */
const MAX_AGENT_FILE_BYTES = 1024 * 1024;

// Claude Code's rule for subagent names (lowercase letters and hyphens); digits are allowed because names like
// "k8s-operator" are common and Claude Code accepts them.
const NAME_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const NAME_FORM = 'expected lowercase letters, digits and hyphens, such as "code-reviewer"';
const LIST_FORM = 'expected a comma-separated string or a list of strings';

/** Either form Claude Code accepts for a list: "Read, Grep, Bash" or a YAML sequence. */
const stringList = (form: string) =>
  z
    .union([z.string(), z.array(z.string())], { error: form })
    .nullish()
    .transform((value) => {
      if (value === null || value === undefined) return undefined;
      const items = Array.isArray(value) ? value : value.split(',');
      return items.map((item) => item.trim()).filter((item) => item.length > 0);
    });

const FrontMatterSchema = z
  .object({
    name: z
      .string({ error: (issue) => (issue.input === undefined ? `required; ${NAME_FORM}` : NAME_FORM) })
      .trim()
      .regex(NAME_PATTERN, NAME_FORM),
    description: z
      .string({
        error: (issue) =>
          issue.input === undefined ? 'required; expected a text saying when to use this agent' : 'expected a text',
      })
      .trim()
      .min(1, 'expected a non-empty text saying when to use this agent'),
    tools: stringList(LIST_FORM),
    model: z
      .string({ error: 'expected a text such as sonnet, opus, haiku, inherit or a model id' })
      .trim()
      .nullish()
      .transform((value) => (value ? value : null)),
    capabilities: stringList(`${LIST_FORM} such as "security_audit, code_review"`).pipe(
      z
        .array(
          z
            .string()
            .transform((c) => c.toLowerCase())
            .pipe(z.string().regex(/^[a-z][a-z0-9_-]*$/, 'expected lower_snake_case names such as "security_audit"')),
        )
        .optional(),
    ),
    stage: AgentStageSchema.nullish().transform((value) => value ?? undefined),
  })
  // Claude Code files carry more fields (color, permissionMode, hooks, ...); they are not ours to reject.
  .loose();

interface YamlErrorLike {
  reason?: unknown;
  mark?: { line?: unknown };
  message: string;
}

function describeYamlError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const yamlError = error as YamlErrorLike;
  const reason = typeof yamlError.reason === 'string' ? yamlError.reason : error.message.split('\n')[0];
  // gray-matter hands js-yaml the text from the end of the opening '---' on, so the mark's line 0 is the file's
  // first line and its 0-based count is one less than the file's 1-based line number.
  const line = typeof yamlError.mark?.line === 'number' ? ` at line ${yamlError.mark.line + 1}` : '';
  return `invalid YAML front matter${line}: ${reason}`;
}

// gray-matter evaluates `---js` front matter with eval(); agent files come from the workspace, which may be
// untrusted, so only data languages are allowed.
const refuseCode = {
  parse: (): object => {
    throw new Error('front matter must be YAML; executable front matter (---js) is not allowed');
  },
};
const MATTER_OPTIONS = { engines: { js: refuseCode, javascript: refuseCode, coffee: refuseCode, cson: refuseCode } };

/** Keys whose presence at the start of a line ends a repaired description (Claude Code's fields and ours). */
const KNOWN_KEYS = new Set([
  'name', 'description', 'tools', 'disallowedTools', 'model', 'color', 'capabilities', 'stage', 'permissionMode',
  'skills', 'hooks', 'mcpServers', 'memory',
]);

/**
 * Many published Claude Code agents have an unquoted description containing ": " ("Examples: user: ..."), which is
 * not valid YAML. When strict parsing fails, this quotes such a description (up to the next known key) so the
 * agent still loads; the caller reports a warning.
 */
function quoteLooseDescription(frontMatter: string): string | null {
  const lines = frontMatter.split('\n');
  const start = lines.findIndex((line) => /^description:[ \t]*[^\s"'|>[{]/.test(line));
  if (start < 0) return null;
  let end = start + 1;
  while (end < lines.length) {
    const key = /^([A-Za-z][\w-]*):(?:\s|$)/.exec(lines[end]);
    if (key && KNOWN_KEYS.has(key[1])) break;
    end += 1;
  }
  const text = [lines[start].replace(/^description:/, ''), ...lines.slice(start + 1, end)]
    .map((line) => line.trim())
    .join('\n')
    .trim();
  return [...lines.slice(0, start), `description: ${JSON.stringify(text)}`, ...lines.slice(end)].join('\n');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

type ParsedAgentFile = { ok: true; agent: AgentDefinition; warning?: string } | { ok: false; message: string };

/**
 * Parses one agent file (Claude Code subagent format). `filePath` is recorded as the agent's source.
 * Never throws: problems come back as a message naming the field and the expected form.
 */
export function parseAgentFile(text: string, filePath: string): ParsedAgentFile {
  const normalized = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const lines = normalized.split('\n');
  if (lines[0].trimEnd() !== '---' && !/^---[a-z]+$/i.test(lines[0].trimEnd())) {
    return { ok: false, message: "no front matter; expected the file to start with a '---' line, then name and description, then '---'" };
  }
  const closing = lines.findIndex((line, index) => index > 0 && line.trimEnd() === '---');
  if (closing < 0) return { ok: false, message: "front matter is not closed; expected a '---' line after the fields" };

  let data: unknown;
  let prompt: string;
  let warning: string | undefined;
  try {
    const parsed = matter(normalized, MATTER_OPTIONS);
    data = parsed.data;
    prompt = parsed.content;
  } catch (error) {
    const repaired = quoteLooseDescription(lines.slice(1, closing).join('\n'));
    if (repaired === null) return { ok: false, message: describeYamlError(error) };
    try {
      data = matter([lines[0], repaired, ...lines.slice(closing)].join('\n'), MATTER_OPTIONS).data;
    } catch {
      return { ok: false, message: describeYamlError(error) };
    }
    prompt = lines.slice(closing + 1).join('\n');
    warning = `${describeYamlError(error)}; loaded by reading the unquoted description up to the next field (quote it to make the file valid YAML)`;
  }
  if (!isPlainObject(data)) {
    return { ok: false, message: 'front matter must be a set of fields such as "name: my-agent" and "description: ..."' };
  }

  const result = FrontMatterSchema.safeParse(data);
  if (!result.success) {
    return {
      ok: false,
      message: result.error.issues.map((issue) => `${issue.path.map(String).join('.') || 'front matter'}: ${issue.message}`).join('; '),
    };
  }
  const fields = result.data;
  const capabilities = fields.capabilities ?? inferCapabilities(fields.name, fields.description);
  return {
    ok: true,
    warning,
    agent: {
      name: fields.name,
      description: fields.description,
      capabilities,
      tools: fields.tools ?? [],
      model: fields.model,
      prompt: prompt.trim(),
      source: { kind: 'file', path: filePath },
      runtime: isOfflineAgentName(fields.name) ? 'offline' : 'model',
      stage: fields.stage ?? inferStage(capabilities),
    },
  };
}

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/**
 * Loads `*.md` agent files from `dir` (normally <workspace>/.claude/agents), in file-name order.
 * A missing folder gives an empty result; a bad file is reported in `errors` and the others still load.
 */
export async function loadAgentFiles(dir: string): Promise<AgentFilesResult> {
  const result: AgentFilesResult = { agents: [], errors: [], warnings: [] };
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((name) => /\.md$/i.test(name));
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return result;
    const reason = code === 'ENOTDIR' ? 'is not a folder' : `cannot be read (${error instanceof Error ? error.message : String(error)})`;
    result.errors.push({ file: dir, message: `${dir}: the agents folder ${reason}` });
    return result;
  }
  // Code-unit order, not locale order, so the same folder gives the same roster on every machine.
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  for (const name of names) {
    const file = path.join(dir, name);
    let text: string;
    try {
      const stat = await fs.stat(file);
      if (!stat.isFile()) continue;
      if (stat.size > MAX_AGENT_FILE_BYTES) {
        result.errors.push({ file, message: `${name}: file is larger than ${MAX_AGENT_FILE_BYTES} bytes; expected a short Markdown agent definition` });
        continue;
      }
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      result.errors.push({ file, message: `${name}: cannot be read (${error instanceof Error ? error.message : String(error)})` });
      continue;
    }
    const parsed = parseAgentFile(text, file);
    if (!parsed.ok) {
      result.errors.push({ file, message: `${name}: ${parsed.message}` });
      continue;
    }
    result.agents.push(parsed.agent);
    if (parsed.warning) result.warnings.push({ file, message: `${name}: ${parsed.warning}` });
  }
  return result;
}
