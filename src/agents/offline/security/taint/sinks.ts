// Sinks per class: the calls (and a few assignments and JSX attributes) where user data does harm, and which part of
// them is dangerous. Each check hands the dangerous expression to `report`, which asks the engine where it comes from.
import type * as ESTree from 'estree';
import { calleeText, enclosingFunction, field, literalTruthiness, memberName, objectProperty, propertyKeyName, unwrap, type FunctionNode, type Node } from './ast';
import type { TaintClass } from './taintClasses';
import type { ResolvedCallee, TaintEngine } from './taintEngine';

export interface SinkHit {
  taintClass: TaintClass;
  /** The dangerous expression, whose origins decide the finding. */
  argument: Node;
  /** The node the finding is reported at. */
  at: Node;
  /** The sink as a reader names it: `res.redirect`, `db.query`. */
  sink: string;
  /** Extra condition on the argument's value, per class (see taintAnalysis). */
  mode?: 'sql' | 'operator-object' | 'html-text' | 'url' | 'any';
  /** For SQL: how the query text is built, for the message. */
  how?: string;
  /** Reported even when the argument's origin is unknown (not a constant), e.g. XML parsed with entities on. */
  evenUnknown?: boolean;
  /** For js-yaml `load`: unsafe only before js-yaml 4 unless a full schema is asked for. */
  yamlVersionDependent?: boolean;
  /** Why the sink is dangerous, when the class name does not say it. */
  note?: string;
}

const SQL_METHODS = new Set([
  'query', 'execute', 'raw', '$queryRawUnsafe', '$executeRawUnsafe', 'whereRaw', 'orWhereRaw', 'havingRaw', 'orHavingRaw', 'orderByRaw',
  'groupByRaw', 'joinRaw', 'selectRaw', 'fromRaw', 'unsafe', 'literal',
]);
/** Driver methods that take SQL but share their name with unrelated APIs: reported when the text looks like SQL. */
const SQL_METHODS_IF_SQL_TEXT = new Set(['run', 'all', 'get', 'each', 'exec', 'prepare', 'prepareStatement', 'sql', 'select']);
/** `query` and `execute` are also the names of use cases, command buses and GraphQL clients: without SQL text in
 * the argument, the receiver must look like a database handle. */
const AMBIGUOUS_SQL_METHODS = new Set(['query', 'execute']);
const DATABASE_RECEIVER = /(db|sql|pool|conn|client|knex|sequelize|database|connection|pg|mysql|sqlite|prisma|manager|datasource|repo|repository|tx|trx|transaction|queryrunner|entitymanager)$/i;
const SQL_TEXT = /\b(select\s[\s\S]*\bfrom|insert\s+into|update\s+\S+\s+set|delete\s+from|where\s|order\s+by|drop\s+table|create\s+table)\b/i;

/** Methods that take a MongoDB filter first; with a filter that is not an object literal, only the unambiguous ones
 * count (Sequelize's `update(values)` and lodash's `remove(array)` share the short names). */
const MONGO_WHOLE_FILTER_METHODS = new Set(['find', 'findOne', 'findOneAndUpdate', 'findOneAndDelete', 'findOneAndRemove', 'findOneAndReplace', 'updateOne', 'updateMany', 'deleteOne', 'deleteMany', 'countDocuments', 'replaceOne']);
const MONGO_METHODS = new Set([
  'find', 'findOne', 'findOneAndUpdate', 'findOneAndDelete', 'findOneAndRemove', 'findOneAndReplace', 'updateOne', 'updateMany',
  'deleteOne', 'deleteMany', 'countDocuments', 'count', 'replaceOne', 'remove', 'update', 'where', 'distinct', 'exists',
]);

const CHILD_PROCESS_SHELL = new Set(['exec', 'execSync']);
const CHILD_PROCESS_FILE = new Set(['spawn', 'spawnSync', 'execFile', 'execFileSync', 'fork']);
const FS_MODULES = new Set(['fs', 'fs/promises', 'fs-extra', 'graceful-fs', 'mz/fs', 'original-fs']);
const FS_TWO_PATHS = new Set(['rename', 'renameSync', 'copyFile', 'copyFileSync', 'cp', 'cpSync', 'link', 'linkSync', 'symlink', 'symlinkSync', 'copy', 'copySync', 'move', 'moveSync']);
const FS_NOT_PATHS = new Set(['constants', 'promises', 'Stats', 'Dirent', 'close', 'closeSync', 'read', 'readSync', 'write', 'writeSync', 'fstat', 'fstatSync', 'fsync', 'ftruncate', 'futimes', 'fchmod', 'fchown']);

