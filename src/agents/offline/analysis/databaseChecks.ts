// The database optimizer's offline checks: queries run once per loop item (N+1), filtered or sorted columns that no
// index covers in the schema or migrations, and SELECT * reading every column of every row.
import { createHash } from 'node:crypto';
import type { Finding, Severity } from '../../../core/protocol/findings';
import { calleeChain, child, childList, constantString, memberProperty, nameOf, stringsOf, walk, type AstNode } from './javascriptAst';

export const DATABASE_AGENT = 'database-optimizer';

/** Method names that are a query whatever the receiver (they mean nothing else in common libraries). */
const QUERY_METHODS = new Set([
  'query', 'execute', 'findUnique', 'findUniqueOrThrow', 'findFirst', 'findFirstOrThrow', 'findMany', 'findOne', 'findById',
  'findByPk', 'findAll', 'findOneBy', 'findAndCountAll', 'findOneOrFail', 'countDocuments', 'aggregate', '$queryRaw',
  '$queryRawUnsafe', '$executeRaw', '$executeRawUnsafe', 'oneOrNone', 'manyOrNone',
]);
/** Method names that are a query only on something that looks like a database handle, model or repository. */
const HANDLE_METHODS = new Set(['find', 'count', 'create', 'update', 'updateOne', 'updateMany', 'delete', 'deleteOne', 'deleteMany', 'insert', 'insertOne', 'insertMany', 'select', 'where', 'get', 'all', 'run', 'first', 'save', 'upsert', 'destroy', 'remove', 'one', 'many', 'any', 'none', 'exec']);
const HANDLE_NAME = /^(?:db|database|prisma|knex|pool|client|conn|connection|sequelize|mongoose|sql|pg|mysql|sqlite|trx|tx|transaction|em|entityManager|manager|dataSource|queryRunner|collection|repo|repository|model)$|(?:Repository|Repo|Model|Collection|Dao|Db|Client|Pool)$/i;
/** Array methods whose callback runs once per item. */
const ITERATION_METHODS = new Set(['forEach', 'map', 'flatMap', 'filter', 'reduce', 'reduceRight', 'some', 'every', 'find', 'findIndex']);
const LOOP_STATEMENTS = new Set(['ForStatement', 'ForOfStatement', 'ForInStatement', 'WhileStatement', 'DoWhileStatement']);
const FUNCTIONS = new Set(['FunctionExpression', 'ArrowFunctionExpression', 'FunctionDeclaration']);

function findingId(rule: string, file: string, key: string): string {
  return `db-${createHash('sha256').update(`${rule}\u0000${file}\u0000${key}`).digest('hex').slice(0, 16)}`;
}

function finding(rule: string, severity: Severity, file: string, line: number, column: number, message: string, recommendation: string, key: string): Finding {
  return { id: findingId(rule, file, key), ruleId: `database/${rule}`, severity, message, file, line, column, recommendation, fixable: false, agent: DATABASE_AGENT };
}

/** A human name for a query call: `prisma.post.findMany`, `db.query`, `sql\`…\``. */
function queryName(node: AstNode): string | null {
  if (node.type === 'TaggedTemplateExpression') {
    const tag = calleeChain(child(node, 'tag'));
    const last = tag[tag.length - 1] ?? '';
    return /^(?:sql|SQL|\$queryRaw|\$executeRaw|query)$/.test(last) ? `${tag.join('.')}\`…\`` : null;
  }
  if (node.type !== 'CallExpression') return null;
  const callee = child(node, 'callee');
  if (!callee || callee.type !== 'MemberExpression') return null;
  const method = memberProperty(callee);
  if (!method) return null;
  const chain = calleeChain(callee);
  const receivers = chain.slice(0, -1);
  if (QUERY_METHODS.has(method)) return chain.join('.');
  if (!HANDLE_METHODS.has(method)) return null;
  // `User.findOne`-style model classes, `db.users.find`, `this.userRepository.find`, `knex('users').where`.
  const handle = receivers.some((name) => HANDLE_NAME.test(name.replace(/\(\)$/, '')) || /^(?:knex|db|sql)\(\)$/.test(name));
  const modelClass = receivers.length === 1 && /^[A-Z][a-z]\w*$/.test(receivers[0] ?? '') && !/^(?:Array|Object|Promise|Math|JSON|Map|Set|String|Number|Date|Reflect)$/.test(receivers[0] ?? '');
  return handle || modelClass ? chain.join('.') : null;
}

