// The code side of template XSS: escaping switched off in a template engine's settings (reported), and what each
// render call fills a view's variables with (request data, a literal, something else), handed to the template pass
// as facts. Facts travel as lint messages of `render-locals`, so they come back from a scan worker like findings do.
import type { Rule, Scope } from 'eslint';
import type * as ESTree from 'estree';

export type LocalOrigin = 'request' | 'literal' | 'other';

/** One `res.render('view', { … })`: the view's name and where each of its variables (dotted paths) comes from. */
export interface RenderCall {
  view: string;
  line: number;
  /** `undefined` locals: the object is built elsewhere (a spread, a parameter), so nothing is known. */
  locals: { path: string; origin: LocalOrigin }[] | undefined;
}

/** A template engine whose output escaping the code switched off everywhere. */
export interface EscapingOff {
  engine: 'swig' | 'nunjucks' | 'handlebars' | 'mustache' | 'ejs' | 'unknown';
  line: number;
}

export type TemplateFact = { kind: 'render'; call: RenderCall } | { kind: 'escaping-off'; setting: EscapingOff };

function memberName(node: ESTree.MemberExpression): string | undefined {
  if (!node.computed && node.property.type === 'Identifier') return node.property.name;
  if (node.property.type === 'Literal' && typeof node.property.value === 'string') return node.property.value;
  return undefined;
}

function keyName(node: ESTree.Property): string | undefined {
  if (!node.computed && node.key.type === 'Identifier') return node.key.name;
  if (node.key.type === 'Literal' && (typeof node.key.value === 'string' || typeof node.key.value === 'number')) return String(node.key.value);
  return undefined;
}

function calleeText(callee: ESTree.Node): string {
  if (callee.type === 'Identifier') return callee.name;
  if (callee.type === 'MemberExpression') {
    const name = memberName(callee) ?? '?';
    return callee.object.type === 'Identifier' || callee.object.type === 'MemberExpression' ? `${calleeText(callee.object)}.${name}` : name;
  }
  if (callee.type === 'NewExpression' || callee.type === 'CallExpression') return calleeText(callee.callee);
  return '';
}

function engineOf(text: string): EscapingOff['engine'] {
  const lower = text.toLowerCase();
  for (const engine of ['swig', 'nunjucks', 'handlebars', 'mustache', 'ejs'] as const) if (lower.includes(engine)) return engine;
  if (/\bhbs\b|exphbs|engine\b.*hbs/.test(lower)) return 'handlebars';
  return 'unknown';
}

function isFalse(node: ESTree.Node): boolean {
  return node.type === 'Literal' && (node.value === false || node.value === 'false' || node.value === 0);
}

function isTrue(node: ESTree.Node): boolean {
  return node.type === 'Literal' && node.value === true;
}

/** `function (text) { return text; }`, `(s) => s`, `String`: an escape function that escapes nothing. */
function isIdentity(node: ESTree.Node): boolean {
  if (node.type === 'Identifier') return node.name === 'String';
  if (node.type !== 'FunctionExpression' && node.type !== 'ArrowFunctionExpression') return false;
  const [param] = node.params;
  if (!param || param.type !== 'Identifier') return node.params.length === 0 && node.body.type === 'Literal';
  const body = node.body;
  if (body.type === 'Identifier') return body.name === param.name;
  if (body.type === 'BlockStatement' && body.body.length === 1) {
    const [only] = body.body;
    return only?.type === 'ReturnStatement' && !!only.argument && ((only.argument.type === 'Identifier' && only.argument.name === param.name) || (only.argument.type === 'CallExpression' && only.argument.callee.type === 'Identifier' && only.argument.callee.name === 'String'));
  }
  return false;
}

