// Source-to-sink taint analysis of one file, on ESLint's scope analysis (variables, their definitions and every
// reference to them). It answers one question for an expression: which user-controlled values (request data) can
// reach it, and through which parameters of the file's own functions. Values are followed through declarations,
// reassignment (the last unconditional write before a use wins), destructuring, templates, concatenation, `+=`,
// object and array literals, string methods and helper functions of the same file (by a summary of what their return
// value depends on). Every expression is evaluated at most once (memoised), so the cost stays about linear in the size
// of the file; there is no whole-program fixpoint.
import type { Scope, SourceCode } from 'eslint';
import type * as ESTree from 'estree';
import {
  contains,
  displayText,
  enclosingFunction,
  field,
  isFunctionNode,
  isNode,
  memberName,
  propertyKeyName,
  unwrap,
  type FunctionNode,
  type Node,
} from './ast';
import { HTTP_CLIENT_MODULES } from './sinks';
import { ALL_CLASSES, type TaintClass } from './taintClasses';

/** Where a tainted value comes from: request data, or a parameter of a function of this file. */
export interface Origin {
  /** As written in the code: `req.query.url`, `@Body() dto`, or the parameter's name. */
  text: string;
  line: number;
  param?: { fn: FunctionNode; index: number };
  /** Classes a sanitiser on the way has made the value safe for. */
  cleared: ReadonlySet<TaintClass>;
  /** The value may be an object or array (a parsed JSON body or query string), not only a string. */
  maybeObject: boolean;
  /** The value is a container (`req.body`, an object literal) rather than a piece of text. */
  structured: boolean;
  /** Helper functions the value went through, outermost last. */
  via: readonly string[];
  /** `text` names this very value (`req.body.profile.site`), so a property read from it can be named too; false once
   * the value was transformed or put into a literal. */
  exact: boolean;
}

export interface Value {
  origins: readonly Origin[];
  /** The value is the request object itself (`req`, Koa's `ctx`): its properties are the sources. */
  request?: string;
}

export const EMPTY: Value = { origins: [] };
const MAX_ORIGINS = 12;

export function union(values: readonly Value[]): Value {
  const origins: Origin[] = [];
  let request: string | undefined;
  for (const value of values) {
    request ??= value.request;
    for (const origin of value.origins) {
      if (origins.length >= MAX_ORIGINS) break;
      if (!origins.includes(origin)) origins.push(origin);
    }
  }
  if (origins.length === 0 && request === undefined) return EMPTY;
  return request === undefined ? { origins } : { origins, request };
}

function mapOrigins(value: Value, change: (origin: Origin) => Origin): Value {
  return value.origins.length === 0 ? EMPTY : { origins: value.origins.map(change) };
}

/** The value turned into text: it can no longer carry operator objects. */
export function stringified(value: Value): Value {
  return mapOrigins(value, (o) => (o.maybeObject || o.structured || o.exact ? { ...o, maybeObject: false, structured: false, exact: false } : o));
}

function clearedFor(value: Value, classes: readonly TaintClass[]): Value {
  return mapOrigins(value, (o) => ({ ...o, cleared: new Set([...o.cleared, ...classes]), maybeObject: false, structured: false, exact: false }));
}

export function isCleared(origin: Origin, taintClass: TaintClass): boolean {
  return origin.cleared.has(taintClass);
}

// ---------------------------------------------------------------------------------------------------------
// Sources

interface SourceShape {
  maybeObject: boolean;
  structured: boolean;
}

/** Properties of a request object (Express, Koa, Fastify, Hapi, Next.js) that the client controls. */
const REQUEST_SOURCE_PROPERTIES: ReadonlyMap<string, SourceShape> = new Map([
  ['query', { maybeObject: true, structured: true }],
  ['body', { maybeObject: true, structured: true }],
  ['payload', { maybeObject: true, structured: true }],
  ['files', { maybeObject: true, structured: true }],
  ['file', { maybeObject: true, structured: true }],
  ['params', { maybeObject: false, structured: true }],
  ['headers', { maybeObject: false, structured: true }],
  ['cookies', { maybeObject: false, structured: true }],
  ['signedCookies', { maybeObject: false, structured: true }],
  ['searchParams', { maybeObject: false, structured: true }],
  ['nextUrl', { maybeObject: false, structured: true }],
  ['url', { maybeObject: false, structured: false }],
  ['originalUrl', { maybeObject: false, structured: false }],
  ['querystring', { maybeObject: false, structured: false }],
  ['search', { maybeObject: false, structured: false }],
  ['href', { maybeObject: false, structured: false }],
  ['rawBody', { maybeObject: false, structured: false }],
]);

/** Methods of a request object whose result the client controls: `req.get('X-Host')`, `await request.json()`. */
const REQUEST_SOURCE_METHODS: ReadonlyMap<string, SourceShape> = new Map([
  ['get', { maybeObject: false, structured: false }],
  ['header', { maybeObject: false, structured: false }],
  ['param', { maybeObject: true, structured: false }],
  ['json', { maybeObject: true, structured: true }],
  ['formData', { maybeObject: false, structured: true }],
  ['text', { maybeObject: false, structured: false }],
  // Fastify multipart: `await request.file()` is the uploaded file, its content the client's.
  ['file', { maybeObject: false, structured: true }],
  ['files', { maybeObject: false, structured: true }],
  ['parts', { maybeObject: false, structured: true }],
]);

/** NestJS parameter decorators that inject request data. */
const NEST_SOURCE_DECORATORS: ReadonlyMap<string, SourceShape> = new Map([
  ['Query', { maybeObject: true, structured: true }],
  ['Body', { maybeObject: true, structured: true }],
  ['Param', { maybeObject: false, structured: true }],
  ['Headers', { maybeObject: false, structured: true }],
  ['Cookies', { maybeObject: false, structured: true }],
  ['UploadedFile', { maybeObject: true, structured: true }],
  ['UploadedFiles', { maybeObject: true, structured: true }],
]);
const NEST_REQUEST_DECORATORS = new Set(['Req', 'Request']);