export const HTTP_CLIENT_MODULES: ReadonlySet<string> = new Set(['axios', 'node-fetch', 'got', 'needle', 'request', 'request-promise', 'request-promise-native', 'superagent', 'undici', 'http', 'https', 'cross-fetch', 'isomorphic-fetch', 'ky', 'phin', 'bent', 'make-fetch-happen']);
const HTTP_CLIENT_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'head', 'options', 'request', 'fetch', 'stream', 'getJSON']);
const URL_OPTION_KEYS = ['url', 'uri', 'baseURL', 'host', 'hostname', 'href', 'origin'];

const VM_METHODS = new Set(['runInNewContext', 'runInThisContext', 'runInContext', 'compileFunction', 'Script', 'SourceTextModule']);
const ANGULAR_BYPASS = /^bypassSecurityTrust(Html|Script|Style|Url|ResourceUrl)$/;
const HTML_RESPONSE_OBJECTS = /^(res|response|resp|ctx|h|reply)$/;

function args(node: ESTree.CallExpression | ESTree.NewExpression): Node[] {
  return node.arguments.map((a) => (a.type === 'SpreadElement' ? a.argument : a) as Node);
}

function isConstant(node: Node | undefined): boolean {
  if (!node) return true;
  const inner = unwrap(node);
  return inner.type === 'Literal' || (inner.type === 'TemplateLiteral' && inner.expressions.length === 0);
}

/** The module a call resolves to matches one of `modules` (by name, or a subpath such as `fs/promises`). */
function fromModule(resolved: ResolvedCallee | undefined, modules: ReadonlySet<string>): boolean {
  return resolved?.module !== undefined && modules.has(resolved.module);
}

export class SinkFinder {
  constructor(private readonly engine: TaintEngine) {}

  /** The constant text of a string expression, following `const` variables a few steps (for SQL and HTML looks). */
  constantText(node: Node | undefined, depth = 0): string {
    if (!node || depth > 4) return '';
    const inner = unwrap(node);
    if (inner.type === 'Literal') return typeof inner.value === 'string' ? inner.value : '';
    if (inner.type === 'TemplateLiteral') return inner.quasis.map((q) => q.value.cooked ?? '').join(' ');
    if (inner.type === 'BinaryExpression' && inner.operator === '+') return `${this.constantText(inner.left as Node, depth + 1)} ${this.constantText(inner.right as Node, depth + 1)}`;
    if (inner.type === 'CallExpression' && inner.callee.type === 'MemberExpression') return this.constantText(inner.callee.object as Node, depth + 1);
    if (inner.type === 'Identifier') {
      return this.engine.writesTo(inner).slice(0, 8).map((w) => this.constantText(w.writeExpr as Node, depth + 1)).join(' ');
    }
    return '';
  }

  /** How a SQL argument is built, for the message: through a variable, the expression that was assigned. */
  private sqlShape(node: Node): string {
    let inner = unwrap(node);
    if (inner.type === 'Identifier') {
      const writes = this.engine.writesTo(inner);
      const last = writes[0];
      if (last?.writeExpr) inner = unwrap(last.writeExpr as Node);
      if (writes.some((w) => (w.identifier as Node).parent?.type === 'AssignmentExpression' && ((w.identifier as Node).parent as ESTree.AssignmentExpression).operator === '+=')) return 'string concatenation';
    }
    if (inner.type === 'TemplateLiteral') return 'a template literal with ${} values';
    if (inner.type === 'BinaryExpression' || inner.type === 'AssignmentExpression') return 'string concatenation';
    return 'text taken from input';
  }

