// missing-access-control (IDOR): a request handler loads, changes or deletes a record by an id the request supplies
// (`req.params.id`, `req.query.id`, `req.body.id`, Koa's `ctx.params`, Next.js's `{ params }`, NestJS's `@Param`)
// and nothing checks that the record belongs to the caller: the query does not also filter by the user or tenant,
// the handler does not compare the record's owner with the user, and no authorization middleware guards the route.
//
// Reported only where it matters, so that a public catalogue (`GET /products/:id`) is not: the app must
// authenticate users somewhere, and either the model is known to belong to someone (an owner, user or tenant field,
// or it is the user itself), or, when the model is unknown, the handler runs after authentication.
import type { Rule, Scope, SourceCode } from 'eslint';
import type * as ESTree from 'estree';
import { factsFromOption, fieldKey, fileFromOption, hasOwnerField, isUserModel, modelKey, NEEDS_PERSON_MARK, type CodebaseFacts } from './codebaseFacts';
import { enclosingHandler, FileRoutes, situationOf, userReferencePattern, type RequestBinding } from './routeContext';

/** Look a record up by the id passed directly: `Order.findByPk(id)`, `Order.findById(id)`, `repo.findOne(id)`. */
const BY_ID_METHODS = new Set([
  'findByPk', 'findById', 'findByIdAndUpdate', 'findByIdAndDelete', 'findByIdAndRemove', 'findOneById', 'getById', 'findByIds',
]);
/** Take a filter (or, in TypeORM's older API, an id): Sequelize, Prisma, TypeORM, Mongoose, the MongoDB driver, knex. */
const FILTER_METHODS = new Set([
  'findOne', 'findFirst', 'findFirstOrThrow', 'findUnique', 'findUniqueOrThrow', 'findAll', 'findMany', 'find', 'findOneBy',
  'findOneByOrFail', 'findBy', 'findOneOrFail', 'update', 'updateOne', 'updateMany', 'delete', 'deleteOne', 'deleteMany',
  'destroy', 'remove', 'upsert', 'findOneAndUpdate', 'findOneAndDelete', 'findOneAndRemove', 'findOneAndReplace',
  'replaceOne', 'where', 'andWhere', 'softDelete', 'restore', 'increment', 'decrement', 'findAndCountAll', 'count',
]);
/** Run SQL text: node-postgres, mysql, sqlite3, better-sqlite3, pg-promise, Sequelize, knex.raw, Prisma raw. */
export const SQL_METHODS = new Set(['query', 'execute', 'get', 'all', 'run', 'each', 'prepare', 'raw', 'none', 'one', 'oneOrNone', 'many', 'manyOrNone', 'any', '$queryRaw', '$executeRaw', '$queryRawUnsafe', '$executeRawUnsafe']);
/** In-memory stores in small apps: `orders.find((o) => o.id === req.params.id)`. */
const ARRAY_LOOKUPS = new Set(['find', 'findIndex', 'filter']);
/** Calls that only convert an id. */
const CONVERSIONS = /^(parseInt|parseFloat|Number|String|BigInt|ObjectId|ObjectID|Types\.ObjectId|mongoose\.Types\.ObjectId|mongoose\.Types\.ObjectID|toObjectId|new ObjectId|trim|toString|toLowerCase)$/;

const WRITE_METHOD = /update|delete|destroy|remove|upsert|replace|increment|decrement|softDelete|restore/i;
const ID_NAME = /^(id|_id|uuid|slug)$|Id$|_id$|ID$/;
/** Owner or tenant columns in a filter or SQL text: the query is scoped to the caller. */
const OWNER_KEY = /\b(user_?id|userId|owner(_?id|Id)?|author(_?id|Id)?|created_?by(_?id|Id)?|creator(_?id|Id)?|account_?id|accountId|customer_?id|customerId|member_?id|memberId|organization_?id|organizationId|org_?id|orgId|tenant_?id|tenantId|posted_?by|postedBy|uid)\b/;
/** Calls that decide access: policies, abilities, ownership helpers. */
const AUTHORIZATION_CALL = /(^|\.)(can|cannot|authorize|authorise|checkOwnership|checkOwner|assertOwner|assertOwnership|ensureOwner|ensureOwnership|verifyOwner|verifyOwnership|isOwner|isOwnedBy|ownedBy|hasAccess|checkAccess|canAccess|canView|canEdit|canDelete|hasPermission|checkPermission|checkPermissions|isAuthorized|enforce|permit|authorizeUser)$/;

