// Small AST helpers for the taint analysis. TypeScript-only nodes (TSAsExpression, decorators, type annotations) are
// not in the ESTree types, so they are read through `unknown` and narrowed.
import type * as ESTree from 'estree';

/** An ESTree node as ESLint hands it to rules: every node but Program has its parent set. */
export type Node = ESTree.Node & { parent?: Node };
export type FunctionNode = ESTree.FunctionDeclaration | ESTree.FunctionExpression | ESTree.ArrowFunctionExpression;

export function field(node: unknown, name: string): unknown {
  return typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[name] : undefined;
}

export function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

const TYPE_WRAPPERS = new Set(['TSAsExpression', 'TSSatisfiesExpression', 'TSNonNullExpression', 'TSTypeAssertion', 'ChainExpression', 'TSInstantiationExpression']);

/** Strips type-only wrappers (`x as T`, `x!`, `<T>x`) and optional chains so the real expression is inspected. */
export function unwrap(node: Node): Node {
  let current: Node = node;
  while (TYPE_WRAPPERS.has(current.type)) {
    const inner = field(current, 'expression');
    if (!isNode(inner)) break;
    current = inner;
  }
  return current;
}

export function isFunctionNode(node: Node | undefined): node is FunctionNode & { parent?: Node } {
  return node !== undefined && (node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression');
}

/** The name of a non-computed member (`a.b`) or a string-literal computed one (`a['b']`). */
export function memberName(node: ESTree.MemberExpression): string | undefined {
  if (!node.computed && node.property.type === 'Identifier') return node.property.name;
  if (node.property.type === 'Literal' && typeof node.property.value === 'string') return node.property.value;
  return undefined;
}

export function propertyKeyName(property: ESTree.Property): string | undefined {
  const key = property.key;
  if (!property.computed && key.type === 'Identifier') return key.name;
  if (key.type === 'Literal' && (typeof key.value === 'string' || typeof key.value === 'number')) return String(key.value);
  return undefined;
}

/** The nearest enclosing function of a node, or undefined at module level. */
export function enclosingFunction(node: Node): FunctionNode | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (isFunctionNode(current)) return current;
  }
  return undefined;
}

export function contains(outer: Node, inner: Node): boolean {
  const [start, end] = outer.range ?? [0, -1];
  const [innerStart, innerEnd] = inner.range ?? [0, -1];
  return start <= innerStart && innerEnd <= end;
}

/** A property of an object literal by name (`{ shell: true }`), when written literally. */
export function objectProperty(node: Node | undefined, name: string): ESTree.Property | undefined {
  if (!node) return undefined;
  const object = unwrap(node);
  if (object.type !== 'ObjectExpression') return undefined;
  return object.properties.find((p): p is ESTree.Property => p.type === 'Property' && propertyKeyName(p) === name);
}

/** `true`, `1`, `'yes'`: a literal that is truthy. Non-literal values count as unknown (undefined). */
export function literalTruthiness(node: Node): boolean | undefined {
  const inner = unwrap(node);
  if (inner.type === 'Literal') return Boolean(inner.value);
  if (inner.type === 'Identifier' && inner.name === 'undefined') return false;
  return undefined;
}

/** Identifier text shown in messages: printable and bounded, since it is echoed into reports and terminals. */
export function displayText(text: string, limit = 60): string {
  // eslint-disable-next-line no-control-regex
  const printable = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
  return printable.length > limit ? `${printable.slice(0, limit - 3)}...` : printable;
}

/** `res.redirect`, `db.user.query`, `this.pool.query`: the callee as a reader would name it. */
export function calleeText(callee: Node): string {
  const parts: string[] = [];
  let current: Node = unwrap(callee);
  for (let depth = 0; depth < 6; depth++) {
    if (current.type === 'MemberExpression') {
      parts.unshift(memberName(current) ?? '[]');
      current = unwrap(current.object as Node);
      continue;
    }
    if (current.type === 'Identifier') parts.unshift(current.name);
    else if (current.type === 'ThisExpression') parts.unshift('this');
    else if (current.type === 'CallExpression') parts.unshift(`${calleeText(current.callee as Node)}()`);
    else if (current.type === 'NewExpression') parts.unshift(`new ${calleeText(current.callee as Node)}()`);
    break;
  }
  const text = parts.join('.');
  return displayText(parts.length > 3 ? parts.slice(-3).join('.') : text, 50);
}