  /** Sinks of one call or `new` expression. */
  ofCall(node: ESTree.CallExpression | ESTree.NewExpression): SinkHit[] {
    const callee = unwrap(node.callee as Node);
    const resolved = this.engine.resolveCallee(callee);
    const path = resolved?.path ?? [];
    const method = callee.type === 'MemberExpression' ? memberName(callee) ?? '' : callee.type === 'Identifier' ? callee.name : '';
    const last = path[path.length - 1] === '()' ? path[path.length - 2] ?? '' : path[path.length - 1] ?? method;
    const list = args(node);
    const first = list[0];
    const at = node as Node;
    const sink = calleeText(callee);
    const hits: SinkHit[] = [];
    const hit = (taintClass: TaintClass, argument: Node | undefined, extra: Partial<SinkHit> = {}): void => {
      if (argument && !isConstant(argument)) hits.push({ taintClass, argument, at, sink, ...extra });
    };
    const isNew = node.type === 'NewExpression';

    // --- code evaluation
    if (!isNew && callee.type === 'Identifier' && resolved?.global && (method === 'eval' || method === 'Function')) hit('code-injection', first);
    if (isNew && callee.type === 'Identifier' && method === 'Function' && resolved?.global) for (const a of list) hit('code-injection', a);
    if (!isNew && callee.type === 'Identifier' && resolved?.global && ['setTimeout', 'setInterval', 'setImmediate', 'execScript'].includes(method)) hit('code-injection', first);
    if (resolved?.module === 'vm' && VM_METHODS.has(last)) hit('code-injection', first);
    if (resolved?.module === 'mathjs' && ['evaluate', 'eval', 'compile'].includes(last)) hit('code-injection', first);
    if (!resolved?.module && callee.type === 'MemberExpression' && ['evaluate', 'eval'].includes(method) && /^(math|mathjs)$/i.test(calleeText(callee.object as Node))) hit('code-injection', first);
    if ((resolved?.module === 'vm2' || this.isVm2Instance(callee)) && ['run', 'runFile'].includes(last)) hit('code-injection', first);
    if (resolved?.module === 'safe-eval' || resolved?.module === 'static-eval') hit('code-injection', first);
    // `require(name)` loads and runs whatever module the name reaches.
    if (!isNew && callee.type === 'Identifier' && method === 'require' && resolved?.global) hit('code-injection', first, { note: 'require() loads and runs the module the name points to' });

    // --- OS commands
    const childProcess = resolved?.module === 'child_process';
    if ((childProcess && CHILD_PROCESS_SHELL.has(last)) || (resolved?.module === 'shelljs' && last === 'exec') || (resolved?.module === 'execa' && /^(execaCommand|execaCommandSync|command|commandSync)$/.test(last))) {
      hit('command-injection', first);
    }
    if ((childProcess && CHILD_PROCESS_FILE.has(last)) || (resolved?.module === 'execa' && /^(execa|execaSync|)$/.test(path.filter((p) => p !== '()').join('.')))) {
      hit('command-injection', first);
      const options = list.find((a) => unwrap(a).type === 'ObjectExpression');
      const shell = objectProperty(options, 'shell');
      const argv = list[1] && unwrap(list[1]).type === 'ArrayExpression' ? (unwrap(list[1]) as ESTree.ArrayExpression) : undefined;
      // `spawn('sh', ['-c', script])` runs a shell as surely as `shell: true` does.
      const shellProgram = /^(\/(usr\/)?bin\/)?(sh|bash|zsh|dash|ksh|cmd|cmd\.exe|powershell|pwsh)$/i.test(this.constantText(first).trim());
      const viaShell = (shell !== undefined && literalTruthiness(shell.value as Node) !== false) || (shellProgram && argv !== undefined && /^[-/]c$/i.test(this.constantText(argv.elements[0] as Node | undefined)));
      if (viaShell && argv) for (const element of argv.elements) if (element && element.type !== 'SpreadElement') hit('command-injection', element as Node);
      if (viaShell && list[1] && !argv) hit('command-injection', list[1]);
    }

    // --- file paths
    if (fromModule(resolved, FS_MODULES) && path.length > 0 && !FS_NOT_PATHS.has(last) && last !== '()') {
      hit('path-traversal', first);
      if (FS_TWO_PATHS.has(last)) hit('path-traversal', list[1]);
    }
    if (!isNew && callee.type === 'MemberExpression' && (method === 'sendFile' || method === 'download')) {
      const receiver = unwrap(callee.object as Node);
      const options = list.slice(1).find((a) => unwrap(a).type === 'ObjectExpression');
      // With a `root` option Express resolves the name inside it and refuses `..`; Fastify's reply.sendFile always does.
      if (!objectProperty(options, 'root') && !(receiver.type === 'Identifier' && receiver.name === 'reply')) hit('path-traversal', first);
    }

    // --- redirects
    if (!isNew && method === 'redirect') {
      const target = list.find((a) => !(unwrap(a).type === 'Literal' && typeof (unwrap(a) as ESTree.Literal).value === 'number'));
      hit('open-redirect', target, { mode: 'url' });
    }
    if (!isNew && callee.type === 'MemberExpression' && method === 'location' && list.length === 1) hit('open-redirect', first, { mode: 'url' });
    if (!isNew && callee.type === 'MemberExpression' && ['setHeader', 'set', 'header', 'append', 'writeHead'].includes(method)) {
      if (/^location$/i.test(this.constantText(first)) && list.length >= 2) hit('open-redirect', list[1], { mode: 'url' });
      for (const a of list) {
        const property = unwrap(a).type === 'ObjectExpression' ? (unwrap(a) as ESTree.ObjectExpression).properties.find((p): p is ESTree.Property => p.type === 'Property' && /^location$/i.test(propertyKeyName(p) ?? '')) : undefined;
        if (property) hit('open-redirect', property.value as Node, { mode: 'url' });
      }
    }

    // --- outgoing requests
    const httpModule = fromModule(resolved, HTTP_CLIENT_MODULES);
    const isClientCall = (callee.type === 'Identifier' && resolved?.global && method === 'fetch') ||
      // NestJS's HttpService (`this.http.post(url)`), injected by type, and its `axiosRef`.
      (callee.type === 'MemberExpression' && HTTP_CLIENT_METHODS.has(method) && isInjectedHttpService(callee.object as Node)) ||
      (httpModule && (path.length === 0 || HTTP_CLIENT_METHODS.has(last) || path[path.length - 1] === '()')) ||
      // A client loaded by a script tag, or a global one: by its usual name.
      (resolved?.global === true && callee.type === 'MemberExpression' && /^(axios|got|needle|superagent)$/.test(calleeText(callee.object as Node)) && HTTP_CLIENT_METHODS.has(method));
    if (isClientCall && !isNew) {
      // needle(method, url) and needle.request(method, url) take the method first.
      const urlArgument = (resolved?.module === 'needle' || calleeText(callee).startsWith('needle')) && (path.length === 0 || last === 'request') ? list[1] : first;
      if (urlArgument && unwrap(urlArgument).type === 'ObjectExpression') {
        for (const key of URL_OPTION_KEYS) {
          const property = objectProperty(urlArgument, key);
          if (property) hit('ssrf', property.value as Node, { mode: 'url' });
        }
      } else {
        hit('ssrf', urlArgument, { mode: 'url' });
      }
    }

    // --- SQL
    if (!isNew && callee.type === 'MemberExpression' && first) {
      const sqlArgument = unwrap(first).type === 'ObjectExpression' ? (objectProperty(first, 'sql') ?? objectProperty(first, 'text') ?? objectProperty(first, 'query'))?.value as Node | undefined : first;
      if (sqlArgument && unwrap(sqlArgument).type !== 'ObjectExpression' && unwrap(sqlArgument).type !== 'ArrayExpression' && !isFunctionLike(sqlArgument)) {
        const sqlText = SQL_TEXT.test(this.constantText(sqlArgument));
        const receiver = calleeText(callee.object as Node).replace(/\(\)/g, '');
        const named = SQL_METHODS.has(method) && !(method === 'literal' && !/sequelize/i.test(sink)) && !(method === 'unsafe' && !/sql/i.test(sink)) &&
          (!AMBIGUOUS_SQL_METHODS.has(method) || sqlText || DATABASE_RECEIVER.test(receiver));
        const looksLikeSql = SQL_METHODS_IF_SQL_TEXT.has(method) && sqlText;
        if (named || looksLikeSql) hit('sql-injection', sqlArgument, { mode: 'sql', how: this.sqlShape(sqlArgument) });
      }
    }

    // --- NoSQL
    // Sequelize and TypeORM take `{ where }` options (`Order.update(values, { where })`): the object literals are
    // column values and ORM conditions, not MongoDB filters.
    const ormOptions = list.some((a) => objectProperty(a, 'where') !== undefined);
    const sqlBuilder = !isNew && callee.type === 'MemberExpression' && isSqlBuilderChain(node);
    if (!isNew && callee.type === 'MemberExpression' && MONGO_METHODS.has(method) && first && !ormOptions && !sqlBuilder) {
      const filter = unwrap(first);
      if (filter.type === 'ObjectExpression') {
        for (const property of filter.properties) {
          if (property.type === 'SpreadElement') hit('nosql-injection', property.argument as Node, { mode: 'operator-object' });
          else if (unwrap(property.value as Node).type !== 'ObjectExpression') hit('nosql-injection', property.value as Node, { mode: 'operator-object' });
        }
      } else if (!isFunctionLike(filter) && MONGO_WHOLE_FILTER_METHODS.has(method)) {
        hit('nosql-injection', filter, { mode: 'operator-object' });
      }
    }

    // Query builders (TypeORM, knex, Kysely) paste the text of `where`, `orderBy` and their kin into the SQL: a
    // clause built from a template or concatenation is raw SQL, whereas `.where('a = :a', { a })` binds the value.
    if (sqlBuilder && QUERY_BUILDER_CLAUSES.has(method) && first && isBuiltText(first, this.engine)) {
      // At the clause's own line: a chain spans many, and the finding belongs where the text is pasted.
      hit('sql-injection', first, { mode: 'sql', how: this.sqlShape(first), at: first });
    }

    // --- deserialisation
    if ((resolved?.module === 'node-serialize' || resolved?.module === 'serialize-to-js' || resolved?.module === 'funcster') && /^(unserialize|deserialize|deepDeserialize)$/.test(last)) hit('insecure-deserialization', first);
    if (!resolved?.module && method === 'unserialize' && callee.type === 'MemberExpression') hit('insecure-deserialization', first);
    if (resolved?.module === 'cryo' && last === 'parse') hit('insecure-deserialization', first);
    if (resolved?.module === 'js-yaml' && (last === 'load' || last === 'loadAll')) {
      // js-yaml 3's load() defaults to the full schema, which builds functions from !!js tags; 4 made it safe.
      const schema = objectProperty(list[1], 'schema');
      const fullSchema = schema !== undefined && /FULL|js\b|JS_|extendedSchema/i.test(calleeText(schema.value as Node));
      if (fullSchema) hit('insecure-deserialization', first, { note: 'the full schema builds functions and objects from !!js tags' });
      else if (schema === undefined) hit('insecure-deserialization', first, { yamlVersionDependent: true });
    }

    // --- XML with external entities
    if (['parseXml', 'parseXmlString', 'parseXmlAsync', 'parseXmlStringAsync', 'parseHtml'].includes(method) || (resolved?.module?.startsWith('libxmljs') && last === 'parseXml')) {
      const options = list.slice(1).find((a) => unwrap(a).type === 'ObjectExpression');
      const noent = objectProperty(options, 'noent');
      if (noent && literalTruthiness(noent.value as Node) !== false) hit('xxe', first, { evenUnknown: true });
    }

    // --- HTML output
    if (!isNew && callee.type === 'MemberExpression') {
      const receiver = unwrap(callee.object as Node);
      const receiverName = receiver.type === 'Identifier' ? receiver.name : receiver.type === 'CallExpression' ? calleeText(receiver.callee as Node).split('.')[0] ?? '' : '';
      if (HTML_RESPONSE_OBJECTS.test(receiverName) && receiverName !== 'reply') {
        if (method === 'send') hit('xss', first, { mode: 'html-text' });
        if ((method === 'write' || method === 'end' || method === 'response') && (/<[a-zA-Z!/]/.test(this.constantText(first)) || this.answersHtml(receiverName, node as Node))) hit('xss', first, { mode: 'html-text' });
      }
      if (ANGULAR_BYPASS.test(method) || (method === 'trustAsHtml' && /\$sce/.test(calleeText(callee.object as Node)))) hit('xss', first, { mode: 'any', evenUnknown: true });
    }
    if (isNew && method === 'Response' && /<[a-zA-Z!/]/.test(this.constantText(first))) hit('xss', first, { mode: 'html-text' });
    return hits;
  }