/** Data-access objects of the app (`ordersDao`, `userRepository`, `this.invoiceStore`) and their lookup and change
 * methods: the query behind them is in another file, the id they are given decides whose record it is. */
const DATA_ACCESS_OBJECT = /(dao|repository|repo|store)$/i;
const DATA_ACCESS_METHOD = /^(get|find|fetch|load|read|update|delete|remove|destroy|archive)[A-Z]\w*$/;

/** A handler that checks the caller itself: a session or token read, an auth or role helper. */
const ADMIN_SELF_CHECK = /\b(auth|authenticate\w*|authorize\w*|(require|verify|check|ensure|assert|validate|with)\w*(Admin|Auth|User|Session|Role|Token|Access|Permission)\w*|getSession|getServerSession|getToken|jwt\.verify|isAdmin|session)\b|\.(role|roles|isAdmin)\s*(!==?|===?|\.includes)|headers\.get\(\s*['"`](authorization|cookie)/i;
const NEXT_ROUTE_EXPORTS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** An exported method handler of a Next.js route file under an `admin` segment (`app/api/admin/users/route.ts`,
 * `pages/api/admin/*.ts`). */
function nextAdminRouteHandler(fn: ESTree.Function, file: string): boolean {
  const appRoute = /(^|\/)app\/(.+\/)?admin\/(.+\/)?route\.[cm]?[jt]sx?$/.test(file);
  const pagesRoute = /(^|\/)pages\/api\/(.+\/)?admin(\/|\.|$)/.test(file);
  if (!appRoute && !pagesRoute) return false;
  const parent = (fn as ESTree.Function & { parent?: ESTree.Node }).parent;
  if (appRoute) {
    const name = fn.type === 'FunctionDeclaration' ? fn.id?.name : parent?.type === 'VariableDeclarator' && parent.id.type === 'Identifier' ? parent.id.name : undefined;
    const declaration = (parent as (ESTree.Node & { parent?: ESTree.Node & { parent?: ESTree.Node } }) | undefined)?.parent;
    const exported = parent?.type === 'ExportNamedDeclaration' || declaration?.parent?.type === 'ExportNamedDeclaration';
    return name !== undefined && NEXT_ROUTE_EXPORTS.has(name) && exported;
  }
  return parent?.type === 'ExportDefaultDeclaration';
}

function receiverName(node: ESTree.Node): string {
  const inner = unwrap(node);
  if (inner.type === 'Identifier') return inner.name;
  if (inner.type === 'MemberExpression') return memberName(inner) ?? '';
  return '';
}

function unwrap(node: ESTree.Node): ESTree.Node {
  let current: ESTree.Node = node;
  for (;;) {
    const type = current.type as string;
    if (type === 'TSAsExpression' || type === 'TSNonNullExpression' || type === 'TSSatisfiesExpression' || type === 'TSTypeAssertion') current = (current as unknown as { expression: ESTree.Node }).expression;
    else if (current.type === 'AwaitExpression' || current.type === 'ChainExpression') current = current.type === 'AwaitExpression' ? current.argument : current.expression;
    else return current;
  }
}

function memberName(node: ESTree.MemberExpression): string | undefined {
  if (!node.computed && node.property.type === 'Identifier') return node.property.name;
  if (node.property.type === 'Literal' && typeof node.property.value === 'string') return node.property.value;
  return undefined;
}

function propertyName(property: ESTree.Property): string | undefined {
  if (!property.computed && property.key.type === 'Identifier') return property.key.name;
  if (property.key.type === 'Literal' && typeof property.key.value === 'string') return property.key.value;
  return undefined;
}

function findVariable(scope: Scope.Scope | null, name: string): Scope.Variable | undefined {
  for (let current = scope; current; current = current.upper) {
    const variable = current.set.get(name);
    if (variable) return variable;
  }
  return undefined;
}

/** Where in the request a value comes from. */
type Container = 'params' | 'query' | 'body';

class RequestIds {
  readonly #sourceCode: SourceCode;
  readonly #binding: RequestBinding;
  readonly #containers: { pattern: RegExp; kind: Container }[];

  constructor(sourceCode: SourceCode, binding: RequestBinding) {
    this.#sourceCode = sourceCode;
    this.#binding = binding;
    const name = binding.name.replace(/[$]/g, '\\$');
    this.#containers = [
      { pattern: new RegExp(`^${name}\\??\\.(params|pathParameters)$`), kind: 'params' },
      { pattern: new RegExp(`^${name}\\??\\.(query|request\\.query|searchParams)$`), kind: 'query' },
      { pattern: new RegExp(`^${name}\\??\\.(body|request\\.body|payload)$`), kind: 'body' },
    ];
    if (binding.routeParams) this.#containers.push({ pattern: new RegExp(`^(await\\s*)?\\(?(await\\s+)?${binding.routeParams.replace(/\./g, '\\.')}\\)?$`), kind: 'params' });
  }

  /** The request container an expression is (`req.params`), if it is one. */
  container(node: ESTree.Node): Container | undefined {
    const text = this.#sourceCode.getText(unwrap(node)).replace(/\s+/g, '');
    return this.#containers.find((c) => c.pattern.test(text))?.kind;
  }

  /** Whether `node` evaluates to an id the request supplies (through variables, destructuring and conversions). */
  isRequestId(node: ESTree.Node, depth = 0): boolean {
    if (depth > 6) return false;
    const inner = unwrap(node);
    if (inner.type === 'MemberExpression') {
      const kind = this.container(inner.object);
      const name = memberName(inner);
      if (kind === 'params') return true;
      if (kind && (name === undefined || ID_NAME.test(name))) return true;
      return false;
    }
    if (inner.type === 'CallExpression' || inner.type === 'NewExpression') {
      const callee = this.#sourceCode.getText(inner.callee);
      // `searchParams.get('id')`, `url.searchParams.get('orderId')`.
      if (inner.callee.type === 'MemberExpression' && memberName(inner.callee) === 'get' && /searchParams$/.test(this.#sourceCode.getText(inner.callee.object))) {
        const key = inner.arguments[0];
        return key?.type === 'Literal' && typeof key.value === 'string' && ID_NAME.test(key.value);
      }
      const converter = inner.type === 'NewExpression' ? `new ${callee}` : callee;
      if (CONVERSIONS.test(converter) || CONVERSIONS.test(callee)) {
        const first = inner.arguments[0];
        return first !== undefined && first.type !== 'SpreadElement' && this.isRequestId(first, depth + 1);
      }
      if (inner.callee.type === 'MemberExpression' && ['toString', 'trim', 'toLowerCase'].includes(memberName(inner.callee) ?? '')) return this.isRequestId(inner.callee.object, depth + 1);
      return false;
    }
    if (inner.type === 'TemplateLiteral' && inner.expressions.length === 1 && inner.quasis.every((q) => q.value.raw === '')) return this.isRequestId(inner.expressions[0] as ESTree.Node, depth + 1);
    if (inner.type === 'Identifier') {
      const decorated = this.#binding.decorated.get(inner.name);
      if (decorated === 'params' || (decorated && ID_NAME.test(inner.name))) return true;
      const variable = findVariable(this.#sourceCode.getScope(inner), inner.name);
      for (const def of variable?.defs ?? []) {
        if (def.type !== 'Variable' || !def.node.init) continue;
        if (def.node.id.type === 'Identifier') {
          if (this.isRequestId(def.node.init, depth + 1)) return true;
        } else if (def.node.id.type === 'ObjectPattern') {
          // const { id } = req.params; const { orderId } = req.body
          const kind = this.container(def.node.init);
          if (!kind) continue;
          const property = def.node.id.properties.find((p): p is ESTree.AssignmentProperty => p.type === 'Property' && (p.value.type === 'Identifier' ? p.value.name : p.value.type === 'AssignmentPattern' && p.value.left.type === 'Identifier' ? p.value.left.name : '') === inner.name);
          const key = property ? propertyName(property as unknown as ESTree.Property) : undefined;
          if (kind === 'params' || (key !== undefined && ID_NAME.test(key))) return true;
        }
      }
      return false;
    }
    return false;
  }

  /** Whether any part of `node` (not inside nested functions) is a request-supplied id. */
  containsRequestId(node: ESTree.Node, depth = 0): boolean {
    if (depth > 8) return false;
    if (this.isRequestId(node)) return true;
    const inner = unwrap(node);
    if (inner.type === 'ArrayExpression') return inner.elements.some((e) => e !== null && e.type !== 'SpreadElement' && this.containsRequestId(e, depth + 1));
    if (inner.type === 'TemplateLiteral') return inner.expressions.some((e) => this.containsRequestId(e, depth + 1));
    if (inner.type === 'BinaryExpression') return this.containsRequestId(inner.left as ESTree.Node, depth + 1) || this.containsRequestId(inner.right, depth + 1);
    if (inner.type === 'ObjectExpression') return inner.properties.some((p) => p.type === 'Property' && this.containsRequestId(p.value as ESTree.Node, depth + 1));
    return false;
  }

  /** Whether the filter object holds an id-like key whose value is a request id (also inside where, AND/$and, _id: new ObjectId(id)). */
  filterById(node: ESTree.Node, depth = 0): boolean {
    if (depth > 4) return false;
    const inner = unwrap(node);
    if (inner.type === 'ArrayExpression') return inner.elements.some((e) => e !== null && e.type !== 'SpreadElement' && this.filterById(e, depth + 1));
    if (inner.type !== 'ObjectExpression') return false;
    for (const property of inner.properties) {
      if (property.type !== 'Property') continue;
      const key = propertyName(property);
      const value = property.value as ESTree.Node;
      if (key !== undefined && ID_NAME.test(key)) {
        if (this.isRequestId(value)) return true;
        // { id: { equals: id } }, { _id: { $eq: id } }
        const unwrapped = unwrap(value);
        if (unwrapped.type === 'ObjectExpression' && unwrapped.properties.some((p) => p.type === 'Property' && this.isRequestId(p.value as ESTree.Node))) return true;
      }
      if (key === 'where' || key === 'AND' || key === '$and' || key === 'filter') if (this.filterById(value, depth + 1)) return true;
    }
    return false;
  }
}

/** Static text of a SQL argument: a literal, a template, or a const/let/var holding one. */
export function sqlText(node: ESTree.Node, sourceCode: SourceCode): string | undefined {
  let inner = unwrap(node);
  if (inner.type === 'Identifier') {
    const variable = findVariable(sourceCode.getScope(inner), inner.name);
    const def = variable?.defs.length === 1 ? variable.defs[0] : undefined;
    if (def?.type === 'Variable' && def.node.init) inner = unwrap(def.node.init);
  }
  if (inner.type === 'Literal' && typeof inner.value === 'string') return inner.value;
  if (inner.type === 'TemplateLiteral') return inner.quasis.map((q) => q.value.cooked ?? q.value.raw).join('?');
  if (inner.type === 'BinaryExpression') return sourceCode.getText(inner);
  return undefined;
}

const SQL_BY_ID = /\b(select|update|delete)\b[\s\S]*\bwhere\b[\s\S]*?\b(\w*id)\b["`\]]?\s*=\s*(\?|\$\d+|:\w+|@\w+|'?\s*["']?\s*\+|\$\{)/i;

/** Name of the model a call reads: `Order.findByPk`, `prisma.order.findUnique`, `db.collection('orders')`, `knex('orders').where`. */
function modelOf(call: ESTree.CallExpression, sourceCode: SourceCode): string | undefined {
  if (call.callee.type !== 'MemberExpression') return undefined;
  let object: ESTree.Node = call.callee.object;
  for (let depth = 0; depth < 8; depth++) {
    object = unwrap(object);
    if (object.type === 'Identifier') return object.name;
    if (object.type === 'ThisExpression') return undefined;
    if (object.type === 'MemberExpression') {
      const name = memberName(object);
      return name;
    }
    if (object.type === 'CallExpression') {
      const callee = object.callee;
      const first = object.arguments[0];
      const literal = first?.type === 'Literal' && typeof first.value === 'string' ? first.value : undefined;
      const method = callee.type === 'MemberExpression' ? memberName(callee) : callee.type === 'Identifier' ? callee.name : undefined;
      if (literal && (callee.type === 'Identifier' || ['collection', 'from', 'table', 'into', 'model', 'getRepository', 'getCollection'].includes(method ?? ''))) return literal;
      if (first?.type === 'Identifier' && ['getRepository', 'model', 'getCustomRepository'].includes(method ?? '')) return first.name;
      if (callee.type === 'MemberExpression') {
        object = callee.object;
        continue;
      }
      return undefined;
    }
    return sourceCode.getText(object);
  }
  return undefined;
}

function modelFromSql(sql: string): string | undefined {
  return /\b(?:from|update|into)\s+[`"[]?(?:\w+\.)?(\w+)/i.exec(sql)?.[1];
}

/** The whole call chain a call belongs to (`db('orders').where('id', id).andWhere(...).first()`), as text. */
function chainText(call: ESTree.CallExpression, sourceCode: SourceCode): string {
  let top: ESTree.Node = call;
  for (let parent = (top as ESTree.Node & { parent?: ESTree.Node }).parent; parent; parent = (top as ESTree.Node & { parent?: ESTree.Node }).parent) {
    if (parent.type === 'MemberExpression' && parent.object === top) top = parent;
    else if (parent.type === 'CallExpression' && parent.callee === top) top = parent;
    else if (parent.type === 'AwaitExpression' || parent.type === 'ChainExpression') top = parent;
    else break;
  }
  let bottom: ESTree.Node = call;
  while (bottom.type === 'CallExpression' && bottom.callee.type === 'MemberExpression') bottom = bottom.callee.object;
  return `${sourceCode.getText(bottom)} ${sourceCode.getText(top)}`;
}

interface Candidate {
  node: ESTree.CallExpression;
  fn: ESTree.Function;
  binding: RequestBinding;
  model: string | undefined;
  method: string;
  /** Changes or deletes the record (rather than reading it). */
  write: boolean;
  /** How the finding names the object called, when it is not the model (a data-access object). */
  label?: string;
}

/** Whether the handler compares something with the caller or a record's owner, or calls a policy. */
function handlerChecksAccess(fn: ESTree.Function, binding: RequestBinding, sourceCode: SourceCode): boolean {
  const user = userReferencePattern(binding);
  const ownerMember = /\.\s*(userId|user_id|user|owner|ownerId|owner_id|author|authorId|author_id|createdBy|created_by|creatorId|accountId|account_id|customerId|organizationId|organization_id|orgId|tenantId|tenant_id|postedBy)\b/;
  let checked = false;
  const visit = (node: ESTree.Node, depth: number): void => {
    if (checked || depth > 200) return;
    if (node.type === 'BinaryExpression' && ['===', '!==', '==', '!='].includes(node.operator)) {
      const text = sourceCode.getText(node);
      if (user.test(text) || ownerMember.test(text)) checked = true;
    } else if (node.type === 'CallExpression') {
      const callee = sourceCode.getText(node.callee);
      if (AUTHORIZATION_CALL.test(callee.replace(/\s+/g, ''))) checked = true;
      else if (node.callee.type === 'MemberExpression' && memberName(node.callee) === 'equals' && (user.test(sourceCode.getText(node)) || ownerMember.test(callee))) checked = true;
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === 'parent' || key === 'loc' || key === 'range') continue;
      if (Array.isArray(value)) for (const item of value) { if (item && typeof item === 'object' && typeof (item as ESTree.Node).type === 'string') visit(item as ESTree.Node, depth + 1); }
      else if (value && typeof value === 'object' && typeof (value as ESTree.Node).type === 'string') visit(value as ESTree.Node, depth + 1);
    }
  };
  visit(fn.body, 0);
  return checked;
}

function hasWhere(call: ESTree.CallExpression): boolean {
  return call.arguments.some((a) => a.type === 'ObjectExpression' && a.properties.some((p) => p.type === 'Property' && propertyName(p) === 'where'));
}

export const missingAccessControl: Rule.RuleModule = {
  meta: {
    type: 'problem',
    docs: { description: 'A record loaded, changed or deleted by a request-supplied id must be checked against the caller.' },
    schema: [{ type: 'object', properties: { facts: { type: 'object' }, file: { type: 'string' } }, additionalProperties: false }],
    messages: {
      unguardedAdmin: `Missing access control: an admin route runs {{what}} with no authentication or authorization check; anyone who finds the URL can call it${NEEDS_PERSON_MARK}which check applies (a session, an admin role) depends on the app`,
      idor: `Missing access control: {{what}} by an id from the request, with no check that it belongs to the caller (insecure direct object reference)${NEEDS_PERSON_MARK}which owner or permission check applies depends on the data model`,
    },
  },
  create(context) {
    const facts: CodebaseFacts = factsFromOption(context.options[0]);
    // An app with no authentication at all serves public data; there is no caller to check against.
    if (!facts.authentication) return {};
    const sourceCode = context.sourceCode;
    const routes = new FileRoutes();
    const candidates: Candidate[] = [];
    const tenantFields = new Set(facts.tenantKeys.map(fieldKey));

    const consider = (node: ESTree.CallExpression): void => {
      if (node.callee.type !== 'MemberExpression') return;
      const method = memberName(node.callee);
      if (method === undefined) return;
      const isById = BY_ID_METHODS.has(method);
      const isFilter = FILTER_METHODS.has(method);
      const isSql = SQL_METHODS.has(method);
      const isDataAccess = !isById && !isFilter && !isSql && DATA_ACCESS_METHOD.test(method) && DATA_ACCESS_OBJECT.test(receiverName(node.callee.object));
      if (!isById && !isFilter && !isSql && !isDataAccess) return;
      const handler = enclosingHandler(node, sourceCode);
      if (!handler) return;
      const ids = new RequestIds(sourceCode, handler.binding);
      const args = node.arguments.filter((a): a is ESTree.Expression => a.type !== 'SpreadElement');
      const first = args[0];
      if (!first) return;
      let byRequestId = false;
      let model = modelOf(node, sourceCode);
      let scopeText = args.map((a) => sourceCode.getText(a)).join(' ');
      if (isSql) {
        const sql = sqlText(first, sourceCode);
        if (sql === undefined || !SQL_BY_ID.test(sql)) return;
        byRequestId = ids.containsRequestId(first) || args.slice(1).some((a) => ids.containsRequestId(a));
        model = modelFromSql(sql) ?? model;
        scopeText = sql;
      } else if (isById) {
        byRequestId = ids.isRequestId(first);
      } else if (isDataAccess) {
        // `allocationsDao.getByUserId(req.params.userId)`: the query lives in another file, the id is the request's.
        byRequestId = args.some((a) => ids.isRequestId(a));
        model = undefined;
        // Scoped when the caller is passed too (`getOrder(req.params.id, req.user.id)`); the id's own name says nothing.
        scopeText = args.filter((a) => !ids.isRequestId(a) && a.type !== 'FunctionExpression' && a.type !== 'ArrowFunctionExpression').map((a) => sourceCode.getText(a)).join(' ');
      } else {
        const unwrapped = unwrap(first);
        if (ARRAY_LOOKUPS.has(method) && (unwrapped.type === 'ArrowFunctionExpression' || unwrapped.type === 'FunctionExpression')) {
          // orders.find((o) => o.id === req.params.id): an in-memory store looked up by the request's id.
          let compared = false;
          const body = unwrapped.body;
          const test = body.type === 'BlockStatement' ? undefined : body;
          if (test?.type === 'BinaryExpression' && ['===', '=='].includes(test.operator)) {
            const sides = [test.left as ESTree.Node, test.right];
            compared = sides.some((side) => side.type === 'MemberExpression' && ID_NAME.test(memberName(side) ?? '')) && sides.some((side) => ids.isRequestId(side));
          }
          byRequestId = compared;
          scopeText = '';
        } else if (method === 'where' || method === 'andWhere') {
          // knex: .where({ id }), .where('id', id), .where('id', '=', id)
          const column = first.type === 'Literal' && typeof first.value === 'string' ? first.value : undefined;
          byRequestId = column !== undefined ? ID_NAME.test(column.replace(/^.*\./, '')) && args.slice(1).some((a) => ids.isRequestId(a)) : ids.filterById(first);
          scopeText = chainText(node, sourceCode);
        } else if (ARRAY_LOOKUPS.has(method) && unwrapped.type !== 'ObjectExpression') {
          return;
        } else {
          // A filter in any object argument (Sequelize's update(values, { where }) has it second), or TypeORM's repo.findOne(id).
          byRequestId = args.some((a) => ids.filterById(a)) || (ids.isRequestId(first) && unwrapped.type !== 'ObjectExpression');
        }
      }
      if (!byRequestId) return;
      // The query also filters by the caller or the tenant.
      if (userReferencePattern(handler.binding).test(scopeText) || OWNER_KEY.test(scopeText.replace(/\b(req|request|ctx)\.(params|query|body)\.\w+/g, ''))) return;
      const write = isSql ? /^\s*(update|delete)\b/i.test(scopeText) : WRITE_METHOD.test(method) || /\.(update|del|delete)\(/.test(chainText(node, sourceCode));
      candidates.push({ node, fn: handler.fn, binding: handler.binding, model, method, write, ...(isDataAccess ? { label: receiverName(node.callee.object) } : {}) });
    };

    // Admin endpoints with no authentication at all: whoever finds the URL runs them.
    const file = fileFromOption(context.options[0], context.filename).replace(/\\/g, '/');
    const unguardedAdmin: { node: ESTree.CallExpression; fn: ESTree.Function; method: string; model: string | undefined }[] = [];
    const considerAdmin = (node: ESTree.CallExpression): void => {
      if (node.callee.type !== 'MemberExpression') return;
      const method = memberName(node.callee);
      if (method === undefined || !(BY_ID_METHODS.has(method) || FILTER_METHODS.has(method) || SQL_METHODS.has(method)) || ARRAY_LOOKUPS.has(method) && !modelOf(node, sourceCode)) return;
      const fn = sourceCode.getAncestors(node).reverse().find((a): a is ESTree.Function => a.type === 'FunctionDeclaration' || a.type === 'FunctionExpression' || a.type === 'ArrowFunctionExpression');
      if (fn && nextAdminRouteHandler(fn, file) && !facts.edgeAuthentication) unguardedAdmin.push({ node, fn, method, model: modelOf(node, sourceCode) });
    };

    return {
      CallExpression(node) {
        routes.collect(node);
        consider(node);
        considerAdmin(node);
      },
      'Program:exit'() {
        const checkedHandlers = new Map<ESTree.Function, boolean>();
        const reportedLines = new Set<number>();
        for (const candidate of candidates) {
          const situation = situationOf(candidate.fn, candidate.binding, fileFromOption(context.options[0], context.filename), routes, facts, sourceCode);
          if (situation.behindAuthorization) continue;
          const key = candidate.model !== undefined ? modelKey(candidate.model) : undefined;
          const fields = key !== undefined ? facts.models[key] : undefined;
          // A record of a tenant-scoped model: the tenant rule reports the missing filter there.
          if (fields && tenantFields.size > 0 && fields.some((f) => tenantFields.has(f))) continue;
          // In a codebase with tenants, a `{ where }` query on an unknown model is the tenant rule's (one finding per query).
          if (!fields && tenantFields.size > 0 && hasWhere(candidate.node)) continue;
          const owned = fields !== undefined ? hasOwnerField(fields) || isUserModel(key as string) : undefined;
          if (owned === false) continue;
          // Reading an owned record with nobody signed in is a public read (a forum thread, a published post); a
          // change is never public.
          if (!candidate.write && !situation.behindAuthentication && !situation.usesUser) continue;
          if (owned === undefined && !situation.behindAuthentication && !situation.usesUser && !(key !== undefined && isUserModel(key))) continue;
          let checked = checkedHandlers.get(candidate.fn);
          if (checked === undefined) {
            checked = handlerChecksAccess(candidate.fn, candidate.binding, sourceCode);
            checkedHandlers.set(candidate.fn, checked);
          }
          if (checked) continue;
          // One finding per statement line: a knex chain or nested call is one lookup.
          const line = candidate.node.loc?.start.line ?? 0;
          if (reportedLines.has(line)) continue;
          reportedLines.add(line);
          const what = `${candidate.label ?? candidate.model ?? 'a record'}.${candidate.method}() reads or changes a record`;
          context.report({ node: candidate.node.callee, messageId: 'idor', data: { what } });
        }
        const reportedAdmin = new Set<ESTree.Function>();
        for (const entry of unguardedAdmin) {
          if (reportedAdmin.has(entry.fn)) continue;
          reportedAdmin.add(entry.fn);
          const text = sourceCode.getText(entry.fn);
          // The handler authenticates or authorizes itself (`await getServerSession()`, `requireAdmin(request)`).
          if (userReferencePattern({ name: '\u0000', style: 'req', decorated: new Map() }).test(text) || ADMIN_SELF_CHECK.test(text)) continue;
          const line = entry.node.loc?.start.line ?? 0;
          if (reportedLines.has(line)) continue;
          reportedLines.add(line);
          context.report({ node: entry.node.callee, messageId: 'unguardedAdmin', data: { what: `${entry.model ?? 'a record'}.${entry.method}()` } });
        }
      },
    };
  },
};