/** The loop a node runs in, within its own function (or the function that is an iteration callback): null when none. */
function enclosingLoop(node: AstNode, ancestors: readonly AstNode[]): { kind: string; line: number } | null {
  let inner: AstNode = node;
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const ancestor = ancestors[i]!;
    if (LOOP_STATEMENTS.has(ancestor.type)) {
      // Only the body repeats: `for (const x of await db.query())` queries once.
      if (child(ancestor, 'body') === inner || (ancestor.type === 'ForStatement' && (child(ancestor, 'update') === inner || child(ancestor, 'test') === inner)) || (ancestor.type === 'WhileStatement' || ancestor.type === 'DoWhileStatement') && child(ancestor, 'test') === inner) {
        const kind = ancestor.type === 'ForOfStatement' ? 'for…of' : ancestor.type === 'ForInStatement' ? 'for…in' : ancestor.type === 'ForStatement' ? 'for' : 'while';
        return { kind: `${kind} loop`, line: ancestor.loc.start.line };
      }
    }
    if (FUNCTIONS.has(ancestor.type)) {
      const call = ancestors[i - 1];
      const callee = call?.type === 'CallExpression' ? child(call, 'callee') : null;
      const method = callee ? memberProperty(callee) : null;
      if (call && method && ITERATION_METHODS.has(method) && childList(call, 'arguments')[0] === ancestor) return { kind: `.${method}() callback`, line: call.loc.start.line };
      return null;
    }
    inner = ancestor;
  }
  return null;
}

/** N+1: a query call inside a loop body or an iteration callback. */
export function findQueriesInLoops(file: string, root: AstNode): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  walk(root, (node, ancestors) => {
    const name = queryName(node);
    if (!name) return;
    // The inner call of a chain (`Model.find().sort()`) is the query; the outer ones are the same query.
    const parent = ancestors[ancestors.length - 1];
    if (parent?.type === 'MemberExpression' && child(parent, 'object') === node && queryName(ancestors[ancestors.length - 2] ?? parent)) return;
    const loop = enclosingLoop(node, ancestors);
    if (!loop) return;
    const key = `${loop.line}:${name}`;
    if (seen.has(key)) return;
    seen.add(key);
    findings.push(finding(
      'query-in-loop', 'medium', file, node.loc.start.line, node.loc.start.column + 1,
      `Query in a loop (N+1): \`${name}\` runs once per item of the ${loop.kind} at line ${loop.line}`,
      'Fetch the rows for all items with one query before the loop (an IN list, e.g. `where: { id: { in: ids } }`, a join or the ORM\'s include/populate), or batch with a DataLoader, then look each item up in memory.',
      key,
    ));
  });
  return findings;
}

// ---- Schema: which columns exist, and which an index covers ------------------------------------------------

export interface ColumnDefinition {
  table: string;
  column: string;
  file: string;
  line: number;
  type: string;
  /** Leading column of a primary key, unique constraint or index. */
  indexed: boolean;
  style: 'prisma' | 'sql' | 'knex' | 'sequelize' | 'mongoose';
}

export interface SchemaInfo {
  columns: ColumnDefinition[];
  /** Columns an index covers, as `table.column` and as bare normalised column names. */
  indexed: Set<string>;
}