  /** What a NestJS handler returns: the target of a `@Redirect()` handler's `{ url }`, and the page of a handler
   * declared `@Header('Content-Type', 'text/html')`. */
  ofReturn(node: Node, returned: Node): SinkHit[] {
    const fn = enclosingFunction(node);
    const method = fn ? (fn as Node).parent : undefined;
    if (!method || method.type !== 'MethodDefinition') return [];
    const decorators = (field(method, 'decorators') as Node[] | undefined) ?? [];
    const hits: SinkHit[] = [];
    const name = displayName(method);
    for (const decorator of decorators) {
      const expression = unwrap(field(decorator, 'expression') as Node);
      if (expression.type !== 'CallExpression' || unwrap(expression.callee as Node).type !== 'Identifier') continue;
      const decoratorName = (unwrap(expression.callee as Node) as ESTree.Identifier).name;
      if (decoratorName === 'Redirect') {
        const target = unwrap(returned).type === 'ObjectExpression' ? (objectProperty(returned, 'url')?.value as Node | undefined) : undefined;
        if (target && !isConstant(target)) hits.push({ taintClass: 'open-redirect', argument: target, at: node, sink: `the @Redirect handler ${name}`, mode: 'url' });
      }
      if (decoratorName === 'Header' && /^content-type$/i.test(this.constantText(expression.arguments[0] as Node | undefined)) && /text\/html/i.test(this.constantText(expression.arguments[1] as Node | undefined))) {
        if (!isConstant(returned)) hits.push({ taintClass: 'xss', argument: returned, at: node, sink: `the text/html handler ${name}`, mode: 'html-text' });
      }
    }
    return hits;
  }