/** Browser globals an attacker controls through a crafted link: `location.hash`, `document.referrer`. */
const BROWSER_SOURCES = new Set([
  'location.hash', 'location.search', 'location.href', 'location.pathname', 'window.location.hash', 'window.location.search',
  'window.location.href', 'document.location.hash', 'document.location.search', 'document.location.href', 'document.URL',
  'document.documentURI', 'document.referrer', 'window.name',
]);

const REQUEST_PARAMETER_NAMES = new Set(['req', 'request', 'ctx']);
const REQUEST_TYPE = /(^|\.)(\w*Request|Context|ParameterizedContext|RouterContext)$/;
/** Route registration methods whose function arguments are handlers receiving the request first. */
const ROUTE_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'all', 'use', 'options', 'head', 'route']);
const NEXT_ROUTE_EXPORTS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
/** Array and promise methods whose callback receives the receiver's elements (or resolved value). */
const ELEMENT_CALLBACK_METHODS = new Set(['forEach', 'map', 'flatMap', 'filter', 'find', 'some', 'every', 'reduce', 'then']);

// ---------------------------------------------------------------------------------------------------------
// Propagation and sanitisers

/** Methods whose result carries the receiver's text (string and array methods). */
const PROPAGATING_METHODS = new Set([
  'trim', 'trimStart', 'trimEnd', 'trimLeft', 'trimRight', 'toLowerCase', 'toUpperCase', 'toLocaleLowerCase', 'toLocaleUpperCase',
  'concat', 'replace', 'replaceAll', 'split', 'join', 'slice', 'substring', 'substr', 'padStart', 'padEnd', 'repeat', 'normalize',
  'toString', 'valueOf', 'at', 'charAt', 'flat', 'map', 'filter', 'reverse', 'sort', 'get', 'getAll', 'values', 'toJSON', 'format',
]);
/** Methods whose result is a number or boolean, which carries no injectable text. */
const SAFE_RESULT_METHODS = new Set([
  'indexOf', 'lastIndexOf', 'includes', 'startsWith', 'endsWith', 'test', 'search', 'localeCompare', 'charCodeAt', 'codePointAt',
  'some', 'every', 'has', 'hasOwnProperty', 'findIndex', 'isArray', 'isInteger', 'isSafeInteger', 'isFinite', 'isNaN', 'compare',
  'getTime', 'valueOfDate',
]);
/** Functions (by last name segment) that pass their arguments' text through. */
const PROPAGATING_FUNCTIONS = new Set([
  'String', 'join', 'resolve', 'normalize', 'format', 'sprintf', 'vsprintf', 'stringify', 'parse', 'decodeURIComponent', 'decodeURI',
  'unescape', 'atob', 'btoa', 'from', 'assign', 'concat', 'Buffer', 'dirname', 'relative', 'fileURLToPath', 'toNamespacedPath',
  'URL', 'URLSearchParams', 'merge', 'extend', 'defaults', 'pick', 'get', 'trim', 'toLower', 'toUpper', 'template', 'values',
]);
/** Sanitisers by the last segment of their name, and what they make safe. */
const SANITISERS: ReadonlyMap<string, readonly TaintClass[]> = new Map<string, readonly TaintClass[]>([
  ['escape', ['xss', 'sql-injection']],
  ['escapeHtml', ['xss']],
  ['escapeHTML', ['xss']],
  ['htmlEscape', ['xss']],
  ['encodeHTML', ['xss']],
  ['encode', ['xss']],
  ['sanitize', ['xss', 'nosql-injection']],
  ['sanitizeHtml', ['xss']],
  ['filterXSS', ['xss']],
  ['xss', ['xss']],
  ['escapeId', ['sql-injection']],
  ['escapeLiteral', ['sql-injection']],
  ['escapeIdentifier', ['sql-injection']],
  ['literal', ['sql-injection']],
  ['ident', ['sql-injection']],
  ['quote', ['command-injection']],
  ['shellescape', ['command-injection']],
  ['shellEscape', ['command-injection']],
  ['basename', ['path-traversal']],
  // Encoded text has no `/`, `:`, `<` or shell metacharacters left, yet it still picks the target of a request.
  ['encodeURIComponent', ['xss', 'open-redirect', 'command-injection', 'path-traversal']],
]);
/** Functions whose result is a number, boolean, id or hash: no class of injection survives them. */
const NEUTRALISING_FUNCTIONS = new Set([
  'parseInt', 'parseFloat', 'Number', 'Boolean', 'isNaN', 'isFinite', 'isInteger', 'isSafeInteger', 'ObjectId', 'Date', 'BigInt',
  'hash', 'hashSync', 'compare', 'compareSync', 'createHash', 'randomUUID', 'uuid', 'isValidObjectId', 'isValid', 'toInt', 'toFloat',
  'toNumber', 'toBoolean', 'floor', 'ceil', 'round', 'abs', 'min', 'max', 'sign', 'trunc',
]);

/** Checks that make the checked value safe where it passed: membership of an allow-list leaves one of the list's own
 * values (safe for every class); a pattern, prefix or validator check, for the classes whose danger is the value's
 * target (where it points, what it runs), which is what such checks are written to pin down. */
const TERNARY_GUARDS: readonly [RegExp, readonly TaintClass[]][] = [
  [/^(has|includes)$/, [...ALL_CLASSES]],
  [/^(test|startsWith|isAbsolute|is[A-Z]\w*|validate\w*|check\w*)$/, ['path-traversal', 'open-redirect', 'ssrf', 'command-injection', 'sql-injection', 'code-injection']],
];

