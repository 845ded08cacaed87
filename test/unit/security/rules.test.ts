import { strict as assert } from 'node:assert';
import { SecurityScanner } from '../../../src/agents/offline/security/securityScanner';
import type { Finding } from '../../../src/core/protocol/findings';
import { MemoryWorkspace } from './memoryWorkspace';
import { tenantApp } from './tenantFacts';

const TENANT = 'agent-orchestrator/missing-tenant-filter';
const SECRET = 'agent-orchestrator/hardcoded-secret';
const SQL = 'agent-orchestrator/sql-injection';

// The tenant rule's cases run in a multi-tenant app whose routers (these files) are mounted behind authentication.
const scanner = new SecurityScanner(new MemoryWorkspace({}), { facts: tenantApp(['src/routes/example.ts', 'a.js']) });

function findings(source: string, ruleId: string, file = 'src/routes/example.ts'): Finding[] {
  const result = scanner.scanSource(file, source);
  assert.equal(result.parseError, undefined, `unexpected parse error: ${result.parseError}`);
  return result.findings.filter((f) => f.ruleId === ruleId);
}

function fixAll(source: string, file = 'src/routes/example.ts'): string {
  return scanner.fix(file, source).output;
}

describe('missing-tenant-filter', () => {
  it('reports a query by id in an Express handler, at the query, as fixable and high severity', () => {
    const source = [
      "router.get('/users/:id', async (req, res) => {",
      '  const user = await db.user.findFirst({ where: { id: req.params.id } });',
      '  res.json(user);',
      '});',
    ].join('\n');
    const [finding, ...rest] = findings(source, TENANT);
    assert.equal(rest.length, 0);
    assert.ok(finding);
    assert.equal(finding.message, 'Missing organizationId validation: user.findFirst in a request handler has no organizationId filter');
    assert.equal(finding.severity, 'high');
    assert.equal(finding.fixable, true);
    assert.equal(finding.line, 2);
    assert.equal(finding.column, 22);
    assert.match(finding.recommendation, /organizationId/);
  });

  it('fixes by inserting the caller organizationId as the first where property, and the re-scan is clean', () => {
    const source = 'export async function show(req: Request) {\n  return db.invoice.findUnique({ where: { id: req.params.id } });\n}\n';
    const output = fixAll(source);
    assert.equal(
      output,
      'export async function show(req: Request) {\n  return db.invoice.findUnique({ where: { organizationId: req.user.organizationId, id: req.params.id } });\n}\n',
    );
    assert.deepEqual(findings(output, TENANT), []);
  });

  it('uses the handler parameter name it finds: request, any name typed Request, or tRPC ctx', () => {
    assert.match(fixAll('function h(request) { return db.user.findMany({ where: { active: true } }); }', 'a.js'), /where: \{ organizationId: request\.user\.organizationId, active: true \}/);
    assert.match(fixAll('function h(r: express.Request) { return db.user.count({ where: { active: true } }); }'), /organizationId: r\.user\.organizationId, active/);
    assert.match(fixAll('const h = (incoming: AuthenticatedRequest) => db.user.delete({ where: { id: 1 } });'), /organizationId: incoming\.user\.organizationId, id: 1/);
    assert.match(
      fixAll('export const list = protectedProcedure.query(({ ctx, input }) => ctx.db.invoice.findMany({ where: { status: input.status } }));'),
      /where: \{ organizationId: ctx\.session\.organizationId, status: input\.status \}/,
    );
  });

  it('keeps the layout of a multi-line where object and fills an empty one', () => {
    const multi = 'app.patch("/x", async (req, res) => {\n  await db.invoice.update({\n    where: {\n      id: req.params.id,\n    },\n    data: {},\n  });\n});\n';
    assert.equal(
      fixAll(multi, 'a.js'),
      'app.patch("/x", async (req, res) => {\n  await db.invoice.update({\n    where: {\n      organizationId: req.user.organizationId,\n      id: req.params.id,\n    },\n    data: {},\n  });\n});\n',
    );
    assert.match(fixAll('async function h(req) { return db.invoice.deleteMany({ where: {} }); }', 'a.js'), /where: \{ organizationId: req\.user\.organizationId \}/);
  });

  it('also checks non-prisma calls with a where object and queries in closures inside a handler', () => {
    assert.equal(findings('async function h(req) { return repo.find({ where: { id: req.params.id } }); }', TENANT).length, 1);
    const nested = 'async function h(req) { return Promise.all(req.body.ids.map((id) => db.invoice.findFirst({ where: { id } }))); }';
    assert.match(fixAll(nested), /where: \{ organizationId: req\.user\.organizationId, id \}/);
  });

  it('is silent outside request handlers', () => {
    assert.deepEqual(findings('export function byEmail(email: string) { return db.user.findFirst({ where: { email } }); }', TENANT), []);
    assert.deepEqual(findings('const seed = await db.user.findMany({ where: { role: "admin" } });', TENANT), []);
  });

  it('is silent when any tenant key filters the query, however it is written', () => {
    const cases = [
      'db.user.findFirst({ where: { id: req.params.id, organizationId: req.user.organizationId } })',
      'db.user.findFirst({ where: { id, orgId } })',
      'db.user.findFirst({ where: { tenantId: t, id } })',
      'db.user.findFirst({ where: { AND: [{ id }, { organizationId: req.user.organizationId }] } })',
      'db.organization.findFirst({ where: { id: req.user.organizationId } })',
      'db.invoice.findMany({ where: { customer: { organizationId: o } } } as const)',
    ];
    for (const call of cases) assert.deepEqual(findings(`async function h(req: Request) { return ${call}; }`, TENANT), [], call);
  });

  it('reports a where filter built elsewhere with a different, non-fixable message', () => {
    for (const call of ['db.user.findMany({ where: filter })', 'db.user.findMany({ where })', 'db.user.findMany({ where: { ...base, id } })']) {
      const [finding] = findings(`async function h(req) { return ${call}; }`, TENANT);
      assert.ok(finding, call);
      assert.match(finding.message, /^Cannot verify organizationId validation: user\.findMany/);
      assert.equal(finding.fixable, false);
    }
  });

  it('honours custom tenant keys in the check, the message and the fix', () => {
    const custom = new SecurityScanner(new MemoryWorkspace({}), { tenantKeys: ['workspaceId'], facts: tenantApp(['a.js'], {}, ['workspaceId']) });
    const source = 'async function h(req) { return db.doc.findFirst({ where: { id: 1, organizationId: 2 } }); }';
    const [finding] = custom.scanSource('a.js', source).findings;
    assert.equal(finding?.message, 'Missing workspaceId validation: doc.findFirst in a request handler has no workspaceId filter');
    assert.match(custom.fix('a.js', source).output, /where: \{ workspaceId: req\.user\.workspaceId, id: 1/);
    assert.deepEqual(custom.scanSource('a.js', 'async function h(req) { return db.doc.findFirst({ where: { workspaceId: 1 } }); }').findings, []);
  });
});

describe('hardcoded-secret', () => {
  it('reports string secrets in variables, properties, class fields, assignments and env fallbacks', () => {
    const source = [
      "const JWT_SECRET = 'f3a9c1e7b5d2a8c4';",
      "export const config = { apiKey: 'AKIA4QX7ZR2W9PLM' , stripeApiKey: `sk_live_51Habc123` };",
      "class Client { private privateKey = 'MIIEvQIBADANBgkqhkiG'; }",
      "settings.dbPassword = 'Tr0ub4dor&3x';",
      "const sessionSecret = process.env.SESSION_SECRET || 'keyboard-cat-2019';",
    ].join('\n');
    const found = findings(source, SECRET);
    assert.deepEqual(found.map((f) => f.line), [1, 2, 3, 4, 5]);
    assert.ok(found.every((f) => f.severity === 'high' && !f.fixable));
    assert.equal(found[0]?.message, 'Hard-coded secret in "JWT_SECRET": the value (f3a9…[masked]) is committed with the source code');
  });

  it('ignores placeholders, short or env-derived values, non-secret names, sentences and test files', () => {
    const source = [
      "const apiKey = 'your-api-key-here';",
      "const password = 'changeme123';",
      "const token = 'abc';",
      'const secret = process.env.SECRET;',
      "const tokenExpiry = '15minutes';",
      "const passwordHint = 'use a long phrase';",
      "const passwordLabel = 'Password';",
      "const adminPassword = 'Please enter your password';",
      "const tokenEnvVar = 'GITHUB_TOKEN';",
      "const secret = 'xxxxxxxxxxxx';",
    ].join('\n');
    assert.deepEqual(findings(source, SECRET), []);
    assert.deepEqual(findings("const password = 'hunter2hunter2';", SECRET, 'test/login.test.ts'), []);
    assert.equal(findings("const password = 'hunter2hunter2';", SECRET, 'src/login.ts').length, 1);
  });
});

describe('sql-injection', () => {
  it('reports SQL built from templates or concatenation, also through a const', () => {
    const source = [
      'async function a(id) {',
      '  await pool.query(`SELECT * FROM users WHERE id = ${id}`);',
      "  await conn.execute('DELETE FROM t WHERE name = \\'' + id + '\\'');",
      '  await prisma.$queryRawUnsafe(`SELECT * FROM t WHERE x = ${id}`);',
      "  await knex.raw('SELECT ' + id);",
      "  const sql = 'SELECT * FROM t WHERE id = ' + id;",
      '  await pool.query(sql);',
      '}',
    ].join('\n');
    const found = findings(source, SQL, 'a.js');
    assert.deepEqual(found.map((f) => f.line), [2, 3, 4, 5, 7]);
    assert.ok(found.every((f) => f.severity === 'critical' && !f.fixable));
    assert.match(found[0]?.message ?? '', /^SQL injection: query\(\) receives SQL built from a template literal/);
    assert.match(found[1]?.message ?? '', /string concatenation/);
  });

  it('ignores parameterised queries, constant SQL and tagged templates', () => {
    const source = [
      'async function a(id) {',
      "  await pool.query('SELECT * FROM users WHERE id = $1', [id]);",
      '  await pool.query(`SELECT 1`);',
      "  await pool.query('SELECT * ' + 'FROM t');",
      '  await prisma.$queryRaw`SELECT * FROM t WHERE id = ${id}`;',
      '  await pool.query(sql`SELECT * FROM t WHERE id = ${id}`);',
      '  let text = "x" + id; text = "SELECT 1"; await pool.query(text);',
      '}',
    ].join('\n');
    assert.deepEqual(findings(source, SQL, 'a.js'), []);
  });
});