  /** `ctx.body = '<p>' + name`: Koa sends a string that starts with `<` as HTML. */
  ofAssignment(node: ESTree.AssignmentExpression): SinkHit[] {
    const left = unwrap(node.left as Node);
    if (left.type !== 'MemberExpression' || memberName(left) !== 'body') return [];
    const object = unwrap(left.object as Node);
    if (object.type !== 'Identifier' || !/^(ctx|context)$/.test(object.name)) return [];
    if (!/<[a-zA-Z!/]/.test(this.constantText(node.right as Node))) return [];
    return [{ taintClass: 'xss', argument: node.right as Node, at: node as Node, sink: `${object.name}.body`, mode: 'html-text' }];
  }

  /** `dangerouslySetInnerHTML={{ __html: value }}` in React. */
  ofJsxAttribute(node: Node): SinkHit[] {
    const name = field(field(node, 'name'), 'name');
    if (name !== 'dangerouslySetInnerHTML') return [];
    const expression = field(field(node, 'value'), 'expression');
    const html = objectProperty(expression as Node, '__html');
    if (!html) return [];
    return [{ taintClass: 'xss', argument: html.value as Node, at: node, sink: 'dangerouslySetInnerHTML', mode: 'html-text' }];
  }

  /** `{ $where: '...' + input }` anywhere: MongoDB runs the string as JavaScript. */
  ofProperty(node: ESTree.Property): SinkHit[] {
    if (propertyKeyName(node) !== '$where' || field(node, 'parent') === undefined) return [];
    const parent = (node as Node).parent;
    if (parent?.type !== 'ObjectExpression') return [];
    return isConstant(node.value as Node) ? [] : [{ taintClass: 'nosql-injection', argument: node.value as Node, at: node as Node, sink: '$where', mode: 'any' }];
  }

