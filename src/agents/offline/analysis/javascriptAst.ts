// A small, dependency-light view of JavaScript/TypeScript syntax trees for the offline agents' checks: parse with the
// TypeScript ESLint parser (the one the security scanner already loads), walk with ancestors, read names.

/** An ESTree node as the parser returns it; checks read the fields they know by name. */
export interface AstNode {
  type: string;
  loc: { start: { line: number; column: number }; end: { line: number; column: number } };
  range: [number, number];
  [key: string]: unknown;
}

type Parse = (code: string, options: Record<string, unknown>) => AstNode;
let parser: Parse | undefined;

function loadParser(): Parse {
  // Loaded on first use: the extension activates without it.
  parser ??= (require('@typescript-eslint/parser') as { parse: Parse }).parse;
  return parser;
}

const TYPESCRIPT = /\.(?:ts|mts|cts)$/;

/** The file's tree, or null when it does not parse (the security auditor reports parse errors; these checks skip). */
export function parseJavaScript(code: string, file: string): AstNode | null {
  const parse = loadParser();
  // In .ts files `<T>(x) => x` is a generic, not JSX; everywhere else JSX is allowed.
  const jsxFirst = !TYPESCRIPT.test(file);
  for (const jsx of jsxFirst ? [true, false] : [false]) {
    try {
      return parse(code, { jsx, loc: true, range: true, ecmaVersion: 'latest', sourceType: 'module', comment: false });
    } catch {
      // try the other way, then give up
    }
  }
  return null;
}

export function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string' && 'loc' in value;
}

function children(node: AstNode): AstNode[] {
  const result: AstNode[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'parent' || key === 'loc' || key === 'range' || key === 'tokens' || key === 'comments') continue;
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) result.push(item);
    } else if (isNode(value)) result.push(value);
  }
  return result;
}

/** Calls `visit` on every node, outermost first, with its ancestors (nearest last). */
export function walk(root: AstNode, visit: (node: AstNode, ancestors: readonly AstNode[]) => void): void {
  const stack: { node: AstNode; ancestors: AstNode[] }[] = [{ node: root, ancestors: [] }];
  while (stack.length > 0) {
    const { node, ancestors } = stack.pop()!;
    visit(node, ancestors);
    const next = [...ancestors, node];
    const kids = children(node);
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ node: kids[i]!, ancestors: next });
  }
}

export function child(node: AstNode, key: string): AstNode | null {
  const value = node[key];
  return isNode(value) ? value : null;
}

export function childList(node: AstNode, key: string): AstNode[] {
  const value = node[key];
  return Array.isArray(value) ? value.filter(isNode) : [];
}

/** Name of an identifier, a non-computed member property, or a string-literal key. */
export function nameOf(node: AstNode | null): string | null {
  if (!node) return null;
  if (node.type === 'Identifier' || node.type === 'PrivateIdentifier' || node.type === 'JSXIdentifier') return String(node.name);
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  return null;
}

/** The property name of a member expression `a.b` / `a['b']`, else null. */
export function memberProperty(node: AstNode): string | null {
  if (node.type !== 'MemberExpression') return null;
  const property = child(node, 'property');
  if (node.computed === true) return property?.type === 'Literal' && typeof property.value === 'string' ? property.value : null;
  return nameOf(property);
}

/** Names along a callee chain, outermost receiver first: `this.repo.users.find` -> ['this', 'repo', 'users', 'find']; `knex('t').where` -> ['knex()', 'where']. */
export function calleeChain(node: AstNode | null): string[] {
  const names: string[] = [];
  let current = node;
  while (current) {
    if (current.type === 'MemberExpression') {
      names.unshift(memberProperty(current) ?? '[]');
      current = child(current, 'object');
    } else if (current.type === 'CallExpression') {
      const callee = child(current, 'callee');
      if (callee?.type === 'Identifier') {
        names.unshift(`${String(callee.name)}()`);
        return names;
      }
      current = callee;
    } else if (current.type === 'ThisExpression') {
      names.unshift('this');
      return names;
    } else if (current.type === 'Identifier') {
      names.unshift(String(current.name));
      return names;
    } else if (current.type === 'AwaitExpression' || current.type === 'TSNonNullExpression' || current.type === 'ChainExpression') {
      current = child(current, current.type === 'AwaitExpression' ? 'argument' : 'expression');
    } else {
      names.unshift('?');
      return names;
    }
  }
  return names;
}

/** The value of a string literal or a template literal without expressions; null for anything computed. */
export function constantString(node: AstNode | null): string | null {
  if (!node) return null;
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral' && childList(node, 'expressions').length === 0) {
    return childList(node, 'quasis').map((quasi) => String((quasi.value as { cooked?: string } | undefined)?.cooked ?? '')).join('');
  }
  return null;
}

/** Text of every string literal and template literal in a file (template expressions as `?`), with their line. */
export function stringsOf(root: AstNode): { text: string; line: number }[] {
  const strings: { text: string; line: number }[] = [];
  walk(root, (node, ancestors) => {
    if (node.type === 'Literal' && typeof node.value === 'string') strings.push({ text: node.value, line: node.loc.start.line });
    else if (node.type === 'TemplateLiteral' && ancestors[ancestors.length - 1]?.type !== 'TaggedTemplateExpression' || node.type === 'TaggedTemplateExpression') {
      const template = node.type === 'TaggedTemplateExpression' ? child(node, 'quasi') : node;
      if (!template) return;
      const parts = childList(template, 'quasis').map((quasi) => String((quasi.value as { cooked?: string } | undefined)?.cooked ?? ''));
      strings.push({ text: parts.join('?'), line: node.loc.start.line });
    }
  });
  return strings;
}

/** A minified or generated file: not the user's code to review. */
export function looksGenerated(file: string, code: string): boolean {
  if (/\.min\.[cm]?js$|[-.]bundle\.js$/.test(file)) return true;
  if (/[#@] sourceMappingURL=/.test(code.slice(-600))) return true;
  return code.split('\n', 200).some((line) => line.length > 1000);
}
