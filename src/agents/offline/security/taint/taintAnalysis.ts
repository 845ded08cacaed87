// One pass over a file: find the sinks, ask the taint engine where each dangerous value comes from, follow values
// that come from a parameter of a function of this file to its call sites, and word one finding per sink.
import type { SourceCode } from 'eslint';
import type * as ESTree from 'estree';
import { contains, displayText, enclosingFunction, field, isNode, memberName, unwrap, type FunctionNode, type Node } from './ast';
import { SinkFinder, type SinkHit } from './sinks';
import { CLASS_TITLES, type TaintClass } from './taintClasses';
import { isCleared, TaintEngine, type Origin } from './taintEngine';

export interface TaintFinding {
  taintClass: TaintClass;
  node: Node;
  message: string;
  /** js-yaml `load`: a finding only where js-yaml is older than 4 (or its version is unknown). */
  yamlVersionDependent?: boolean;
}

/** A sink whose dangerous value depends on a parameter: decided at the function's call sites. */
interface PendingFlow {
  hit: SinkHit;
  fn: FunctionNode;
  index: number;
  origin: Origin;
  depth: number;
}

const MAX_CALL_DEPTH = 4;
/** Call shapes that check a value before use: allow-lists, prefix checks, validators. */
const GUARD_METHODS = /^(startsWith|endsWith|includes|has|test|match|indexOf|isAbsolute|is[A-Z]\w*|validate\w*|check\w*)$/;
const GUARDED_CLASSES = new Set<TaintClass>(['path-traversal', 'open-redirect', 'ssrf', 'command-injection', 'sql-injection', 'code-injection']);
/** A URL that starts with a fixed host (`https://api.example.com/`) or a same-site path (`/users/`) cannot be aimed elsewhere. */
const FIXED_TARGET_PREFIX = /^(https?:\/\/[^/?#\\]+[/?#]|\/(?![/\\]))/i;

const cache = new WeakMap<SourceCode, TaintFinding[]>();

/** The taint findings of a file, computed once however many class rules ask. */
export function taintFindings(sourceCode: SourceCode): TaintFinding[] {
  let findings = cache.get(sourceCode);
  if (!findings) {
    findings = new TaintAnalysis(sourceCode).run();
    cache.set(sourceCode, findings);
  }
  return findings;
}

class TaintAnalysis {
  private readonly engine: TaintEngine;
  private readonly sinks: SinkFinder;
  private readonly hits: SinkHit[] = [];
  /** If statements by enclosing function (undefined: module level), so a guard lookup stays within one function. */
  private readonly ifStatements = new Map<FunctionNode | undefined, ESTree.IfStatement[]>();
  private readonly findings = new Map<string, TaintFinding>();
  /** Sinks fed by a parameter of a function whose callers are outside this file, by sink node. */
  private readonly unknownCallers = new Map<Node, { hit: SinkHit; origin: Origin }>();

  constructor(private readonly sourceCode: SourceCode) {
    this.engine = new TaintEngine(sourceCode);
    this.sinks = new SinkFinder(this.engine);
  }

  run(): TaintFinding[] {
    this.walk(this.sourceCode.ast as unknown as Node);
    const pending: PendingFlow[] = [];
    for (const hit of this.hits) {
      const value = this.engine.evaluate(hit.argument);
      let reported = false;
      for (const origin of value.origins) {
        if (!this.dangerous(hit, origin)) continue;
        if (origin.param) pending.push({ hit, fn: origin.param.fn, index: origin.param.index, origin, depth: 0 });
        else if (!reported) {
          this.report(hit, origin, value.origins.filter((o) => !o.param && this.dangerous(hit, o)).length - 1);
          reported = true;
        }
      }
      if (!reported && hit.evenUnknown) this.reportUnknown(hit);
    }
    this.followCalls(pending);
    for (const { hit, origin } of this.unknownCallers.values()) {
      if (!this.findings.has(key(hit))) this.reportUnknownCaller(hit, origin);
    }
    return [...this.findings.values()];
  }

  private walk(root: Node): void {
    const keys = this.sourceCode.visitorKeys as Record<string, readonly string[] | undefined>;
    const stack: Node[] = [root];
    while (stack.length > 0) {
      const node = stack.pop() as Node;
      this.visit(node);
      for (const name of keys[node.type] ?? []) {
        const child = field(node, name);
        if (Array.isArray(child)) {
          for (let i = child.length - 1; i >= 0; i--) if (isNode(child[i])) stack.push(child[i] as Node);
        } else if (isNode(child)) {
          stack.push(child);
        }
      }
    }
  }

  private visit(node: Node): void {
    switch (node.type) {
      case 'CallExpression':
      case 'NewExpression':
        this.hits.push(...this.sinks.ofCall(node));
        break;
      case 'AssignmentExpression':
        this.hits.push(...this.sinks.ofAssignment(node));
        break;
      case 'Property':
        this.hits.push(...this.sinks.ofProperty(node));
        break;
      case 'ReturnStatement': {
        const fn = enclosingFunction(node);
        if (fn && node.argument) {
          this.engine.noteReturn(fn, node.argument as Node);
          this.hits.push(...this.sinks.ofReturn(node, node.argument as Node));
        }
        break;
      }
      case 'ArrowFunctionExpression':
        if (node.expression) this.engine.noteReturn(node, node.body as Node);
        break;
      case 'IfStatement': {
        const fn = enclosingFunction(node);
        const list = this.ifStatements.get(fn);
        if (list) list.push(node);
        else this.ifStatements.set(fn, [node]);
        break;
      }
      default:
        if (node.type === ('JSXAttribute' as string)) this.hits.push(...this.sinks.ofJsxAttribute(node));
    }
  }

  /** Whether an origin of a sink's value makes it a problem of the sink's class. */
  private dangerous(hit: SinkHit, origin: Origin): boolean {
    if (isCleared(origin, hit.taintClass)) return false;
    switch (hit.mode) {
      // Operator injection needs an object (`{ "$ne": null }`): only parsed bodies and query strings can be one.
      case 'operator-object':
        return origin.maybeObject;
      // A whole request object is not query text (and `execute(req.body)` is a use case, not SQL).
      case 'sql':
        return !origin.structured || origin.param !== undefined ? !this.isGuarded(hit) : false;
      // Express sends an object as JSON, not HTML.
      case 'html-text':
        return !origin.structured || origin.param !== undefined;
      case 'url':
        return !this.hasFixedTarget(hit.argument) && !this.isGuarded(hit);
      default:
        return !GUARDED_CLASSES.has(hit.taintClass) || !this.isGuarded(hit);
    }
  }

  private hasFixedTarget(argument: Node, depth = 0): boolean {
    const inner = unwrap(argument);
    if (depth > 3) return false;
    if (inner.type === 'TemplateLiteral') {
      const head = inner.quasis[0]?.value.cooked ?? '';
      if (FIXED_TARGET_PREFIX.test(head)) return true;
      // `${API_ORIGIN}/search?q=${q}`: a constant origin, then a path or query the input cannot leave.
      const lead = inner.expressions[0];
      const next = inner.quasis[1]?.value.cooked ?? '';
      return head === '' && lead !== undefined && /^[/?#]/.test(next) && this.isConstantOrigin(lead as Node);
    }
    // `new URL('https://api.example.com/search')`, whose search params the code then sets: the host stays fixed.
    if (inner.type === 'NewExpression' && unwrap(inner.callee as Node).type === 'Identifier' && (unwrap(inner.callee as Node) as ESTree.Identifier).name === 'URL') {
      const [target, base] = inner.arguments as Node[];
      if (target === undefined) return false;
      if (base === undefined) return this.hasFixedTarget(target, depth + 1) || this.isConstantOrigin(target);
      // `new URL(path, 'https://api.example.com')` keeps the base's host only for a relative path: the path must be fixed too.
      return (this.hasFixedTarget(base, depth + 1) || this.isConstantOrigin(base)) && FIXED_TARGET_PREFIX.test(this.sinks.constantText(target));
    }
    if (inner.type === 'BinaryExpression' && inner.operator === '+') {
      let left: Node = inner.left as Node;
      while (unwrap(left).type === 'BinaryExpression' && (unwrap(left) as ESTree.BinaryExpression).operator === '+') left = (unwrap(left) as ESTree.BinaryExpression).left as Node;
      const leftmost = unwrap(left);
      if (leftmost.type === 'Literal' && typeof leftmost.value === 'string') return FIXED_TARGET_PREFIX.test(leftmost.value);
      if (leftmost.type === 'TemplateLiteral') return FIXED_TARGET_PREFIX.test(leftmost.quasis[0]?.value.cooked ?? '');
      return leftmost.type === 'Identifier' && this.hasFixedTarget(leftmost, depth + 1);
    }
    if (inner.type === 'Identifier') {
      const writes = this.engine.writesTo(inner).slice(0, 8);
      return writes.length > 0 && writes.every((w) => this.hasFixedTarget(w.writeExpr as Node, depth + 1));
    }
    return false;
  }

  /** A string constant (a literal, or a `const` holding one) that is an absolute http(s) URL: `https://api.example.com`. */
  private isConstantOrigin(node: Node): boolean {
    const inner = unwrap(node);
    if (inner.type === 'Literal') return typeof inner.value === 'string' && /^https?:\/\/[^/?#\\\s]+/i.test(inner.value);
    if (inner.type !== 'Identifier') return false;
    const variable = this.engine.variableOf(inner);
    const definition = variable?.defs.length === 1 ? variable.defs[0] : undefined;
    if (definition?.type !== 'Variable' || (definition.parent as ESTree.VariableDeclaration).kind !== 'const') return false;
    const init = (definition.node as ESTree.VariableDeclarator).init;
    return init !== null && init !== undefined && unwrap(init as Node).type === 'Literal' && this.isConstantOrigin(init as Node);
  }

  /** A check on the value before the sink (`if (!allowed.includes(url)) return`, `if (!p.startsWith(root)) throw`)
   * in the same function: either the sink sits in the checked branch, or the branch leaves the function. */
  private isGuarded(hit: SinkHit): boolean {
    const names = this.namesIn(hit.argument);
    if (names.size === 0) return false;
    const fn = enclosingFunction(hit.at);
    const start = hit.at.range?.[0] ?? 0;
    for (const statement of this.ifStatements.get(fn) ?? []) {
      const statementNode = statement as Node;
      if ((statementNode.range?.[0] ?? 0) > start) continue;
      if (!this.testChecks(statement.test as Node, names)) continue;
      if (contains(statement.consequent as Node, hit.at) || leaves(statement.consequent as Node)) return true;
    }
    return false;
  }

  /** Variables a sink argument is made of, one assignment deep (`const full = path.join(root, name)`). */
  private namesIn(argument: Node): Set<string> {
    const names = new Set<string>();
    const collect = (node: Node, depth: number): void => {
      const inner = unwrap(node);
      if (inner.type === 'Identifier') {
        names.add(inner.name);
        if (depth > 0) return;
        for (const write of this.engine.writesTo(inner).slice(0, 8)) collect(write.writeExpr as Node, depth + 1);
        return;
      }
      if (inner.type === 'MemberExpression') {
        names.add(this.sourceCode.getText(inner as ESTree.Node));
        collect(inner.object as Node, depth);
        return;
      }
      // `target.toString()`, `url.href`: the receiver of a method is the checked value too (`new URL(...)` checked by
      // its `hostname`); a plain function's name is not.
      if (inner.type === 'CallExpression' && unwrap(inner.callee as Node).type === 'MemberExpression') collect((unwrap(inner.callee as Node) as ESTree.MemberExpression).object as Node, depth);
      for (const child of ['left', 'right', 'expressions', 'arguments', 'argument', 'callee', 'object'] as const) {
        const value = field(inner, child);
        if (Array.isArray(value)) value.forEach((v) => isNode(v) && collect(v, depth));
        else if (isNode(value) && !(child === 'callee' && inner.type === 'CallExpression')) collect(value, depth);
      }
    };
    collect(argument, 0);
    return names;
  }

  private testChecks(test: Node, names: ReadonlySet<string>): boolean {
    const inner = unwrap(test);
    if (inner.type === 'UnaryExpression') return this.testChecks(inner.argument as Node, names);
    if (inner.type === 'LogicalExpression') return this.testChecks(inner.left as Node, names) || this.testChecks(inner.right as Node, names);
    if (inner.type === 'BinaryExpression' && ['===', '!==', '==', '!='].includes(inner.operator)) {
      const sides = [unwrap(inner.left as Node), unwrap(inner.right as Node)];
      const mentions = (n: Node): boolean => this.mentions(n, names);
      // `x.indexOf('..') !== -1`, `url === '/home'`
      return sides.some((s) => (s.type === 'CallExpression' && this.testChecks(s as Node, names)) || (mentions(s) && sides.some((o) => o.type === 'Literal')));
    }
    if (inner.type === 'CallExpression') {
      const callee = unwrap(inner.callee as Node);
      const method = callee.type === 'MemberExpression' ? memberName(callee) : callee.type === 'Identifier' ? callee.name : undefined;
      if (method === undefined) return false;
      // `if (!safeTarget(next)) return`: a function of this file whose every return is a boolean test checks its argument.
      const local = callee.type === 'Identifier' ? this.engine.localFunction(callee) : undefined;
      if (!GUARD_METHODS.test(method) && !(local && this.returnsBooleanTest(local))) return false;
      return inner.arguments.some((a) => this.mentions(a as Node, names)) || (callee.type === 'MemberExpression' && this.mentions(callee.object as Node, names));
    }
    return false;
  }

  /** Every return of the function is a test (a comparison, a negation, a guard-shaped call, a boolean): a predicate. */
  private returnsBooleanTest(fn: FunctionNode): boolean {
    const returns = this.engine.returnsOf.get(fn) ?? [];
    const isTest = (node: Node, depth: number): boolean => {
      const inner = unwrap(node);
      if (depth > 4) return false;
      if (inner.type === 'Literal') return typeof inner.value === 'boolean';
      if (inner.type === 'UnaryExpression') return inner.operator === '!';
      if (inner.type === 'BinaryExpression') return ['===', '!==', '==', '!=', '<', '>', '<=', '>=', 'instanceof', 'in'].includes(inner.operator);
      if (inner.type === 'LogicalExpression') return isTest(inner.left as Node, depth + 1) && isTest(inner.right as Node, depth + 1);
      if (inner.type === 'CallExpression') {
        const callee = unwrap(inner.callee as Node);
        const name = callee.type === 'MemberExpression' ? memberName(callee) : callee.type === 'Identifier' ? callee.name : undefined;
        return name !== undefined && GUARD_METHODS.test(name);
      }
      return false;
    };
    return returns.length > 0 && returns.every((r) => isTest(r, 0));
  }

  private mentions(node: Node, names: ReadonlySet<string>): boolean {
    const inner = unwrap(node);
    if (inner.type === 'Identifier') return names.has(inner.name);
    if (inner.type === 'MemberExpression') return names.has(this.sourceCode.getText(inner as ESTree.Node)) || this.mentions(inner.object as Node, names);
    if (inner.type === 'CallExpression' && inner.callee.type === 'MemberExpression') return this.mentions(inner.callee.object as Node, names);
    return false;
  }

  private followCalls(initial: PendingFlow[]): void {
    const queue = [...initial];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const flow = queue.shift() as PendingFlow;
      const id = `${key(flow.hit)}|${flow.fn.range?.[0] ?? 0}|${flow.index}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const { calls, escapes } = this.engine.callSitesOf(flow.fn);
      if ((escapes || calls.length === 0) && reportedWithUnknownCallers(flow.hit) && !this.unknownCallers.has(flow.hit.at)) {
        this.unknownCallers.set(flow.hit.at, { hit: flow.hit, origin: flow.origin });
      }
      for (const call of calls) {
        const argument = call.arguments[flow.index];
        if (!argument || argument.type === 'SpreadElement') continue;
        const name = displayText(call.callee.type === 'Identifier' ? call.callee.name : 'a helper', 30);
        for (const origin of this.engine.evaluate(argument as Node).origins) {
          const combined: Origin = {
            ...origin,
            cleared: new Set([...origin.cleared, ...flow.origin.cleared]),
            maybeObject: origin.maybeObject && flow.origin.maybeObject,
            structured: origin.structured && flow.origin.structured,
            via: [...flow.origin.via, ...origin.via, `${name}() at line ${call.loc?.start.line ?? 0}`],
          };
          if (isCleared(combined, flow.hit.taintClass) || (flow.hit.mode === 'operator-object' && !combined.maybeObject)) continue;
          if (combined.param) {
            if (flow.depth < MAX_CALL_DEPTH) queue.push({ hit: flow.hit, fn: combined.param.fn, index: combined.param.index, origin: combined, depth: flow.depth + 1 });
          } else if (!this.findings.has(key(flow.hit))) {
            this.report(flow.hit, combined, 0);
          }
        }
      }
    }
  }

  private flowText(hit: SinkHit, origin: Origin, others: number): string {
    const line = hit.at.loc?.start.line ?? 0;
    const through = origin.via.length > 0 ? ` through ${origin.via.slice(-3).map((v) => (v.includes('(') ? v : `${v}()`)).join(', ')}` : '';
    const more = others > 0 ? ` (and ${others} more input${others === 1 ? '' : 's'})` : '';
    return `${origin.text} (line ${origin.line})${more} flows${through} into ${hit.sink}${hit.sink.endsWith('body') || hit.sink.startsWith('$') || hit.sink.startsWith('dangerously') ? '' : '()'} at line ${line}`;
  }

  private report(hit: SinkHit, origin: Origin, others: number): void {
    if (this.findings.has(key(hit))) return;
    const flow = this.flowText(hit, origin, others);
    const title = CLASS_TITLES[hit.taintClass];
    let message = `${title}: ${flow}`;
    if (hit.taintClass === 'sql-injection') message = `${title}: ${lastSegment(hit.sink)}() receives SQL built from ${hit.how ?? 'input'}: ${flow}`;
    else if (hit.taintClass === 'nosql-injection' && hit.mode === 'operator-object') message = `${title}: ${flow}; a JSON body or query string can send an operator object such as {"$ne": null} instead of a string`;
    else if (hit.taintClass === 'nosql-injection') message = `${title}: ${flow}; MongoDB runs $where as JavaScript`;
    else if (hit.yamlVersionDependent) message = `${title}: ${flow}; js-yaml before version 4 builds functions and objects from !!js tags in load()`;
    else if (hit.note !== undefined) message = `${title}: ${flow}; ${hit.note}`;
    else if (hit.taintClass === 'xxe') message = `${title}: ${flow}, parsed with noent: true, which expands external entities (file and network reads)`;
    this.findings.set(key(hit), { taintClass: hit.taintClass, node: hit.at, message, ...(hit.yamlVersionDependent ? { yamlVersionDependent: true } : {}) });
  }

  private reportUnknown(hit: SinkHit): void {
    if (this.findings.has(key(hit))) return;
    const line = hit.at.loc?.start.line ?? 0;
    const message =
      hit.taintClass === 'xxe'
        ? `${CLASS_TITLES.xxe}: ${hit.sink}() at line ${line} parses XML that is not a constant with noent: true, which expands external entities (file and network reads)`
        : `${CLASS_TITLES[hit.taintClass]}: ${hit.sink}() at line ${line} marks a value that is not a constant as trusted, which turns off Angular's sanitising`;
    this.findings.set(key(hit), { taintClass: hit.taintClass, node: hit.at, message });
  }

  private reportUnknownCaller(hit: SinkHit, origin: Origin): void {
    const line = hit.at.loc?.start.line ?? 0;
    const fn = origin.param?.fn;
    const fnName = fn ? functionName(fn) : undefined;
    const parameter = `${origin.text}, a parameter of ${fnName === undefined ? 'its function' : `${displayText(fnName, 40)}()`} whose callers are outside this file`;
    const title = CLASS_TITLES[hit.taintClass];
    let message: string;
    if (hit.taintClass === 'sql-injection') message = `${title}: ${lastSegment(hit.sink)}() receives SQL built from ${hit.how ?? 'input'}: ${parameter}, is pasted into the query text at line ${line}`;
    else if (hit.taintClass === 'xss') message = `${title}: ${parameter}, is rendered as raw HTML by ${hit.sink} at line ${line}; unless every caller passes HTML the app built itself (or sanitised with DOMPurify), stored or user-supplied text in it runs as script`;
    else message = `${title}: ${parameter}, is pasted into ${hit.sink} JavaScript at line ${line}; MongoDB runs $where as JavaScript`;
    this.findings.set(key(hit), { taintClass: hit.taintClass, node: hit.at, message });
  }
}

/** The name a function is known by: its own, its variable's, or the property it is assigned to (`this.find = function`). */
function functionName(fn: FunctionNode): string | undefined {
  if ((fn.type === 'FunctionDeclaration' || fn.type === 'FunctionExpression') && fn.id) return fn.id.name;
  const parent = (fn as Node).parent;
  if (parent?.type === 'VariableDeclarator' && parent.id.type === 'Identifier') return parent.id.name;
  if (parent?.type === 'AssignmentExpression' && parent.left.type === 'MemberExpression') return memberName(parent.left as Node as ESTree.MemberExpression);
  if ((parent?.type === 'Property' || parent?.type === 'MethodDefinition') && parent.key.type === 'Identifier') return parent.key.name;
  return undefined;
}

/** Sinks worth reporting from a parameter alone, when nothing in the file shows where its callers get it: text
 * pasted into SQL or into a `$where` script (a pass-through wrapper such as `query: (text, params) =>
 * pool.query(text, params)` is not: its callers are sinks of their own), and a component prop rendered as raw HTML. */
function reportedWithUnknownCallers(hit: SinkHit): boolean {
  const argument = unwrap(hit.argument);
  const built = argument.type === 'TemplateLiteral' || argument.type === 'BinaryExpression' || hit.how === 'string concatenation' || hit.how === 'a template literal with ${} values';
  if (hit.taintClass === 'sql-injection') return built;
  if (hit.taintClass === 'nosql-injection') return hit.sink === '$where' && built;
  return hit.taintClass === 'xss' && hit.sink === 'dangerouslySetInnerHTML';
}

function key(hit: SinkHit): string {
  return `${hit.taintClass}@${hit.at.range?.[0] ?? 0}`;
}

function lastSegment(sink: string): string {
  return sink.split('.').pop() ?? sink;
}

/** A branch that ends the function or the request: `return`, `throw`, or a block whose last statement does. */
function leaves(node: Node): boolean {
  if (node.type === 'ReturnStatement' || node.type === 'ThrowStatement') return true;
  // Koa's `ctx.throw(400)` and Hapi's `Boom`-style `h.throw` end the request as a `throw` does.
  if (node.type === 'ExpressionStatement') {
    const expression = unwrap(node.expression as Node);
    return expression.type === 'CallExpression' && unwrap(expression.callee as Node).type === 'MemberExpression' && memberName(unwrap(expression.callee as Node) as ESTree.MemberExpression) === 'throw';
  }
  if (node.type === 'BlockStatement') {
    const last = node.body[node.body.length - 1] as Node | undefined;
    return last !== undefined && leaves(last);
  }
  return false;
}