/** Where escaping is switched off, and for which engine; undefined for anything else. */
function escapingSwitchedOff(node: ESTree.Node, sourceText: (node: ESTree.Node) => string): { engine: EscapingOff['engine']; construct: string } | undefined {
  if (node.type === 'Property') {
    const name = keyName(node);
    const value = node.value as ESTree.Node;
    const setting = name === 'autoescape' || name === 'autoEscape' ? isFalse(value) : name === 'noEscape' ? isTrue(value) : name === 'escape' || name === 'escapeFunction' ? isIdentity(value) : false;
    if (!setting) return undefined;
    // The call or constructor that receives the options: `swig.setDefaults({…})`, `nunjucks.configure('views', {…})`.
    let owner: ESTree.Node | null = (node as ESTree.Property & { parent: ESTree.Node }).parent;
    for (let depth = 0; owner && depth < 4 && owner.type !== 'CallExpression' && owner.type !== 'NewExpression'; depth += 1) owner = (owner as ESTree.Node & { parent: ESTree.Node | null }).parent;
    const where = owner && (owner.type === 'CallExpression' || owner.type === 'NewExpression') ? calleeText(owner.callee) : '';
    // `{ escape: (s) => s }` outside a template engine's call is somebody's own option.
    if ((name === 'escape' || name === 'escapeFunction') && !/ejs|render|compile|mustache|handlebars/i.test(where)) return undefined;
    const construct = `${name}: ${sourceText(value).slice(0, 40)}${where ? ` in ${where}()` : ''}`;
    return { engine: engineOf(`${where} ${name === 'noEscape' ? 'handlebars' : ''}`), construct };
  }
  if (node.type === 'AssignmentExpression' && node.left.type === 'MemberExpression') {
    const target = calleeText(node.left);
    // `Mustache.escape = (text) => text`, `Handlebars.Utils.escapeExpression = …`, `ejs.escapeXML = …`
    if (/(^|\.)(escape|escapeExpression|escapeXML|escapeFunction)$/.test(target) && /mustache|handlebars|ejs|hbs/i.test(target) && isIdentity(node.right)) {
      return { engine: engineOf(target), construct: `${target} = ${sourceText(node.right).slice(0, 40)}` };
    }
    // `env.opts.autoescape = false`
    if (/(^|\.)autoescape$/i.test(target) && isFalse(node.right)) return { engine: engineOf(target), construct: `${target} = false` };
  }
  return undefined;
}

export const templateEscapingRule: Rule.RuleModule = {
  meta: {
    type: 'problem',
    docs: { description: 'Template engines must escape output by default.' },
    schema: [],
    messages: { off: 'XSS: template escaping is switched off ({{construct}}); every variable the views print is inserted as raw HTML' },
  },
  create(context) {
    const text = (node: ESTree.Node): string => context.sourceCode.getText(node).replace(/\s+/g, ' ');
    const check = (node: ESTree.Node): void => {
      const off = escapingSwitchedOff(node, text);
      if (off) context.report({ node, messageId: 'off', data: { construct: off.construct } });
    };
    return { Property: check, AssignmentExpression: check };
  },
};

// ---------------------------------------------------------------------------------------------------------
// Render calls

const REQUEST_OBJECTS = new Set(['req', 'request']);
const REQUEST_FIELDS = new Set(['query', 'params', 'body', 'headers', 'cookies', 'signedCookies', 'url', 'originalUrl', 'path', 'files', 'file', 'hostname', 'search', 'querystring', 'href']);
const RENDER_METHODS = new Set(['render', 'view', 'renderFile']);
const VIEW_NAME = /^[\w./@-]+$/;

function findVariable(scope: Scope.Scope | null, name: string): Scope.Variable | undefined {
  for (let current = scope; current; current = current.upper) {
    const variable = current.set.get(name);
    if (variable) return variable;
  }
  return undefined;
}

/** The member chain `a.b.c` as names, root first; undefined when some step is computed. */
function chain(node: ESTree.Node): string[] | undefined {
  if (node.type === 'Identifier') return [node.name];
  if (node.type === 'MemberExpression') {
    const head = chain(node.object);
    const name = memberName(node);
    return head ? [...head, name ?? '*'] : undefined;
  }
  return undefined;
}

/** `req.query.x`, `request.body`, `ctx.query`, `ctx.request.body`, `ctx.params`, `req.param('x')`, `req.get('h')`. */
function isRequestAccess(node: ESTree.Node): boolean {
  const names = node.type === 'CallExpression' ? chain(node.callee) : chain(node);
  if (!names || names.length < 2) return false;
  const [root, first, second] = names;
  if (node.type === 'CallExpression') return REQUEST_OBJECTS.has(root ?? '') && (first === 'param' || first === 'get' || first === 'header');
  if (REQUEST_OBJECTS.has(root ?? '')) return REQUEST_FIELDS.has(first ?? '');
  if (root === 'ctx') return (first !== undefined && REQUEST_FIELDS.has(first)) || ((first === 'request' || first === 'req') && (second === undefined || REQUEST_FIELDS.has(second)));
  return false;
}