/** A URL that names its host (or a path of this site) in the code: the response is not the client's to choose. */
const FIXED_HOST = /^(https?:\/\/[^/?#\\]+[/?#]|\/(?![/\\]))/i;

function lastName(path: readonly string[]): string {
  return path[path.length - 1] ?? '';
}

// ---------------------------------------------------------------------------------------------------------

/** A callee resolved through imports: `fs.readFile` → { module: 'fs', path: ['readFile'] }. */
export interface ResolvedCallee {
  /** The module the name was imported or required from (without `node:`), when it was. */
  module?: string;
  /** Names from the module (or from the global/local root when there is no module), e.g. ['promises', 'readFile']. */
  path: string[];
  /** The root identifier is not declared in the file (a global such as `fetch` or `eval`). */
  global: boolean;
}

export class TaintEngine {
  private readonly referenceByIdentifier = new Map<Node, Scope.Reference>();
  private readonly variableByDeclaration = new Map<Node, Scope.Variable>();
  private readonly memo = new Map<Node, Value>();
  private readonly writeMemo = new Map<Scope.Reference, Value>();
  private readonly summaries = new Map<FunctionNode, Value>();
  private readonly inProgress = new Set<unknown>();
  private readonly writesByVariable = new Map<Scope.Variable, Scope.Reference[]>();
  /** Return expressions per function (and the body of an expression-bodied arrow). */
  readonly returnsOf = new Map<FunctionNode, Node[]>();

  constructor(readonly sourceCode: SourceCode) {
    for (const scope of sourceCode.scopeManager?.scopes ?? []) {
      for (const reference of scope.references) this.referenceByIdentifier.set(reference.identifier as Node, reference);
      for (const variable of scope.variables) {
        for (const identifier of variable.identifiers) this.variableByDeclaration.set(identifier as Node, variable);
      }
    }
  }

  noteReturn(fn: FunctionNode, expression: Node): void {
    const list = this.returnsOf.get(fn);
    if (list) list.push(expression);
    else this.returnsOf.set(fn, [expression]);
  }

  /** The assignments (with a value) to the variable an identifier names, latest first. */
  writesTo(identifier: Node): Scope.Reference[] {
    const variable = this.variableOf(identifier);
    return variable ? this.writesOf(variable).filter((w) => w.writeExpr) : [];
  }

  variableOf(identifier: Node): Scope.Variable | undefined {
    return this.referenceByIdentifier.get(identifier)?.resolved ?? this.variableByDeclaration.get(identifier) ?? undefined;
  }

  /** True when an identifier refers to nothing declared in the file: a global such as `fetch`, `eval`, `location`. */
  isGlobal(identifier: ESTree.Identifier): boolean {
    const variable = this.variableOf(identifier as Node);
    return variable === undefined || variable.defs.length === 0;
  }

  // -------------------------------------------------------------------------------------------------------
  // Callee resolution through imports and requires

  resolveCallee(callee: Node, depth = 0): ResolvedCallee | undefined {
    const node = unwrap(callee);
    if (depth > 8) return undefined;
    if (node.type === 'Identifier') {
      const variable = this.variableOf(node);
      if (!variable || variable.defs.length === 0) return { path: [node.name], global: true };
      return this.bindingOf(variable, node, depth) ?? { path: [node.name], global: false };
    }
    if (node.type === 'MemberExpression') {
      const name = memberName(node);
      if (name === undefined) return undefined;
      const base = this.resolveCallee(node.object as Node, depth + 1);
      if (base) return { ...base, path: [...base.path, name] };
      return { path: [name], global: false };
    }
    if (node.type === 'CallExpression') {
      const required = requiredModule(node);
      if (required !== undefined) return { module: required, path: [], global: false };
      const base = this.resolveCallee(node.callee as Node, depth + 1);
      // `promisify(exec)` behaves as `exec`; a factory's result (`create(all)`) as the module's API.
      if (base && lastName(base.path) === 'promisify' && node.arguments[0]) return this.resolveCallee(node.arguments[0] as Node, depth + 1);
      if (base?.module !== undefined) return { ...base, path: [...base.path, '()'] };
      return undefined;
    }
    if (node.type === 'NewExpression') {
      const base = this.resolveCallee(node.callee as Node, depth + 1);
      return base ? { ...base, path: [...base.path, '()'] } : undefined;
    }
    if (node.type === 'AwaitExpression') return this.resolveCallee(node.argument as Node, depth + 1);
    if (node.type === 'ImportExpression') {
      const source = node.source;
      if (source.type === 'Literal' && typeof source.value === 'string') return { module: normaliseModule(source.value), path: [], global: false };
    }
    return undefined;
  }

  private bindingOf(variable: Scope.Variable, at: Node, depth: number): ResolvedCallee | undefined {
    const definition = variable.defs[0];
    if (!definition || variable.defs.length > 1) return undefined;
    if (definition.type === 'ImportBinding') {
      const specifier = definition.node as Node;
      const declaration = specifier.parent;
      const source = declaration?.type === 'ImportDeclaration' ? declaration.source.value : undefined;
      if (typeof source !== 'string') return undefined;
      const module = normaliseModule(source);
      if (specifier.type === 'ImportSpecifier') {
        const imported = specifier.imported.type === 'Identifier' ? specifier.imported.name : String(specifier.imported.value);
        return { module, path: imported === 'default' ? [] : [imported], global: false };
      }
      return { module, path: [], global: false };
    }
    if (definition.type === 'Variable') {
      const declarator = definition.node as ESTree.VariableDeclarator;
      if (!declarator.init || (definition.parent as ESTree.VariableDeclaration).kind !== 'const' && this.writesOf(variable).length > 1) return undefined;
      const base = this.resolveCallee(declarator.init as Node, depth + 1);
      if (!base) return undefined;
      const identifier = definition.name as Node;
      const path = patternPath(identifier, declarator.id as Node);
      return { ...base, path: [...base.path, ...(path ?? []).filter((p) => p !== '*')] };
    }
    void at;
    return undefined;
  }

  /** The function a callee names when it is declared in this file (`function f`, `const f = () => ...`). */
  localFunction(callee: Node): FunctionNode | undefined {
    const node = unwrap(callee);
    if (node.type !== 'Identifier') return undefined;
    const variable = this.variableOf(node);
    const definition = variable?.defs.length === 1 ? variable.defs[0] : undefined;
    if (!definition) return undefined;
    if (definition.type === 'FunctionName' && isFunctionNode(definition.node as Node)) return definition.node as FunctionNode;
    if (definition.type === 'Variable') {
      const init = (definition.node as ESTree.VariableDeclarator).init;
      if (init && isFunctionNode(unwrap(init as Node))) return unwrap(init as Node) as FunctionNode;
    }
    return undefined;
  }

  /** Where a local function is called in this file; `escapes` when it is also exported or passed around. */
  callSitesOf(fn: FunctionNode): { calls: ESTree.CallExpression[]; escapes: boolean } {
    const calls: ESTree.CallExpression[] = [];
    const fnNode = fn as Node;
    let nameNode: Node | undefined;
    if (fn.type === 'FunctionDeclaration' && fn.id) nameNode = fn.id as Node;
    else if (fnNode.parent?.type === 'VariableDeclarator' && fnNode.parent.id.type === 'Identifier') nameNode = fnNode.parent.id as Node;
    if (!nameNode) return { calls, escapes: true };
    const variable = this.variableByDeclaration.get(nameNode);
    if (!variable) return { calls, escapes: true };
    let escapes = isExported(fnNode);
    for (const reference of variable.references) {
      const identifier = reference.identifier as Node;
      const parent = identifier.parent;
      if (reference.isWrite()) continue;
      if (parent?.type === 'CallExpression' && parent.callee === identifier) calls.push(parent);
      else escapes = true;
    }
    return { calls, escapes };
  }

  // -------------------------------------------------------------------------------------------------------
  // Evaluation

  evaluate(node: Node | null | undefined): Value {
    if (!node) return EMPTY;
    const cached = this.memo.get(node);
    if (cached) return cached;
    if (this.inProgress.has(node)) return EMPTY;
    this.inProgress.add(node);
    let value: Value;
    try {
      value = this.compute(node);
    } finally {
      this.inProgress.delete(node);
    }
    this.memo.set(node, value);
    return value;
  }

  private compute(raw: Node): Value {
    const node = unwrap(raw);
    if (node !== raw) return this.evaluate(node);
    switch (node.type) {
      case 'Identifier':
        return this.identifierValue(node);
      case 'TemplateLiteral':
        return stringified(union(node.expressions.map((e) => this.evaluate(e as Node))));
      case 'TaggedTemplateExpression': {
        // A tag decides how values are used: `sql\`...\`` binds them as parameters; `String.raw` pastes them.
        const tag = unwrap(node.tag as Node);
        if (tag.type === 'MemberExpression' && memberName(tag) === 'raw') return stringified(union(node.quasi.expressions.map((e) => this.evaluate(e as Node))));
        return EMPTY;
      }
      case 'BinaryExpression':
        return node.operator === '+' ? stringified(union([this.evaluate(node.left as Node), this.evaluate(node.right as Node)])) : EMPTY;
      case 'LogicalExpression':
        return union([this.evaluate(node.left as Node), this.evaluate(node.right as Node)]);
      case 'ConditionalExpression':
        return union([this.branchValue(node, 'consequent'), this.branchValue(node, 'alternate')]);
      case 'AssignmentExpression':
        if (node.operator === '=') return this.evaluate(node.right as Node);
        if (node.operator === '+=' ) return stringified(union([this.evaluate(node.left as Node), this.evaluate(node.right as Node)]));
        if (node.operator === '||=' || node.operator === '??=') return union([this.evaluate(node.left as Node), this.evaluate(node.right as Node)]);
        return EMPTY;
      case 'SequenceExpression':
        return this.evaluate(node.expressions[node.expressions.length - 1] as Node);
      case 'AwaitExpression':
        return this.evaluate(node.argument as Node);
      case 'ObjectExpression': {
        const parts = node.properties.map((p) => (p.type === 'SpreadElement' ? this.evaluate(p.argument as Node) : this.evaluate(p.value as Node)));
        return mapOrigins(union(parts), (o) => ({ ...o, structured: true, exact: false }));
      }
      case 'ArrayExpression': {
        const parts = node.elements.map((e) => (e === null ? EMPTY : this.evaluate((e.type === 'SpreadElement' ? e.argument : e) as Node)));
        return mapOrigins(union(parts), (o) => ({ ...o, structured: true, exact: false }));
      }
      case 'MemberExpression':
        return this.memberValue(node);
      case 'CallExpression':
        return this.callValue(node);
      case 'NewExpression':
        return this.newValue(node);
      default:
        return EMPTY;
    }
  }

  /** A branch of `test ? a : b`; `ALLOWED.has(x) ? x : 'pdf'` and `SAFE.test(to) ? to : '/'` pick the value only
   * when the check passed, so that branch is as safe as the check makes it. */
  private branchValue(node: ESTree.ConditionalExpression, branch: 'consequent' | 'alternate'): Value {
    const value = this.evaluate(node[branch] as Node);
    if (value.origins.length === 0) return value;
    let test = unwrap(node.test as Node);
    let passes: 'consequent' | 'alternate' = 'consequent';
    while (test.type === 'UnaryExpression' && test.operator === '!') {
      test = unwrap(test.argument as Node);
      passes = passes === 'consequent' ? 'alternate' : 'consequent';
    }
    if (passes !== branch || test.type !== 'CallExpression') return value;
    const callee = unwrap(test.callee as Node);
    const method = callee.type === 'MemberExpression' ? memberName(callee) : callee.type === 'Identifier' ? callee.name : undefined;
    const classes = method === undefined ? undefined : TERNARY_GUARDS.find(([pattern]) => pattern.test(method))?.[1];
    if (!classes) return value;
    const branchText = this.sourceCode.getText(unwrap(node[branch] as Node) as ESTree.Node);
    // `allowed.includes(x)` is membership; `x.includes('example.com')` is only a substring check.
    const membership = method === 'has' || method === 'includes';
    const checked = [...test.arguments, ...(callee.type === 'MemberExpression' && !membership ? [callee.object] : [])];
    if (!checked.some((c) => this.sourceCode.getText(unwrap(c as Node) as ESTree.Node) === branchText)) return value;
    return clearedFor(value, classes);
  }

  private memberValue(node: ESTree.MemberExpression): Value {
    const object = unwrap(node.object as Node);
    const name = memberName(node);
    if (name !== undefined) {
      const browser = this.browserSource(node);
      if (browser) return browser;
    }
    if (object.type === 'Identifier' && object.name === 'process' && this.isGlobal(object)) return EMPTY;
    return this.member(this.evaluate(object), name ?? '*', node as Node);
  }

  private browserSource(node: ESTree.MemberExpression): Value | undefined {
    const parts: string[] = [];
    let current: Node = node as Node;
    while (current.type === 'MemberExpression') {
      const name = memberName(current);
      if (name === undefined) return undefined;
      parts.unshift(name);
      current = unwrap(current.object as Node);
    }
    if (current.type !== 'Identifier' || !this.isGlobal(current)) return undefined;
    const text = [current.name, ...parts].join('.');
    if (!BROWSER_SOURCES.has(text)) return undefined;
    return { origins: [this.source(text, node as Node, { maybeObject: false, structured: false })] };
  }

  /** A property of a value: the request's sources, or the same taint one level down. */
  member(value: Value, name: string, at: Node): Value {
    if (value.request !== undefined) {
      const shape = REQUEST_SOURCE_PROPERTIES.get(name);
      if (shape) return { origins: [this.source(`${value.request}.${name}`, at, shape)] };
      // Koa's `ctx.request` and Hapi's `request.raw.req` are the request again; `req.user`/`req.session` are not input.
      if (name === 'request' || name === 'req') return { origins: [], request: `${value.request}.${name}` };
      return EMPTY;
    }
    if (value.origins.length === 0) return EMPTY;
    if (name === 'length') return EMPTY;
    const suffix = /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `['${displayText(name, 24)}']`;
    return mapOrigins(value, (o) => ({
      ...o,
      text: o.exact && o.text.length <= 40 && name !== '*' ? `${o.text}${suffix}` : o.text,
      exact: o.exact && name !== '*',
      structured: false,
    }));
  }

  private source(text: string, at: Node, shape: SourceShape): Origin {
    return { text: displayText(text), line: at.loc?.start.line ?? 0, cleared: new Set(), maybeObject: shape.maybeObject, structured: shape.structured, via: [], exact: true };
  }

  private callValue(node: ESTree.CallExpression): Value {
    const callee = unwrap(node.callee as Node);
    const args = node.arguments.map((a) => (a.type === 'SpreadElement' ? a.argument : a) as Node);
    const argsValue = (): Value => union(args.map((a) => this.evaluate(a)));

    if (callee.type === 'MemberExpression') {
      const method = memberName(callee) ?? '';
      const receiver = this.evaluate(callee.object as Node);
      if (receiver.request !== undefined) {
        const shape = REQUEST_SOURCE_METHODS.get(method);
        return shape ? { origins: [this.source(`${receiver.request}.${method}()`, node as Node, shape)] } : EMPTY;
      }
      const resolved = this.resolveCallee(callee);
      const path = resolved?.path ?? [method];
      const sanitised = this.sanitiserResult(path, args);
      if (sanitised) return sanitised;
      if (SAFE_RESULT_METHODS.has(method)) return EMPTY;
      if (receiver.origins.length > 0) {
        if (PROPAGATING_METHODS.has(method)) {
          const extra = method === 'concat' || method === 'replace' || method === 'replaceAll' ? args.slice(method === 'concat' ? 0 : 1).map((a) => this.evaluate(a)) : [];
          return stringified(union([receiver, ...extra]));
        }
        // Other methods on user data (`url.searchParams.get`, `body.items.slice`) keep returning user data.
        return mapOrigins(receiver, (o) => ({ ...o, structured: false, exact: false }));
      }
      // `[a, b].join()`, `'x'.concat(a)`, `path.join(dir, name)`, `JSON.stringify(body)`.
      // Only a module's or global's own function: `lookup.get(key)` on a Map the file built returns the map's value.
      const ownFunction = (resolved?.module !== undefined || resolved?.global === true) && !(resolved?.path ?? []).includes('()');
      // `JSON.parse(String(req.query.filter))`: text turned back into whatever object the client wrote, operators included.
      if (method === 'parse' && path[0] === 'JSON' && resolved?.global === true) {
        return mapOrigins(argsValue(), (o) => ({ ...o, maybeObject: true, structured: true, exact: false }));
      }
      if (method === 'join' || method === 'concat' || (ownFunction && PROPAGATING_FUNCTIONS.has(method))) {
        return union([receiver, argsValue()]);
      }
      if (PROPAGATING_FUNCTIONS.has(method) && args.length > 0 && ['path', 'JSON', 'util', 'Object', 'Buffer', 'Array', 'url', 'querystring', 'qs', '_', 'lodash', 'format'].includes(path[0] ?? '')) {
        return argsValue();
      }
      return EMPTY;
    }
    if (callee.type === 'Identifier') {
      const resolved = this.resolveCallee(callee);
      const path = resolved?.path ?? [callee.name];
      const sanitised = this.sanitiserResult(resolved?.module !== undefined && path.length === 0 ? [callee.name] : path, args);
      if (sanitised) return sanitised;
      const local = this.localFunction(callee);
      if (local) return this.callLocal(local, node, callee.name);
      if (resolved?.module === undefined && !resolved?.global) return EMPTY;
      if (PROPAGATING_FUNCTIONS.has(callee.name) || PROPAGATING_FUNCTIONS.has(lastName(path))) return callee.name === 'String' ? stringified(argsValue()) : argsValue();
      return EMPTY;
    }
    if (isFunctionNode(callee)) return this.callLocal(callee, node, 'an inline function');
    return EMPTY;
  }

  private sanitiserResult(path: readonly string[], args: readonly Node[]): Value | undefined {
    const name = lastName(path);
    if (NEUTRALISING_FUNCTIONS.has(name) || (path[0] === 'Math' && path.length === 2) || /^is[A-Z]/.test(name) && path[0] === 'validator') return EMPTY;
    const classes = SANITISERS.get(name);
    if (!classes) return undefined;
    // `mysql.escape`/`connection.escape` quote for SQL; a bare or HTML library `escape` is HTML escaping.
    return clearedFor(union(args.slice(0, 1).map((a) => this.evaluate(a))), classes);
  }

  private newValue(node: ESTree.NewExpression): Value {
    const callee = unwrap(node.callee as Node);
    const name = callee.type === 'Identifier' ? callee.name : callee.type === 'MemberExpression' ? memberName(callee) : undefined;
    if (name === 'URL' || name === 'URLSearchParams' || name === 'String') {
      return stringified(union(node.arguments.map((a) => this.evaluate((a.type === 'SpreadElement' ? a.argument : a) as Node))));
    }
    return EMPTY;
  }

  /** The value a call to a function of this file returns, with its parameters replaced by the call's arguments. */
  callLocal(fn: FunctionNode, call: ESTree.CallExpression, name: string): Value {
    const summary = this.summary(fn);
    if (summary.origins.length === 0) return summary;
    const parts: Value[] = [];
    for (const origin of summary.origins) {
      if (origin.param?.fn !== fn) {
        parts.push({ origins: [origin] });
        continue;
      }
      const argument = call.arguments[origin.param.index];
      if (!argument || argument.type === 'SpreadElement') continue;
      parts.push(
        mapOrigins(this.evaluate(argument as Node), (o) => ({
          ...o,
          cleared: origin.cleared.size === 0 ? o.cleared : new Set([...o.cleared, ...origin.cleared]),
          maybeObject: o.maybeObject && origin.maybeObject,
          structured: o.structured && origin.structured,
          via: [...o.via, displayText(name, 30)],
          exact: false,
        })),
      );
    }
    return union(parts);
  }

  private summary(fn: FunctionNode): Value {
    const cached = this.summaries.get(fn);
    if (cached) return cached;
    if (this.inProgress.has(fn)) return EMPTY;
    this.inProgress.add(fn);
    let value: Value;
    try {
      value = union((this.returnsOf.get(fn) ?? []).map((r) => this.evaluate(r)));
    } finally {
      this.inProgress.delete(fn);
    }
    this.summaries.set(fn, value);
    return value;
  }

  // -------------------------------------------------------------------------------------------------------
  // Variables: the writes that can reach a use

  /** The assignments to a variable, latest first; computed once per variable (globals can have thousands of reads). */
  writesOf(variable: Scope.Variable): Scope.Reference[] {
    let writes = this.writesByVariable.get(variable);
    if (!writes) {
      writes = variable.references.filter((r) => r.isWrite()).sort((a, b) => (b.identifier.range?.[0] ?? 0) - (a.identifier.range?.[0] ?? 0));
      this.writesByVariable.set(variable, writes);
    }
    return writes;
  }

  private identifierValue(node: ESTree.Identifier): Value {
    const variable = this.variableOf(node as Node);
    if (!variable || variable.defs.length === 0) return EMPTY;
    const use = node as Node;
    const useFunction = enclosingFunction(use);
    const useStart = use.range?.[0] ?? 0;
    const parts: Value[] = [];
    let killed = false;
    let scanned = 0;
    for (const write of this.writesOf(variable)) {
      if (++scanned > 200) break;
      const writeNode = write.identifier as Node;
      if (enclosingFunction(writeNode) !== useFunction) {
        parts.push(this.writeValue(write));
        continue;
      }
      // `sql = sql + more` reads the old value on its right: the write lands after its own right-hand side.
      if (writeNode === use || contains(writeHolder(writeNode), use) || (writeNode.range?.[0] ?? 0) >= useStart) {
        if (writeNode !== use && sharesLoop(writeNode, use, useFunction)) parts.push(this.writeValue(write));
        continue;
      }
      parts.push(this.writeValue(write));
      // `const { sort = 'name' } = ctx.query`: the default applies only when the property is missing, so it is one
      // possible value beside the destructured one, never the last word.
      if (isDefaultValueWrite(write)) continue;
      if (isUnconditionalBefore(writeNode, use, useFunction)) {
        killed = true;
        break;
      }
    }
    if (!killed) {
      const parameter = variable.defs.find((d) => d.type === 'Parameter');
      if (parameter) parts.push(this.parameterValue(parameter, variable));
    }
    return union(parts);
  }

  private writeValue(write: Scope.Reference): Value {
    const cached = this.writeMemo.get(write);
    if (cached) return cached;
    if (this.inProgress.has(write)) return EMPTY;
    this.inProgress.add(write);
    let value: Value;
    try {
      value = this.computeWrite(write);
    } finally {
      this.inProgress.delete(write);
    }
    this.writeMemo.set(write, value);
    return value;
  }

  private computeWrite(write: Scope.Reference): Value {
    const identifier = write.identifier as Node;
    const expression = write.writeExpr as Node | null | undefined;
    if (!expression) return EMPTY;
    let root = identifier;
    while (root.parent && isPatternPart(root.parent, root)) root = root.parent;
    const holder = root.parent;
    let base: Value;
    if (holder?.type === 'AssignmentExpression' && holder.operator !== '=') {
      if (holder.operator !== '+=' && holder.operator !== '||=' && holder.operator !== '??=') return EMPTY;
      base = this.evaluate(holder as Node);
    } else {
      base = this.evaluate(expression);
    }
    // `for (const x of items)`: each element; `for (const k in obj)`: keys, which are not the dangerous part.
    const loop = holder?.type === 'VariableDeclarator' ? holder.parent?.parent : holder;
    if (loop?.type === 'ForInStatement') return EMPTY;
    if (loop?.type === 'ForOfStatement') base = this.member(base, '*', identifier);
    const path = patternPath(identifier, root) ?? [];
    for (const key of path) base = this.member(base, key, identifier);
    return base;
  }

  private parameterValue(definition: Scope.Definition, variable: Scope.Variable): Value {
    const fn = definition.node as FunctionNode;
    const identifier = definition.name as Node;
    const index = fn.params.findIndex((p) => contains(p as Node, identifier));
    if (index < 0) return EMPTY;
    const top = fn.params[index] as Node;
    const path = patternPath(identifier, parameterPatternRoot(top)) ?? [];

    const decorated = this.decoratorSource(top, identifier);
    if (decorated) return path.reduce((v, key) => this.member(v, key, identifier), decorated);
    if (isRequestParameter(fn, index, top)) {
      const rootName = parameterPatternRoot(top).type === 'Identifier' ? (parameterPatternRoot(top) as ESTree.Identifier).name : 'params';
      const requestValue: Value = { origins: [], request: rootName };
      if (path.length === 0) return requestValue;
      // `{ params }` of a Next.js route: the property is the source, named as written.
      const [first, ...rest] = path;
      const shape = REQUEST_SOURCE_PROPERTIES.get(first ?? '');
      if (!shape) return EMPTY;
      return rest.reduce((v, key) => this.member(v, key, identifier), { origins: [this.source(first ?? '', identifier, shape)] } as Value);
    }
    const element = this.callbackElement(fn, index) ?? this.httpResponse(fn, index);
    if (element) return path.reduce((v, key) => this.member(v, key, identifier), element);
    void variable;
    const name = identifier.type === 'Identifier' ? identifier.name : 'a parameter';
    return {
      origins: [
        {
          text: displayText(name, 30),
          line: identifier.loc?.start.line ?? 0,
          param: { fn, index },
          cleared: new Set(),
          maybeObject: true,
          structured: path.length === 0,
          via: [],
          exact: false,
        },
      ],
    };
  }

  /** `items.forEach((item) => ...)`, `promise.then((body) => ...)`: the callback's first parameter is an element. */
  private callbackElement(fn: FunctionNode, index: number): Value | undefined {
    const parent = (fn as Node).parent;
    if (index !== 0 || parent?.type !== 'CallExpression' || !parent.arguments.includes(fn as ESTree.Expression)) return undefined;
    const callee = unwrap(parent.callee as Node);
    if (callee.type !== 'MemberExpression' || !ELEMENT_CALLBACK_METHODS.has(memberName(callee) ?? '')) return undefined;
    if (memberName(callee) === 'reduce') return undefined;
    return this.member(this.evaluate(callee.object as Node), '*', fn as Node);
  }

  /** `needle.get(url, (err, response, body) => ...)`, `request(url, (error, res, body) => ...)`: what a server at a
   * URL the client chose sends back is the client's to choose too (a URL with a fixed host is not theirs). */
  private httpResponse(fn: FunctionNode, index: number): Value | undefined {
    const parent = (fn as Node).parent;
    if (index === 0 || parent?.type !== 'CallExpression' || !parent.arguments.includes(fn as ESTree.Expression)) return undefined;
    const resolved = this.resolveCallee(parent.callee as Node);
    if (resolved?.module === undefined || !HTTP_CLIENT_MODULES.has(resolved.module)) return undefined;
    const requestParts = parent.arguments.filter((a) => a !== (fn as ESTree.Node) && a.type !== 'SpreadElement' && !isFunctionNode(a as Node)) as Node[];
    if (requestParts.some((part) => FIXED_HOST.test(this.leadingText(part)))) return undefined;
    const target = union(requestParts.map((part) => this.evaluate(part)));
    if (target.origins.length === 0) return undefined;
    const client = displayText([resolved.module, ...resolved.path].join('.'), 30);
    return mapOrigins(target, (o) => ({ ...o, text: displayText(`the response of ${client}() to ${o.text}`), cleared: new Set(), maybeObject: true, structured: false, exact: false }));
  }

  /** The constant text a URL expression starts with, through one variable: `'https://api.x.com/' + q` → that prefix. */
  private leadingText(node: Node, depth = 0): string {
    const inner = unwrap(node);
    if (inner.type === 'Literal') return typeof inner.value === 'string' ? inner.value : '';
    if (inner.type === 'TemplateLiteral') return inner.quasis[0]?.value.cooked ?? '';
    if (inner.type === 'BinaryExpression' && inner.operator === '+') return this.leadingText(inner.left as Node, depth);
    if (inner.type === 'Identifier' && depth < 2) {
      const writes = this.writesTo(inner);
      return writes.length === 1 && writes[0]?.writeExpr ? this.leadingText(writes[0].writeExpr as Node, depth + 1) : '';
    }
    return '';
  }

  private decoratorSource(top: Node, identifier: Node): Value | undefined {
    const decorated = top.type === ('TSParameterProperty' as string) ? (field(top, 'parameter') as Node) : top;
    const decorators = field(decorated, 'decorators') ?? field(top, 'decorators');
    if (!Array.isArray(decorators)) return undefined;
    for (const decorator of decorators) {
      const expression = field(decorator, 'expression');
      if (!isNode(expression) || expression.type !== 'CallExpression' || expression.callee.type !== 'Identifier') continue;
      const name = expression.callee.name;
      if (NEST_REQUEST_DECORATORS.has(name)) return { origins: [], request: identifier.type === 'Identifier' ? identifier.name : 'req' };
      const shape = NEST_SOURCE_DECORATORS.get(name);
      if (!shape) continue;
      const argument = expression.arguments[0];
      const key = argument?.type === 'Literal' && typeof argument.value === 'string' ? argument.value : undefined;
      const text = `@${name}(${key === undefined ? '' : `'${key}'`})`;
      return { origins: [this.source(text, identifier, key === undefined ? shape : { maybeObject: shape.maybeObject, structured: false })] };
    }
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------

function normaliseModule(name: string): string {
  return name.startsWith('node:') ? name.slice(5) : name;
}

function requiredModule(node: ESTree.CallExpression): string | undefined {
  if (node.callee.type !== 'Identifier' || node.callee.name !== 'require') return undefined;
  const first = node.arguments[0];
  return first?.type === 'Literal' && typeof first.value === 'string' ? normaliseModule(first.value) : undefined;
}

function isExported(fn: Node): boolean {
  const parent = fn.parent;
  if (!parent) return false;
  if (parent.type === 'ExportNamedDeclaration' || parent.type === 'ExportDefaultDeclaration') return true;
  if (parent.type === 'VariableDeclarator') return parent.parent?.parent?.type === 'ExportNamedDeclaration';
  return false;
}

function isPatternPart(parent: Node, child: Node): boolean {
  switch (parent.type) {
    case 'Property':
      return parent.value === child && parent.parent?.type === 'ObjectPattern';
    case 'ObjectPattern':
    case 'ArrayPattern':
    case 'RestElement':
      return true;
    case 'AssignmentPattern':
      return parent.left === child;
    default:
      return false;
  }
}

/** The keys from a destructuring pattern's root down to one bound name: `{ body: { name } }` → ['body', 'name']. */
export function patternPath(identifier: Node, root: Node): string[] | undefined {
  const path: string[] = [];
  let node = identifier;
  while (node !== root) {
    const parent = node.parent;
    if (!parent) return undefined;
    if (parent.type === 'Property' && parent.value === node) path.unshift(propertyKeyName(parent) ?? '*');
    else if (parent.type === 'ArrayPattern') path.unshift('*');
    node = parent;
  }
  return path;
}

function parameterPatternRoot(top: Node): Node {
  let node = top;
  if (node.type === ('TSParameterProperty' as string)) node = field(node, 'parameter') as Node;
  if (node.type === 'AssignmentPattern') node = node.left as Node;
  return node;
}

function typeName(param: Node): string | undefined {
  const typeNode = field(field(param, 'typeAnnotation'), 'typeAnnotation');
  if (!isNode(typeNode) || typeNode.type !== ('TSTypeReference' as string)) return undefined;
  const name = field(typeNode, 'typeName');
  if (isNode(name) && name.type === 'Identifier') return name.name;
  if (isNode(name) && name.type === ('TSQualifiedName' as string)) return `${String(field(field(name, 'left'), 'name'))}.${String(field(field(name, 'right'), 'name'))}`;
  return undefined;
}

/** A parameter that holds the incoming request: by name (`req`, `request`, Koa's `ctx`), by type (`Request`,
 * `FastifyRequest`, `NextRequest`, Koa `Context`), as the first argument of a route callback, or the two
 * arguments of an exported Next.js route handler (`GET(request, { params })`). */
function isRequestParameter(fn: FunctionNode, index: number, top: Node): boolean {
  const root = parameterPatternRoot(top);
  if (root.type === 'Identifier') {
    if (REQUEST_PARAMETER_NAMES.has(root.name)) return true;
    const type = typeName(root);
    if (type !== undefined && REQUEST_TYPE.test(type)) return true;
  }
  const fnNode = fn as Node;
  const exportedName = fn.type === 'FunctionDeclaration' ? fn.id?.name : fnNode.parent?.type === 'VariableDeclarator' && fnNode.parent.id.type === 'Identifier' ? fnNode.parent.id.name : undefined;
  if (exportedName !== undefined && NEXT_ROUTE_EXPORTS.has(exportedName) && isExported(fnNode) && index <= 1) return true;
  const parent = fnNode.parent;
  if (index === 0 && fn.params.length >= 2 && parent?.type === 'CallExpression' && parent.arguments.includes(fn as ESTree.Expression)) {
    const callee = unwrap(parent.callee as Node);
    if (callee.type === 'MemberExpression' && ROUTE_METHODS.has(memberName(callee) ?? '')) {
      const first = parent.arguments[0];
      return memberName(callee) === 'use' || (first !== undefined && (first.type === 'Literal' || first.type === 'TemplateLiteral'));
    }
  }
  return false;
}

/** The assignment or declarator a written identifier belongs to (through destructuring patterns). */
function writeHolder(identifier: Node): Node {
  let root = identifier;
  while (root.parent && isPatternPart(root.parent, root)) root = root.parent;
  const holder = root.parent;
  return holder && (holder.type === 'AssignmentExpression' || holder.type === 'VariableDeclarator') ? holder : identifier;
}

function isDefaultValueWrite(write: Scope.Reference): boolean {
  const expression = write.writeExpr as Node | null | undefined;
  const parent = expression?.parent;
  return parent?.type === 'AssignmentPattern' && parent.right === expression;
}

const CONDITIONAL_CHILDREN: Readonly<Record<string, readonly string[]>> = {
  IfStatement: ['consequent', 'alternate'],
  ConditionalExpression: ['consequent', 'alternate'],
  LogicalExpression: ['right'],
  ForStatement: ['body', 'update', 'test'],
  ForInStatement: ['body'],
  ForOfStatement: ['body'],
  WhileStatement: ['body', 'test'],
  DoWhileStatement: ['body'],
  SwitchStatement: ['cases'],
  TryStatement: ['block', 'handler', 'finalizer'],
  AssignmentPattern: ['right'],
};

/** True when the write runs on every path that reaches the use, judged by the branches around the write. */
function isUnconditionalBefore(write: Node, use: Node, fn: FunctionNode | undefined): boolean {
  let child = write;
  for (let parent = write.parent; parent && parent !== (fn as Node | undefined); child = parent, parent = parent.parent) {
    const fields = CONDITIONAL_CHILDREN[parent.type];
    if (!fields) continue;
    const isConditionalPart = fields.some((name) => {
      const value = field(parent, name);
      return value === child || (Array.isArray(value) && value.includes(child));
    });
    if (isConditionalPart && !contains(child, use)) return false;
  }
  return true;
}

const LOOPS = new Set(['ForStatement', 'ForInStatement', 'ForOfStatement', 'WhileStatement', 'DoWhileStatement']);

function sharesLoop(write: Node, use: Node, fn: FunctionNode | undefined): boolean {
  for (let node = write.parent; node && node !== (fn as Node | undefined); node = node.parent) {
    if (LOOPS.has(node.type) && contains(node, use)) return true;
  }
  return false;
}

export { ALL_CLASSES };