  /** The function around `at` streams HTML on this response: it writes markup to it (`res.write('<h1>…')`; a `send`
   * or `end` would have ended it) or sets a text/html type, so whatever else it writes there is read as HTML too. */
  private answersHtml(receiver: string, at: Node): boolean {
    const fn = enclosingFunction(at);
    if (!fn || !/^[A-Za-z_$][\w$]*$/.test(receiver)) return false;
    let answers = this.htmlResponders.get(fn)?.get(receiver);
    if (answers === undefined) {
      const text = this.engine.sourceCode.getText(fn as ESTree.Node);
      const name = receiver.replace(/\$/g, '\\$');
      answers = new RegExp(`\\b${name}\\s*\\.\\s*write\\(\\s*['"\`]\\s*<[a-zA-Z!/]|\\b${name}\\s*\\.\\s*(writeHead|setHeader|set|header|type)\\([^)]*text/html|\\b${name}\\s*\\.\\s*type\\(\\s*['"\`]html['"\`]`).test(text);
      const byReceiver = this.htmlResponders.get(fn) ?? new Map<string, boolean>();
      byReceiver.set(receiver, answers);
      this.htmlResponders.set(fn, byReceiver);
    }
    return answers;
  }

  private readonly htmlResponders = new Map<FunctionNode, Map<string, boolean>>();