/** Where an expression's value comes from, following local variables a few steps. */
function originOf(node: ESTree.Node, scope: Scope.Scope, depth = 0): LocalOrigin {
  if (depth > 4) return 'other';
  switch (node.type) {
    case 'Literal':
      return 'literal';
    case 'TemplateLiteral':
      return node.expressions.length === 0 ? 'literal' : combine(node.expressions.map((e) => originOf(e, scope, depth + 1)));
    case 'BinaryExpression':
    case 'LogicalExpression':
      return combine([originOf(node.left as ESTree.Node, scope, depth + 1), originOf(node.right, scope, depth + 1)]);
    case 'ConditionalExpression':
      return combine([originOf(node.consequent, scope, depth + 1), originOf(node.alternate, scope, depth + 1)]);
    case 'Identifier': {
      if (node.name === 'undefined') return 'literal';
      const variable = findVariable(scope, node.name);
      const definitions = variable?.defs ?? [];
      const inits = definitions.map((definition) => (definition.type === 'Variable' ? definition.node.init : null));
      // Reassignments count as definitions of the value too.
      const writes = variable?.references.filter((reference) => reference.isWrite() && reference.writeExpr).map((reference) => reference.writeExpr as ESTree.Node) ?? [];
      const sources = [...inits.filter((init): init is ESTree.Expression => !!init), ...writes];
      if (sources.length === 0) return 'other';
      return combine([...new Set(sources)].map((source) => originOf(source, scope, depth + 1)));
    }
    case 'MemberExpression':
      if (isRequestAccess(node)) return 'request';
      return originOf(node.object, scope, depth + 1) === 'request' ? 'request' : 'other';
    case 'CallExpression':
      if (isRequestAccess(node)) return 'request';
      // `String(x)`, `x.trim()`, `decodeURIComponent(x)`: a value passed through a call keeps its origin when it
      // is request data (most helpers return it changed, not escaped).
      if ([...node.arguments, ...(node.callee.type === 'MemberExpression' ? [node.callee.object] : [])].some((argument) => argument.type !== 'SpreadElement' && originOf(argument as ESTree.Node, scope, depth + 1) === 'request')) return 'request';
      return 'other';
    case 'AwaitExpression':
      return originOf(node.argument, scope, depth + 1);
    default:
      return 'other';
  }
}

function combine(origins: LocalOrigin[]): LocalOrigin {
  if (origins.includes('request')) return 'request';
  return origins.length > 0 && origins.every((origin) => origin === 'literal') ? 'literal' : 'other';
}

function flattenLocals(node: ESTree.ObjectExpression, scope: Scope.Scope, prefix: string, out: { path: string; origin: LocalOrigin }[], depth = 0): boolean {
  for (const property of node.properties) {
    if (property.type === 'SpreadElement') return false;
    const name = keyName(property);
    if (name === undefined) return false;
    const path = prefix ? `${prefix}.${name}` : name;
    const value = property.value as ESTree.Node;
    if (value.type === 'ObjectExpression' && depth < 4) {
      out.push({ path, origin: 'other' });
      if (!flattenLocals(value, scope, path, out, depth + 1)) return false;
    } else {
      // `{ q }` shorthand and `{ q: q }` alike.
      out.push({ path, origin: originOf(value, scope) });
    }
  }
  return true;
}

export const renderLocalsRule: Rule.RuleModule = {
  meta: {
    type: 'suggestion',
    docs: { description: 'Collects what render calls pass to views (facts for the template pass, never a finding).' },
    schema: [],
    messages: { fact: '{{json}}' },
  },
  create(context) {
    const emit = (node: ESTree.Node, fact: TemplateFact): void => context.report({ node, messageId: 'fact', data: { json: JSON.stringify(fact) } });
    const text = (node: ESTree.Node): string => context.sourceCode.getText(node);
    const checkEscaping = (node: ESTree.Node): void => {
      const off = escapingSwitchedOff(node, text);
      if (off) emit(node, { kind: 'escaping-off', setting: { engine: off.engine, line: node.loc?.start.line ?? 1 } });
    };
    return {
      Property: checkEscaping,
      AssignmentExpression: checkEscaping,
      CallExpression(node) {
        if (node.callee.type !== 'MemberExpression') return;
        const method = memberName(node.callee);
        if (method === undefined || !RENDER_METHODS.has(method)) return;
        const [viewArgument, localsArgument] = node.arguments;
        if (!viewArgument || viewArgument.type !== 'Literal' || typeof viewArgument.value !== 'string' || !VIEW_NAME.test(viewArgument.value)) return;
        const scope = context.sourceCode.getScope(node);
        let localsNode: ESTree.Node | undefined = localsArgument && localsArgument.type !== 'SpreadElement' ? localsArgument : undefined;
        if (localsNode?.type === 'Identifier') {
          const definitions = findVariable(scope, localsNode.name)?.defs ?? [];
          const only = definitions.length === 1 ? definitions[0] : undefined;
          localsNode = only?.type === 'Variable' && only.node.init?.type === 'ObjectExpression' ? only.node.init : localsNode;
        }
        let locals: RenderCall['locals'] = [];
        if (localsNode?.type === 'ObjectExpression') {
          if (!flattenLocals(localsNode, scope, '', locals)) locals = undefined;
        } else if (localsNode && !(localsNode.type === 'FunctionExpression' || localsNode.type === 'ArrowFunctionExpression')) {
          locals = undefined;
        }
        emit(node, { kind: 'render', call: { view: viewArgument.value, line: node.loc?.start.line ?? 1, locals } });
      },
    };
  },
};