/** createdAt, created_at and CreatedAt name the same column (Prisma @map, Sequelize underscored). */
export function normalizeColumn(name: string): string {
  return name.replace(/[_"`]/g, '').toLowerCase();
}

function markIndexed(schema: SchemaInfo, table: string, column: string): void {
  schema.indexed.add(`${normalizeColumn(table)}.${normalizeColumn(column)}`);
  schema.indexed.add(normalizeColumn(column));
}

export function emptySchema(): SchemaInfo {
  return { columns: [], indexed: new Set() };
}

const PRISMA_SCALARS = /^(?:String|Int|BigInt|Float|Decimal|Boolean|DateTime|Json|Bytes)(?:\?|\[\])?$/;

export function readPrismaSchema(file: string, text: string, schema: SchemaInfo): void {
  const lines = text.split('\n');
  let model: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\/\/.*$/, '').trim();
    const open = /^model\s+(\w+)\s*\{/.exec(line);
    if (open) {
      model = open[1]!;
      continue;
    }
    if (!model) continue;
    if (line.startsWith('}')) {
      model = null;
      continue;
    }
    const blockIndex = /^@@(?:index|unique|id)\(\s*(?:fields:\s*)?\[\s*([\w]+)/.exec(line);
    if (blockIndex) {
      markIndexed(schema, model, blockIndex[1]!);
      continue;
    }
    const field = /^(\w+)\s+(\w+(?:\?|\[\])?)(.*)$/.exec(line);
    if (!field || !PRISMA_SCALARS.test(field[2]!)) continue;
    const indexed = /@id\b|@unique\b/.test(field[3]!);
    schema.columns.push({ table: model, column: field[1]!, file, line: i + 1, type: field[2]!.replace(/[?[\]]/g, ''), indexed, style: 'prisma' });
    if (indexed) markIndexed(schema, model, field[1]!);
  }
}

const SQL_NOT_COLUMN = /^(?:primary|unique|constraint|foreign|key|index|check|exclude|like)$/i;

export function readSqlSchema(file: string, text: string, schema: SchemaInfo): void {
  const withoutComments = text.replace(/--[^\n]*/g, (comment) => ' '.repeat(comment.length));
  const lineAt = (offset: number): number => withoutComments.slice(0, offset).split('\n').length;
  for (const table of withoutComments.matchAll(/create\s+table\s+(?:if\s+not\s+exists\s+)?(?:[\w"`]+\.)?["`]?(\w+)["`]?\s*\(/gi)) {
    const name = table[1]!;
    // The body runs to the parenthesis that closes the one after the table name.
    let depth = 1;
    let end = table.index! + table[0].length;
    while (end < withoutComments.length && depth > 0) {
      const char = withoutComments[end];
      if (char === '(') depth++;
      else if (char === ')') depth--;
      end++;
    }
    const bodyStart = table.index! + table[0].length;
    const body = withoutComments.slice(bodyStart, end - 1);
    let offset = 0;
    for (const part of splitTopLevel(body)) {
      const trimmed = part.trim();
      const at = bodyStart + offset + part.indexOf(trimmed);
      offset += part.length + 1;
      const constraint = /^(?:constraint\s+\w+\s+)?(?:primary\s+key|unique)(?:\s+key)?\s*\(\s*["`]?(\w+)/i.exec(trimmed);
      if (constraint) {
        markIndexed(schema, name, constraint[1]!);
        continue;
      }
      const column = /^["`]?(\w+)["`]?\s+(\w+)/.exec(trimmed);
      if (!column || SQL_NOT_COLUMN.test(column[1]!)) continue;
      const indexed = /\bprimary\s+key\b|\bunique\b/i.test(trimmed);
      schema.columns.push({ table: name, column: column[1]!, file, line: lineAt(at), type: column[2]!.toUpperCase(), indexed, style: 'sql' });
      if (indexed) markIndexed(schema, name, column[1]!);
    }
  }
  for (const index of withoutComments.matchAll(/create\s+(?:unique\s+)?index\s+(?:concurrently\s+)?(?:if\s+not\s+exists\s+)?(?:["`]?\w+["`]?\s+)?on\s+(?:[\w"`]+\.)?["`]?(\w+)["`]?\s*(?:using\s+\w+\s*)?\(\s*["`]?(\w+)/gi)) {
    markIndexed(schema, index[1]!, index[2]!);
  }
  for (const added of withoutComments.matchAll(/alter\s+table\s+(?:[\w"`]+\.)?["`]?(\w+)["`]?\s+add\s+(?:constraint\s+\w+\s+)?(?:primary\s+key|unique)\s*\(\s*["`]?(\w+)/gi)) {
    markIndexed(schema, added[1]!, added[2]!);
  }
}

function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const char = body[i];
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === ',' && depth === 0) {
      parts.push(body.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(body.slice(start));
  return parts;
}

const KNEX_COLUMN_METHODS = new Set(['string', 'text', 'integer', 'bigInteger', 'bigint', 'tinyint', 'smallint', 'mediumint', 'float', 'double', 'decimal', 'boolean', 'date', 'datetime', 'dateTime', 'time', 'timestamp', 'uuid', 'json', 'jsonb', 'enu', 'enum', 'binary', 'specificType', 'increments', 'bigIncrements']);

function firstStringOrArray(node: AstNode | null): string | null {
  if (!node) return null;
  const text = constantString(node);
  if (text !== null) return text;
  if (node.type === 'ArrayExpression') return constantString(childList(node, 'elements')[0] ?? null);
  if (node.type === 'ObjectExpression') {
    // { fields: ['a'] } (Sequelize addIndex / indexes) or { a: 1 } (Mongoose schema.index).
    const properties = childList(node, 'properties');
    const fields = properties.find((p) => nameOf(child(p, 'key')) === 'fields');
    if (fields) return firstStringOrArray(child(fields, 'value'));
    return nameOf(child(properties[0] ?? node, 'key'));
  }
  return null;
}

function booleanProperty(object: AstNode, key: string): boolean {
  const property = childList(object, 'properties').find((p) => nameOf(child(p, 'key')) === key);
  const value = property ? child(property, 'value') : null;
  return value?.type === 'Literal' && value.value === true;
}

/** Columns from an object of column definitions (Sequelize `define`/`init`/`createTable`, Mongoose `new Schema`). */
function readColumnObject(file: string, table: string, object: AstNode, style: 'sequelize' | 'mongoose', schema: SchemaInfo): void {
  for (const property of childList(object, 'properties')) {
    const column = nameOf(child(property, 'key'));
    const value = child(property, 'value');
    if (!column || !value) continue;
    let type = '';
    let indexed = false;
    if (value.type === 'ObjectExpression') {
      const typeProperty = childList(value, 'properties').find((p) => nameOf(child(p, 'key')) === 'type');
      if (!typeProperty) continue;
      type = calleeChain(child(typeProperty, 'value')).join('.');
      indexed = ['primaryKey', 'unique', 'index'].some((key) => booleanProperty(value, key));
    } else if (style === 'mongoose' && value.type === 'Identifier') {
      type = String(value.name);
    } else if (value.type === 'MemberExpression') {
      type = calleeChain(value).join('.');
    } else continue;
    schema.columns.push({ table, column, file, line: property.loc.start.line, type, indexed, style });
    if (indexed) markIndexed(schema, table, column);
  }
}

/** Schema definitions in JavaScript/TypeScript: knex migrations, Sequelize models and migrations, Mongoose schemas. */
export function readCodeSchema(file: string, root: AstNode, schema: SchemaInfo): void {
  walk(root, (node, ancestors) => {
    if (node.type === 'NewExpression' && /(?:^|\.)Schema$/.test(calleeChain(child(node, 'callee')).join('.'))) {
      const fields = childList(node, 'arguments')[0];
      const declarator = [...ancestors].reverse().find((a) => a.type === 'VariableDeclarator');
      const table = nameOf(declarator ? child(declarator, 'id') : null)?.replace(/Schema$/i, '') || 'schema';
      if (fields?.type === 'ObjectExpression') readColumnObject(file, table, fields, 'mongoose', schema);
      markIndexed(schema, table, '_id');
      return;
    }
    if (node.type !== 'CallExpression') return;
    const callee = child(node, 'callee');
    const method = callee ? memberProperty(callee) : null;
    const args = childList(node, 'arguments');
    if (!method) return;
    if (method === 'createTable' || method === 'table' || method === 'alterTable') {
      const table = constantString(args[0] ?? null);
      const second = args[1];
      if (!table || !second) return;
      if (second.type === 'ObjectExpression') readColumnObject(file, table, second, 'sequelize', schema);
      else if (FUNCTIONS.has(second.type)) readKnexTable(file, table, second, schema);
      return;
    }
    if (method === 'define' && args[1]?.type === 'ObjectExpression') {
      const table = constantString(args[0] ?? null) ?? 'model';
      readColumnObject(file, table, args[1], 'sequelize', schema);
      readSequelizeIndexes(table, args[2] ?? null, schema);
      return;
    }
    if (method === 'init' && args[0]?.type === 'ObjectExpression' && callee?.type === 'MemberExpression') {
      const table = nameOf(child(callee, 'object')) ?? 'model';
      readColumnObject(file, table, args[0], 'sequelize', schema);
      readSequelizeIndexes(table, args[1] ?? null, schema);
      return;
    }
    if (method === 'addIndex' || method === 'addConstraint') {
      const table = constantString(args[0] ?? null);
      const column = firstStringOrArray(args[1] ?? null);
      if (table && column) markIndexed(schema, table, column);
      return;
    }
    if (method === 'index' && callee?.type === 'MemberExpression') {
      // Mongoose `userSchema.index({ email: 1 })`.
      const column = firstStringOrArray(args[0] ?? null);
      const table = (nameOf(child(callee, 'object')) ?? 'schema').replace(/Schema$/i, '');
      if (column) markIndexed(schema, table, column);
    }
  });
}

function readSequelizeIndexes(table: string, options: AstNode | null, schema: SchemaInfo): void {
  if (options?.type !== 'ObjectExpression') return;
  const indexes = childList(options, 'properties').find((p) => nameOf(child(p, 'key')) === 'indexes');
  const list = indexes ? child(indexes, 'value') : null;
  for (const index of list ? childList(list, 'elements') : []) {
    const column = firstStringOrArray(index);
    if (column) markIndexed(schema, table, column);
  }
}

function readKnexTable(file: string, table: string, builder: AstNode, schema: SchemaInfo): void {
  walk(builder, (node) => {
    if (node.type !== 'CallExpression') return;
    const callee = child(node, 'callee');
    const method = callee ? memberProperty(callee) : null;
    const args = childList(node, 'arguments');
    if (!method) return;
    if (method === 'index' || method === 'unique' || method === 'primary') {
      const column = firstStringOrArray(args[0] ?? null);
      if (column) markIndexed(schema, table, column);
      // `t.string('email').unique()`: the column is the chained call's.
      const inner = callee ? child(callee, 'object') : null;
      const innerColumn = inner?.type === 'CallExpression' ? columnOfKnexCall(inner) : null;
      if (innerColumn) markIndexed(schema, table, innerColumn.column);
      return;
    }
    const column = columnOfKnexCall(node);
    if (column) {
      const indexed = column.method === 'increments' || column.method === 'bigIncrements';
      schema.columns.push({ table, column: column.column, file, line: node.loc.start.line, type: column.method, indexed, style: 'knex' });
      if (indexed) markIndexed(schema, table, column.column);
    }
  });
}

function columnOfKnexCall(node: AstNode): { method: string; column: string } | null {
  const callee = child(node, 'callee');
  const method = callee ? memberProperty(callee) : null;
  if (!method || !KNEX_COLUMN_METHODS.has(method)) return null;
  const column = constantString(childList(node, 'arguments')[0] ?? null);
  return column ? { method, column } : null;
}

// ---- Code: which columns queries filter and sort on --------------------------------------------------------

export interface ColumnUse {
  column: string;
  file: string;
  line: number;
}

const FILTER_KEYS = new Set(['where', 'orderBy', 'order', 'sort']);
const MONGO_FILTER_METHODS = new Set(['find', 'findOne', 'countDocuments', 'updateOne', 'updateMany', 'deleteOne', 'deleteMany', 'findOneAndUpdate', 'findOneAndDelete', 'exists']);
const KNEX_FILTER_METHODS = new Set(['where', 'andWhere', 'orWhere', 'whereIn', 'whereNot', 'whereNull', 'orderBy', 'findOneBy', 'findBy']);
const NOT_COLUMNS = /^(?:AND|OR|NOT|some|every|none|is|isNot|in|notIn|equals|contains|startsWith|endsWith|gt|gte|lt|lte|not|mode|asc|desc)$|^\$/;

function keysOf(object: AstNode, file: string, uses: ColumnUse[]): void {
  for (const property of childList(object, 'properties')) {
    const key = nameOf(child(property, 'key'));
    if (!key || NOT_COLUMNS.test(key)) continue;
    uses.push({ column: key, file, line: property.loc.start.line });
  }
}

const SQL_FILTER = /\b(?:where|and|or)\s+(?:["`]?\w+["`]?\.)?["`]?(\w+)["`]?\s*(?:=|<>|!=|<=|>=|<|>|\bin\b|\blike\b|\bilike\b|\bis\b|\bbetween\b)/gi;
const SQL_ORDER = /\border\s+by\s+(?:["`]?\w+["`]?\.)?["`]?(\w+)/gi;

/** Columns filtered (WHERE, where: {...}, .where('x'), find({ x })) or sorted on in a code file. */
export function columnsFilteredIn(file: string, root: AstNode): ColumnUse[] {
  const uses: ColumnUse[] = [];
  walk(root, (node) => {
    if (node.type === 'Property') {
      const key = nameOf(child(node, 'key'));
      const value = child(node, 'value');
      if (key && FILTER_KEYS.has(key) && value) {
        if (value.type === 'ObjectExpression') keysOf(value, file, uses);
        else if (value.type === 'ArrayExpression') {
          for (const element of childList(value, 'elements')) {
            if (element.type === 'ObjectExpression') keysOf(element, file, uses);
            const first = element.type === 'ArrayExpression' ? constantString(childList(element, 'elements')[0] ?? null) : null;
            if (first) uses.push({ column: first, file, line: element.loc.start.line });
          }
        }
      }
      return;
    }
    if (node.type !== 'CallExpression') return;
    const callee = child(node, 'callee');
    const method = callee ? memberProperty(callee) : null;
    const first = childList(node, 'arguments')[0] ?? null;
    if (!method || !first) return;
    if (KNEX_FILTER_METHODS.has(method) || method === 'sort') {
      const column = constantString(first);
      if (column) uses.push({ column: column.replace(/^-/, '').split('.').pop()!, file, line: node.loc.start.line });
      else if (first.type === 'ObjectExpression') keysOf(first, file, uses);
    } else if (MONGO_FILTER_METHODS.has(method) && first.type === 'ObjectExpression' && queryName(node)) {
      keysOf(first, file, uses);
    }
  });
  for (const { text, line } of stringsOf(root)) {
    if (!/\b(?:select|update|delete)\b/i.test(text)) continue;
    for (const match of [...text.matchAll(SQL_FILTER), ...text.matchAll(SQL_ORDER)]) uses.push({ column: match[1]!, file, line });
  }
  return uses;
}

const INDEX_ADVICE: Record<ColumnDefinition['style'], (c: ColumnDefinition) => string> = {
  prisma: (c) => `Add \`@@index([${c.column}])\` to model ${c.table}, then create a migration (\`prisma migrate dev\`).`,
  sql: (c) => `Add a migration with \`CREATE INDEX idx_${c.table}_${c.column} ON ${c.table} (${c.column});\`.`,
  knex: (c) => `Add a migration with \`table.index(['${c.column}'])\` on ${c.table}.`,
  sequelize: (c) => `Add \`queryInterface.addIndex('${c.table}', ['${c.column}'])\` in a migration (or \`indexes: [{ fields: ['${c.column}'] }]\` on the model).`,
  mongoose: (c) => `Add \`index: true\` to ${c.column} (or \`${c.table}Schema.index({ ${c.column}: 1 })\`).`,
};

/** Low-selectivity columns an index rarely helps. */
const UNINDEXABLE_TYPE = /^(?:Boolean|BOOLEAN|BOOL|boolean|Json|JSON|JSONB|json|jsonb|TEXT|text|Bytes|BLOB|BYTEA|binary)$/;

/** Columns the code filters or sorts on that are defined in the schema with no index covering them. */
export function findMissingIndexes(schema: SchemaInfo, uses: readonly ColumnUse[]): Finding[] {
  const findings: Finding[] = [];
  const firstUse = new Map<string, ColumnUse>();
  for (const use of uses) if (!firstUse.has(normalizeColumn(use.column))) firstUse.set(normalizeColumn(use.column), use);
  const reported = new Set<string>();
  for (const column of schema.columns) {
    const name = normalizeColumn(column.column);
    const use = firstUse.get(name);
    if (!use || column.indexed || name === 'id' || UNINDEXABLE_TYPE.test(column.type)) continue;
    if (schema.indexed.has(`${normalizeColumn(column.table)}.${name}`)) continue;
    const key = `${normalizeColumn(column.table)}.${name}`;
    if (reported.has(key)) continue;
    reported.add(key);
    findings.push(finding(
      'missing-index', 'medium', column.file, column.line, 1,
      `\`${column.table}.${column.column}\` is filtered or sorted on (${use.file}:${use.line}) but no index covers it: each such query scans the whole table`,
      INDEX_ADVICE[column.style](column),
      key,
    ));
  }
  return findings;
}

const WIDE_TABLE_COLUMNS = 8;
const WIDE_TYPE = /^(?:TEXT|text|Json|JSON|JSONB|json|jsonb|Bytes|BLOB|BYTEA|binary|String)$/;

/** `SELECT *` with no LIMIT that reads a whole table, or every column of a wide one. */
export function findSelectStar(file: string, root: AstNode, schema: SchemaInfo): Finding[] {
  const findings: Finding[] = [];
  for (const { text, line } of stringsOf(root)) {
    const match = /\bselect\s+\*\s+from\s+(?:["`]?\w+["`]?\.)?["`]?(\w+)/i.exec(text);
    if (!match || /\blimit\b|\bfetch\s+first\b|\btop\s+\d/i.test(text)) continue;
    const table = match[1]!;
    const columns = schema.columns.filter((c) => normalizeColumn(c.table) === normalizeColumn(table));
    const wide = columns.filter((c) => c.style === 'sql' ? /^(?:TEXT|JSON|JSONB|BLOB|BYTEA)$/.test(c.type) : WIDE_TYPE.test(c.type) && c.style !== 'prisma');
    const unfiltered = !/\bwhere\b/i.test(text);
    if (!unfiltered && columns.length < WIDE_TABLE_COLUMNS && wide.length === 0) continue;
    const why = unfiltered
      ? `reads every column of every row of \`${table}\``
      : `reads all ${columns.length} columns of \`${table}\`${wide.length > 0 ? `, including ${wide.slice(0, 3).map((c) => `\`${c.column}\` (${c.type})`).join(', ')}` : ''}`;
    findings.push(finding(
      'select-star', unfiltered ? 'medium' : 'low', file, line, 1,
      `\`SELECT *\` with no LIMIT ${why}`,
      'Select only the columns the caller uses, and bound the rows (WHERE, LIMIT or pagination).',
      `${line}:${table}`,
    ));
  }
  return findings;
}