  private isVm2Instance(callee: Node): boolean {
    if (callee.type !== 'MemberExpression') return false;
    const object = unwrap(callee.object as Node);
    const construct = object.type === 'NewExpression' ? object : undefined;
    const name = construct && construct.callee.type === 'Identifier' ? construct.callee.name : object.type === 'Identifier' ? this.constructedWith(object) : undefined;
    return name === 'VM' || name === 'NodeVM';
  }

  private constructedWith(identifier: ESTree.Identifier): string | undefined {
    const writes = this.engine.writesTo(identifier as Node);
    const init = writes.length === 1 && writes[0]?.writeExpr ? unwrap(writes[0].writeExpr as Node) : undefined;
    return init?.type === 'NewExpression' && init.callee.type === 'Identifier' ? init.callee.name : undefined;
  }
}

function displayName(method: Node): string {
  const key = field(method, 'key') as Node | undefined;
  return key?.type === 'Identifier' ? `${key.name}` : 'handler';
}

/** `this.http` (or `this.http.axiosRef`) where the class receives `http` typed `HttpService` (NestJS's axios wrapper). */
function isInjectedHttpService(receiver: Node): boolean {
  let inner = unwrap(receiver);
  if (inner.type === 'MemberExpression' && memberName(inner) === 'axiosRef') inner = unwrap(inner.object as Node);
  if (inner.type !== 'MemberExpression' || unwrap(inner.object as Node).type !== 'ThisExpression') return false;
  const property = memberName(inner);
  let classBody: Node | undefined = inner.parent;
  while (classBody && classBody.type !== 'ClassBody') classBody = classBody.parent;
  if (!classBody || property === undefined) return false;
  for (const member of (classBody as ESTree.ClassBody).body as Node[]) {
    // A class field `private readonly http: HttpService`.
    if ((member.type === 'PropertyDefinition') && propertyName(member) === property && typeText(member) === 'HttpService') return true;
    if (member.type !== 'MethodDefinition' || member.kind !== 'constructor') continue;
    for (const param of (member.value as ESTree.FunctionExpression).params as Node[]) {
      const bound = param.type === ('TSParameterProperty' as string) ? (field(param, 'parameter') as Node) : param;
      if (bound.type === 'Identifier' && bound.name === property && typeText(bound) === 'HttpService') return true;
    }
  }
  return false;
}

function propertyName(member: Node): string | undefined {
  const key = field(member, 'key') as Node | undefined;
  return key?.type === 'Identifier' ? key.name : undefined;
}

function typeText(node: Node): string | undefined {
  const typeNode = field(field(node, 'typeAnnotation'), 'typeAnnotation') as Node | undefined;
  const name = field(typeNode, 'typeName') as Node | undefined;
  return name?.type === 'Identifier' ? name.name : undefined;
}

/** Methods that only SQL query builders have in a call chain (knex, TypeORM, Kysely, Objection, Sequelize's query
 * interface); MongoDB drivers and Mongoose use `sort`, `limit`, `lean`, `populate` instead. */
const SQL_BUILDER_METHODS = new Set([
  'createQueryBuilder', 'from', 'into', 'table', 'andWhere', 'orWhere', 'whereIn', 'whereNotIn', 'whereNull', 'whereNotNull',
  'orderBy', 'addOrderBy', 'groupBy', 'having', 'first', 'returning', 'innerJoin', 'leftJoin', 'rightJoin', 'innerJoinAndSelect',
  'leftJoinAndSelect', 'getMany', 'getOne', 'getRawMany', 'getRawOne', 'getCount', 'selectFrom', 'insertInto', 'updateTable',
  'deleteFrom', 'executeTakeFirst', 'pluck', 'increment', 'decrement', 'onConflict', 'merge', 'ignore', 'forUpdate',
]);
/** Clauses of a query builder whose first argument is SQL text. */
const QUERY_BUILDER_CLAUSES = new Set(['where', 'andWhere', 'orWhere', 'having', 'andHaving', 'orHaving', 'orderBy', 'addOrderBy', 'groupBy', 'addGroupBy', 'select', 'addSelect', 'innerJoin', 'leftJoin', 'innerJoinAndSelect', 'leftJoinAndSelect', 'setParameter']);

