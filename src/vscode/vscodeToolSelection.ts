// Which of VS Code's language-model tools (vscode.lm.tools) the agents are offered, and how a tool's result becomes
// the text the engine gets. No `vscode` import, so it is unit-tested in Node.
import type { VscodeToolInfo } from '../shared/engineProtocol';
import { MAX_VSCODE_TOOL_RESULT_CHARS } from '../shared/engineProtocol';

/**
 * The tools of the orchestrator's own MCP server (src/mcp/mcpServer.ts), which VS Code offers once it started the
 * server this extension registers: an agent calling them would start runs from inside a run.
 */
export const ORCHESTRATOR_MCP_TOOLS: readonly string[] = ['plan_request', 'orchestrate_request', 'cancel_run', 'list_sessions', 'get_session', 'get_findings', 'query_learnings'];

/** This extension's id: a tool it contributed would be referenced as `<id>/<tool>`. */
const OWN_EXTENSION_REFERENCE = 'agent-orchestrator.agent-orchestrator/';
/** The tool set VS Code makes of the server this extension registers: its label ("Agent Orchestrator (<folder>)"), lower-cased, spaces as "-". */
const OWN_MCP_SERVER_REFERENCE = /^agent-orchestrator-\(/i;

/**
 * True for a tool of the orchestrator itself, whichever way VS Code named it. Exact where VS Code says where a tool
 * comes from (its full reference name); otherwise an MCP tool named like one of ours (VS Code shortens the server
 * prefix of `mcp_<server>_<tool>`, so the server's name may not show) is left out too.
 */
export function isOrchestratorTool(tool: { name: string; tags: readonly string[]; fullReferenceName?: string }): boolean {
  const reference = tool.fullReferenceName ?? '';
  if (reference.toLowerCase().startsWith(OWN_EXTENSION_REFERENCE) || OWN_MCP_SERVER_REFERENCE.test(reference)) return true;
  if (!tool.tags.includes('mcp')) return false;
  return ORCHESTRATOR_MCP_TOOLS.some((ours) => tool.name === ours || tool.name.endsWith(`_${ours}`) || reference.endsWith(`/${ours}`));
}

/**
 * What vscode.lm.tools gives, as the protocol carries it; the orchestrator's own tools left out. Another extension's
 * entry may lack a field its type promises (a description, tags): it is taken as empty rather than failing the list.
 */
export function offeredTools(tools: readonly { name: string; description: string; inputSchema: object | undefined; tags: readonly string[]; fullReferenceName?: string }[]): VscodeToolInfo[] {
  const offered: VscodeToolInfo[] = [];
  for (const raw of tools) {
    const name: unknown = raw.name;
    if (typeof name !== 'string' || name.length === 0 || name.length > 200) continue;
    const tags = Array.isArray(raw.tags) ? raw.tags.filter((tag): tag is string => typeof tag === 'string' && tag.length <= 200).slice(0, 100) : [];
    const fullReferenceName = typeof raw.fullReferenceName === 'string' ? raw.fullReferenceName : undefined;
    if (isOrchestratorTool({ name, tags, ...(fullReferenceName ? { fullReferenceName } : {}) })) continue;
    const schema: unknown = raw.inputSchema;
    offered.push({
      name,
      description: typeof raw.description === 'string' ? raw.description.slice(0, 10_000) : '',
      ...(schema !== null && typeof schema === 'object' && !Array.isArray(schema) ? { inputSchema: schema as Record<string, unknown> } : {}),
      tags,
    });
  }
  return offered.slice(0, 1_000);
}

/**
 * A tool result's parts as one text: text parts as they are, data parts decoded when they are text or JSON (named
 * by their type and size otherwise), anything else (prompt-tsx) as JSON. Refused when bigger than the protocol takes.
 */
export function toolResultText(parts: readonly unknown[]): string {
  const texts: string[] = [];
  for (const part of parts) {
    if (part && typeof part === 'object' && 'value' in part && typeof part.value === 'string') texts.push(part.value);
    else if (part && typeof part === 'object' && 'data' in part && part.data instanceof Uint8Array && 'mimeType' in part && typeof part.mimeType === 'string') {
      const textual = /^text\/|json|xml|yaml/i.test(part.mimeType);
      texts.push(textual ? new TextDecoder().decode(part.data) : `[${part.mimeType}, ${part.data.byteLength} bytes]`);
    } else {
      let json: string | undefined;
      try {
        json = JSON.stringify(part && typeof part === 'object' && 'value' in part ? part.value : part);
      } catch {
        json = undefined;
      }
      if (json !== undefined) texts.push(json);
    }
  }
  const text = texts.join('\n');
  if (text.length > MAX_VSCODE_TOOL_RESULT_CHARS) {
    throw new Error(`the tool returned ${Math.ceil(text.length / 1024)} KB of text, more than the ${MAX_VSCODE_TOOL_RESULT_CHARS / 1024} KB accepted`);
  }
  return text;
}
