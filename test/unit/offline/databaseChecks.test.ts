import { strict as assert } from 'node:assert';
import {
  columnsFilteredIn, emptySchema, findMissingIndexes, findQueriesInLoops, findSelectStar, readCodeSchema, readPrismaSchema, readSqlSchema,
} from '../../../src/agents/offline/analysis/databaseChecks';
import { parseJavaScript } from '../../../src/agents/offline/analysis/javascriptAst';

function tree(code: string, file = 'src/x.ts') {
  const root = parseJavaScript(code, file);
  assert.ok(root, 'parses');
  return root;
}

const lineOf = (code: string, needle: string): number => code.split('\n').findIndex((line) => line.includes(needle)) + 1;

describe('database checks', () => {
  describe('queries in loops (N+1)', () => {
    it('finds ORM and driver calls inside for…of, forEach and map callbacks, at the call', () => {
      const code = [
        'export async function feed(prisma, db, users) {',
        '  const posts = await prisma.post.findMany();',
        '  for (const post of posts) {',
        '    post.author = await prisma.user.findUnique({ where: { id: post.authorId } });',
        '  }',
        '  users.forEach(async (u) => { await db.query("SELECT * FROM orders WHERE user_id = $1", [u.id]); });',
        '  return Promise.all(posts.map((p) => Comment.findAll({ where: { postId: p.id } })));',
        '}',
      ].join('\n');
      const findings = findQueriesInLoops('src/feed.ts', tree(code));
      assert.deepEqual(findings.map((f) => [f.ruleId, f.line]), [
        ['database/query-in-loop', lineOf(code, 'findUnique')],
        ['database/query-in-loop', lineOf(code, 'db.query')],
        ['database/query-in-loop', lineOf(code, 'Comment.findAll')],
      ]);
      assert.match(findings[0]!.message, /`prisma\.user\.findUnique` runs once per item of the for…of loop at line 3/);
      assert.match(findings[0]!.recommendation, /one query/);
    });

    it('leaves alone a query that feeds the loop, array methods, and functions merely defined in a loop', () => {
      const code = [
        'async function ok(db, items, ids) {',
        '  for (const row of await db.query("SELECT id FROM t")) console.log(row);',
        '  for (const item of items) { const hit = ids.find((id) => id === item.id); const m = new Map(); m.get(hit); }',
        '  const rows = await prisma.user.findMany({ where: { id: { in: ids } } });',
        '  for (const item of items) { const load = () => db.query("x"); item.load = load; }',
        '  return rows;',
        '}',
      ].join('\n');
      assert.deepEqual(findQueriesInLoops('src/ok.ts', tree(code)), []);
    });
  });

  describe('missing indexes', () => {
    it('reports a Prisma field the code filters on with no @@index, at the field, and not the indexed ones', () => {
      const prisma = [
        'model User {',
        '  id        Int      @id @default(autoincrement())',
        '  email     String   @unique',
        '  orgId     Int',
        '  createdAt DateTime @default(now())',
        '  name      String',
        '  @@index([createdAt])',
        '}',
      ].join('\n');
      const schema = emptySchema();
      readPrismaSchema('prisma/schema.prisma', prisma, schema);
      const code = 'export const list = (prisma, orgId) => prisma.user.findMany({ where: { orgId, email: { contains: "@" } }, orderBy: { createdAt: "desc" } });';
      const findings = findMissingIndexes(schema, columnsFilteredIn('src/users.ts', tree(code)));
      assert.deepEqual(findings.map((f) => [f.ruleId, f.file, f.line]), [['database/missing-index', 'prisma/schema.prisma', lineOf(prisma, 'orgId')]]);
      assert.match(findings[0]!.message, /`User\.orgId` is filtered or sorted on \(src\/users\.ts:1\)/);
      assert.match(findings[0]!.recommendation, /@@index\(\[orgId\]\)/);
    });

    it('reads SQL migrations (CREATE INDEX, inline and table constraints) and SQL in code', () => {
      const sql = [
        'CREATE TABLE orders (',
        '  id SERIAL PRIMARY KEY,',
        '  user_id INTEGER NOT NULL,',
        '  status VARCHAR(20),',
        '  reference VARCHAR(40) UNIQUE,',
        '  created_at TIMESTAMP',
        ');',
        'CREATE INDEX idx_orders_created ON orders (created_at);',
      ].join('\n');
      const schema = emptySchema();
      readSqlSchema('migrations/001_orders.sql', sql, schema);
      const code = 'const q = "SELECT id FROM orders WHERE user_id = $1 AND reference = $2 ORDER BY created_at DESC";';
      const findings = findMissingIndexes(schema, columnsFilteredIn('src/orders.js', tree(code, 'src/orders.js')));
      assert.deepEqual(findings.map((f) => [f.file, f.line]), [['migrations/001_orders.sql', lineOf(sql, 'user_id')]]);
      assert.match(findings[0]!.recommendation, /CREATE INDEX idx_orders_user_id ON orders \(user_id\)/);
    });

    it('reads knex and Sequelize migrations and Mongoose schemas, and their indexes', () => {
      const schema = emptySchema();
      readCodeSchema('migrations/1_users.js', tree([
        "exports.up = (knex) => knex.schema.createTable('accounts', (t) => {",
        "  t.increments('id');",
        "  t.string('slug').unique();",
        "  t.integer('owner_id');",
        "  t.string('region').index();",
        '});',
      ].join('\n'), 'migrations/1_users.js'), schema);
      readCodeSchema('migrations/2_tokens.js', tree([
        "module.exports = { up: async (queryInterface, Sequelize) => {",
        "  await queryInterface.createTable('Tokens', { id: { type: Sequelize.INTEGER, primaryKey: true }, value: { type: Sequelize.STRING }, userId: { type: Sequelize.INTEGER } });",
        "  await queryInterface.addIndex('Tokens', ['value']);",
        '} };',
      ].join('\n'), 'migrations/2_tokens.js'), schema);
      readCodeSchema('src/models/session.js', tree("const sessionSchema = new mongoose.Schema({ token: { type: String, index: true }, device: String });", 'src/models/session.js'), schema);
      const code = [
        "knex('accounts').where('owner_id', id).orWhere({ slug, region });",
        'Token.findOne({ where: { value, userId } });',
        'Session.find({ token, device });',
      ].join('\n');
      const findings = findMissingIndexes(schema, columnsFilteredIn('src/q.js', tree(code, 'src/q.js')));
      assert.deepEqual(findings.map((f) => f.message.split(' ')[0]).sort(), ['`Tokens.userId`', '`accounts.owner_id`', '`session.device`']);
    });

    it('reports nothing when every filtered column is indexed or not in any schema', () => {
      const schema = emptySchema();
      readPrismaSchema('schema.prisma', 'model Post {\n  id Int @id\n  slug String @unique\n}', schema);
      assert.deepEqual(findMissingIndexes(schema, columnsFilteredIn('src/p.ts', tree('prisma.post.findFirst({ where: { slug, title } })'))), []);
    });
  });

  describe('SELECT *', () => {
    it('reports SELECT * without LIMIT over a whole table or a wide one, not a bounded or narrow filtered one', () => {
      const schema = emptySchema();
      readSqlSchema('schema.sql', 'CREATE TABLE articles (id INT PRIMARY KEY, title VARCHAR(200), body TEXT);\nCREATE TABLE tags (id INT PRIMARY KEY, name VARCHAR(50));', schema);
      const code = [
        'db.query("SELECT * FROM articles");',
        'db.query(`SELECT * FROM articles WHERE id = ${id}`);',
        'db.query("SELECT * FROM tags WHERE id = $1");',
        'db.query("SELECT * FROM articles LIMIT 20");',
      ].join('\n');
      const findings = findSelectStar('src/a.js', tree(code, 'src/a.js'), schema);
      assert.deepEqual(findings.map((f) => f.line), [1, 2]);
      assert.match(findings[0]!.message, /every column of every row of `articles`/);
      assert.match(findings[1]!.message, /`body` \(TEXT\)/);
    });
  });
});