/** The call is one link of a SQL query-builder chain: `knex('rooms').where({...}).first()` (a table called as a
 * function), or a chain holding a method only SQL builders have. Object conditions there are column equality. */
function isSqlBuilderChain(call: ESTree.CallExpression | ESTree.NewExpression): boolean {
  const calls: ESTree.CallExpression[] = [];
  const methods: string[] = [];
  // Down the receivers to the root of the chain.
  let node: Node = call as Node;
  for (let steps = 0; steps < 30; steps++) {
    const inner = unwrap(node);
    if (inner.type === 'AwaitExpression') { node = inner.argument as Node; continue; }
    if (inner.type !== 'CallExpression') break;
    calls.push(inner);
    const callee = unwrap(inner.callee as Node);
    if (callee.type !== 'MemberExpression') break;
    methods.push(memberName(callee) ?? '');
    node = callee.object as Node;
  }
  // Up the chain: the calls made on this call's result.
  let up: Node = call as Node;
  for (let steps = 0; steps < 30; steps++) {
    const parent = up.parent;
    if (parent?.type === 'ChainExpression') { up = parent; continue; }
    const grand = parent?.parent;
    if (parent?.type !== 'MemberExpression' || parent.object !== (up as ESTree.Node) || grand?.type !== 'CallExpression' || grand.callee !== (parent as ESTree.Node)) break;
    methods.push(memberName(parent) ?? '');
    up = grand as Node;
  }
  if (methods.some((m) => SQL_BUILDER_METHODS.has(m))) return true;
  // `db('rooms')`, `server.knex('rooms')`: knex's table call; `db.collection('rooms')` and `mongoose.model('Room')` are not.
  return calls.some((link) => {
    const first = link.arguments[0];
    if (first === undefined || !(first.type === 'Literal' || first.type === 'TemplateLiteral')) return false;
    const callee = unwrap(link.callee as Node);
    const name = callee.type === 'Identifier' ? callee.name : callee.type === 'MemberExpression' ? memberName(callee) ?? '' : '';
    return KNEX_HANDLE.test(name);
  });
}

/** Names a knex instance goes by, alone or on another object (`knex`, `fastify.db`, `this.pg`); MongoDB's handles
 * are reached through a method (`db.collection('users')`, `mongoose.model('User')`). */
const KNEX_HANDLE = /^(knex|db|database|trx|tx|transaction|sql|pg|mysql|sqlite|conn|connection|builder|qb)$/i;

/** The table of a knex chain (`db('rooms').where({ id }).first()` → 'rooms') and the methods called on it, read down
 * the receivers from the chain's outermost call; undefined when the chain does not start with a table call. */
export function knexChainOf(call: ESTree.CallExpression): { table: string; methods: string[]; links: ESTree.CallExpression[] } | undefined {
  const methods: string[] = [];
  const links: ESTree.CallExpression[] = [];
  let node: Node = call as Node;
  for (let steps = 0; steps < 30; steps++) {
    const inner = unwrap(node);
    if (inner.type !== 'CallExpression') return undefined;
    const callee = unwrap(inner.callee as Node);
    const first = inner.arguments[0];
    const name = callee.type === 'Identifier' ? callee.name : callee.type === 'MemberExpression' ? memberName(callee) ?? '' : '';
    if (first?.type === 'Literal' && typeof first.value === 'string' && KNEX_HANDLE.test(name) && methods.length > 0) return { table: first.value, methods, links };
    if (callee.type !== 'MemberExpression') return undefined;
    methods.push(name);
    links.push(inner);
    node = callee.object as Node;
  }
  return undefined;
}

/** SQL text assembled from values: a template with `${}` parts or a concatenation, directly or through a variable. */
function isBuiltText(argument: Node, engine: TaintEngine, depth = 0): boolean {
  const inner = unwrap(argument);
  if (depth > 3) return false;
  if (inner.type === 'TemplateLiteral') return inner.expressions.length > 0;
  if (inner.type === 'BinaryExpression') return inner.operator === '+';
  if (inner.type === 'Identifier') return engine.writesTo(inner).slice(0, 8).some((w) => w.writeExpr !== null && w.writeExpr !== undefined && isBuiltText(w.writeExpr as Node, engine, depth + 1));
  return false;
}

function isFunctionLike(node: Node): boolean {
  const inner = unwrap(node);
  return inner.type === 'ArrowFunctionExpression' || inner.type === 'FunctionExpression';
}
