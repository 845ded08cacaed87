// Access control on realistic small apps: records loaded by a request-supplied id with no ownership check (IDOR)
// for Sequelize, Prisma and Mongoose, and the tenant rule only where the codebase has tenants, only after
// authentication, never on login, registration or password reset, with a fix only when it is provably right.
import { strict as assert } from 'node:assert';
import { SecurityScanner } from '../../../src/agents/offline/security/securityScanner';
import type { Finding } from '../../../src/core/protocol/findings';
import { MemoryWorkspace } from '../security/memoryWorkspace';
import { eventsOfType, findingsBy, removeScratch, runOffline, scratchWorkspace } from './offlineHarness';

const IDOR = 'agent-orchestrator/missing-access-control';
const TENANT = 'agent-orchestrator/missing-tenant-filter';

async function scan(files: Record<string, string>): Promise<Finding[]> {
  const result = await new SecurityScanner(new MemoryWorkspace(files)).scan();
  assert.deepEqual(result.parseErrors, []);
  return result.findings;
}

function at(findings: readonly Finding[], ruleId: string): string[] {
  return findings.filter((f) => f.ruleId === ruleId).map((f) => `${f.file}:${f.line}`);
}

const lines = (...text: string[]): string => `${text.join('\n')}\n`;

const JWT_MIDDLEWARE = lines(
  "const jwt = require('jsonwebtoken');",
  'module.exports = function authenticate(req, res, next) {',
  '  req.user = jwt.verify(String(req.headers.authorization).slice(7), process.env.JWT_SECRET);',
  '  next();',
  '};',
);

// ---- The story: login, registration and password reset -------------------------------------------------

const AUTH_ROUTES = lines(
  "const router = require('express').Router();",
  "router.post('/login', async (req, res) => {",
  '  const user = await db.user.findFirst({ where: { email: req.body.email } });',
  '  res.json(user);',
  '});',
  "router.post('/register', async (req, res) => {",
  '  const existing = await db.user.findFirst({ where: { email: req.body.email } });',
  '  if (existing) return res.status(409).end();',
  '  res.json(await db.user.create({ data: req.body }));',
  '});',
  "router.post('/password/reset', async (req, res) => {",
  '  const user = await db.user.findFirst({ where: { resetToken: req.body.token } });',
  '  await db.user.update({ where: { id: user.id }, data: { password: req.body.password } });',
  '  res.end();',
  '});',
  'module.exports = router;',
);

describe('access control (offline security auditor)', function () {
  this.timeout(120_000);
  afterEach(removeScratch);

  describe('the tenant rule on login, registration and password reset (the issue\'s harmful fix)', () => {
    it('reports nothing and proposes no change in an app without a tenant concept', async () => {
      const files = {
        'prisma/schema.prisma': 'model User {\n  id Int @id\n  email String\n  resetToken String?\n}\n',
        'src/auth.js': AUTH_ROUTES,
        'src/middleware/auth.js': JWT_MIDDLEWARE,
      };
      const findings = await scan(files);
      assert.deepEqual(at(findings, TENANT), []);
      // Through the orchestrator: the implementer has nothing mechanical to apply, so no file is changed.
      const root = scratchWorkspace([], files);
      const { result, events } = await runOffline(root, { apply: false, agents: ['security-auditor', 'backend-api-developer'] });
      assert.equal(result.success, true, result.error);
      assert.deepEqual(at(findingsBy(events, 'security-auditor'), TENANT), []);
      assert.deepEqual(eventsOfType(events, 'change.proposed'), []);
    });

    it('reports nothing and proposes no change in an app with tenants either: nobody is signed in there', async () => {
      const files = {
        'prisma/schema.prisma': 'model User {\n  id Int @id\n  email String\n  resetToken String?\n  organizationId Int\n}\nmodel Invoice {\n  id Int @id\n  organizationId Int\n}\n',
        'src/auth.js': AUTH_ROUTES,
        'src/middleware/auth.js': JWT_MIDDLEWARE,
        'src/invoices.js': lines(
          "const router = require('express').Router();",
          "const authenticate = require('./middleware/auth');",
          "router.get('/invoices/:id', authenticate, async (req, res) => {",
          '  res.json(await db.invoice.findFirst({ where: { id: Number(req.params.id) } }));',
          '});',
          'module.exports = router;',
        ),
      };
      const findings = await scan(files);
      // The signed-in invoice route is reported (and fixable); login, register and reset are not.
      assert.deepEqual(at(findings, TENANT), ['src/invoices.js:4']);
      assert.equal(findings.find((f) => f.ruleId === TENANT)?.fixable, true);
      const root = scratchWorkspace([], files);
      const { result, events } = await runOffline(root, { apply: false, agents: ['security-auditor', 'backend-api-developer'] });
      assert.equal(result.success, true, result.error);
      const changes = eventsOfType(events, 'change.proposed');
      assert.deepEqual(changes.map((c) => c.payload.file), ['src/invoices.js']);
    });
  });

  describe('the tenant rule elsewhere', () => {
    const SCHEMA = 'model Invoice {\n  id Int @id\n  organizationId Int\n}\nmodel Plan {\n  id Int @id\n  name String\n}\n';

    it('is silent on a handler that does not run after authentication and does not use req.user', async () => {
      const findings = await scan({
        'prisma/schema.prisma': SCHEMA,
        'src/middleware/auth.js': JWT_MIDDLEWARE,
        'src/public.js': "app.get('/invoices/:id', async (req, res) => res.json(await db.invoice.findFirst({ where: { id: req.params.id } })));\n",
      });
      assert.deepEqual(at(findings, TENANT), []);
    });

    it('is silent on a model whose table has no tenant column', async () => {
      const findings = await scan({
        'prisma/schema.prisma': SCHEMA,
        'src/plans.js': "app.get('/plans/:id', authenticate, async (req, res) => res.json(await db.plan.findFirst({ where: { id: req.params.id }, select: { name: req.user.locale } })));\n",
      });
      assert.deepEqual(at(findings, TENANT), []);
    });

    it('reports without a change, saying it needs a model or a person, when req.user is not established on the route', async () => {
      // Authenticated by a session, not by a middleware that sets req.user: inserting req.user.organizationId would crash.
      const app = lines(
        "const session = require('express-session');",
        "app.get('/invoices/:id', async (req, res) => {",
        '  if (!req.session.userId) return res.sendStatus(401);',
        '  res.json(await db.invoice.findFirst({ where: { id: req.params.id } }));',
        '});',
      );
      const scanner = new SecurityScanner(new MemoryWorkspace({ 'prisma/schema.prisma': SCHEMA, 'src/app.js': app }));
      const findings = (await scanner.scan()).findings;
      const [finding, ...rest] = findings.filter((f) => f.ruleId === TENANT);
      assert.equal(rest.length, 0);
      assert.ok(finding);
      assert.equal(finding.fixable, false);
      assert.match(finding.manualFixReason ?? '', /nothing on this route establishes req\.user/);
      assert.equal(scanner.fix('src/app.js', app).output, app);
    });

    it('reports without a change when the queried model cannot be found', async () => {
      const findings = await scan({
        'prisma/schema.prisma': SCHEMA,
        'src/app.js': "app.get('/reports/:id', authenticate, async (req, res) => res.json(await reports.findOne({ where: { id: req.params.id, author: req.user.name } })));\n",
      });
      const finding = findings.find((f) => f.ruleId === TENANT);
      assert.ok(finding);
      assert.equal(finding.fixable, false);
      assert.match(finding.manualFixReason ?? '', /no model, schema or migration for "reports"/);
    });
  });

  // ---- IDOR --------------------------------------------------------------------------------------------------

  describe('missing access control (IDOR)', () => {
    const SEQUELIZE_MODELS = {
      'src/models/order.js': "module.exports = (sequelize, DataTypes) => sequelize.define('Order', {\n  total: DataTypes.DECIMAL,\n  userId: { type: DataTypes.INTEGER, allowNull: false },\n});\n",
      'src/models/product.js': "module.exports = (sequelize, DataTypes) => sequelize.define('Product', {\n  name: DataTypes.STRING,\n  price: DataTypes.DECIMAL,\n});\n",
      'src/middleware/auth.js': JWT_MIDDLEWARE,
    };

    it('Sequelize: reports findByPk, update and destroy by req.params.id with no owner check', async () => {
      const findings = await scan({
        ...SEQUELIZE_MODELS,
        'src/routes/orders.js': lines(
          "const router = require('express').Router();",
          "const authenticate = require('../middleware/auth');",
          "router.get('/:id', authenticate, async (req, res) => {",
          '  res.json(await Order.findByPk(req.params.id));',
          '});',
          "router.put('/:id', authenticate, async (req, res) => {",
          '  await Order.update({ total: req.body.total }, { where: { id: req.params.id } });',
          '  res.sendStatus(204);',
          '});',
          "router.delete('/:id', authenticate, async (req, res) => {",
          '  const { id } = req.params;',
          '  await Order.destroy({ where: { id } });',
          '  res.sendStatus(204);',
          '});',
          'module.exports = router;',
        ),
      });
      assert.deepEqual(at(findings, IDOR), ['src/routes/orders.js:4', 'src/routes/orders.js:7', 'src/routes/orders.js:12']);
      const finding = findings.find((f) => f.ruleId === IDOR);
      assert.equal(finding?.severity, 'high');
      assert.equal(finding?.fixable, false);
      assert.match(finding?.message ?? '', /^Missing access control: Order\.findByPk\(\)/);
      assert.match(finding?.manualFixReason ?? '', /owner or permission check/);
    });

    it('Sequelize: silent when the query filters by the user, the handler compares the owner, or a middleware authorizes', async () => {
      const findings = await scan({
        ...SEQUELIZE_MODELS,
        'src/routes/orders.js': lines(
          "const router = require('express').Router();",
          "const authenticate = require('../middleware/auth');",
          "router.get('/a/:id', authenticate, async (req, res) => {",
          '  res.json(await Order.findOne({ where: { id: req.params.id, userId: req.user.id } }));',
          '});',
          "router.get('/b/:id', authenticate, async (req, res) => {",
          '  const order = await Order.findByPk(req.params.id);',
          '  if (!order || order.userId !== req.user.id) return res.sendStatus(404);',
          '  res.json(order);',
          '});',
          "router.delete('/c/:id', authenticate, requireRole('admin'), async (req, res) => {",
          '  await Order.destroy({ where: { id: req.params.id } });',
          '});',
          "router.get('/d/:id', authenticate, checkOwnership(Order), async (req, res) => {",
          '  res.json(await Order.findByPk(req.params.id));',
          '});',
          'module.exports = router;',
        ),
      });
      assert.deepEqual(at(findings, IDOR), []);
    });

    it('is silent on a public catalogue: a model with no owner, and an app with no authentication at all', async () => {
      const catalogue = lines("app.get('/products/:id', async (req, res) => {", '  res.json(await Product.findByPk(req.params.id));', '});');
      assert.deepEqual(at(await scan({ ...SEQUELIZE_MODELS, 'src/catalogue.js': catalogue }), IDOR), []);
      const noAuth = {
        'src/models/order.js': SEQUELIZE_MODELS['src/models/order.js'],
        'src/orders.js': lines("app.get('/orders/:id', async (req, res) => {", '  res.json(await Order.findByPk(req.params.id));', '});'),
      };
      assert.deepEqual(at(await scan(noAuth), IDOR), []);
    });

    it('leaves a public read of an owned record alone, but reports changing it by id', async () => {
      const findings = await scan({
        'models/thread.js': "const mongoose = require('mongoose');\nconst threadSchema = new mongoose.Schema({ title: String, author: { type: mongoose.Schema.Types.ObjectId, ref: 'User' } });\nmodule.exports = mongoose.model('Thread', threadSchema);\n",
        'middleware/auth.js': JWT_MIDDLEWARE,
        'routes/threads.js': lines(
          "router.get('/threads/:id', async (req, res) => res.render('thread', { thread: await Thread.findById(req.params.id) }));",
          "router.post('/threads/:id/delete', async (req, res) => { await Thread.findByIdAndDelete(req.params.id); res.redirect('/'); });",
        ),
      });
      assert.deepEqual(at(findings, IDOR), ['routes/threads.js:2']);
    });

    const PRISMA = 'model User {\n  id Int @id\n  email String\n}\nmodel Document {\n  id Int @id\n  ownerId Int\n  body String\n}\n';

    it('Prisma: reports findUnique, update and delete by an id from params, query or body', async () => {
      const findings = await scan({
        'prisma/schema.prisma': PRISMA,
        'src/middleware/auth.js': JWT_MIDDLEWARE,
        'src/documents.ts': lines(
          "import { Router, type Request, type Response } from 'express';",
          'export const documents = Router();',
          "documents.get('/documents/:id', authenticate, async (req: Request, res: Response) => {",
          '  res.json(await prisma.document.findUnique({ where: { id: Number(req.params.id) } }));',
          '});',
          "documents.patch('/documents', authenticate, async (req: Request, res: Response) => {",
          '  const documentId = parseInt(req.body.documentId, 10);',
          '  res.json(await prisma.document.update({ where: { id: documentId }, data: { body: req.body.body } }));',
          '});',
          "documents.delete('/documents', authenticate, async (req: Request, res: Response) => {",
          '  await prisma.document.delete({ where: { id: Number(req.query.id) } });',
          '  res.end();',
          '});',
        ),
      });
      assert.deepEqual(at(findings, IDOR), ['src/documents.ts:4', 'src/documents.ts:8', 'src/documents.ts:11']);
    });

    it('Prisma: silent when the where filter holds the owner', async () => {
      const findings = await scan({
        'prisma/schema.prisma': PRISMA,
        'src/middleware/auth.js': JWT_MIDDLEWARE,
        'src/documents.ts': lines(
          "documents.get('/documents/:id', authenticate, async (req: Request, res: Response) => {",
          '  res.json(await prisma.document.findFirst({ where: { id: Number(req.params.id), ownerId: req.user.id } }));',
          '});',
        ),
      });
      assert.deepEqual(at(findings, IDOR), []);
    });

    const MONGOOSE = lines(
      "const mongoose = require('mongoose');",
      'const noteSchema = new mongoose.Schema({',
      '  title: String,',
      "  owner: { type: mongoose.Schema.Types.ObjectId, ref: 'User' },",
      '});',
      "module.exports = mongoose.model('Note', noteSchema);",
    );

    it('Mongoose and the MongoDB driver: reports findById, findOne({ _id }), findByIdAndUpdate and deleteOne', async () => {
      const findings = await scan({
        'models/note.js': MONGOOSE,
        'app.js': lines(
          "const passport = require('passport');",
          "app.get('/notes/:id', passport.authenticate('jwt', { session: false }), async (req, res) => {",
          '  res.json(await Note.findById(req.params.id));',
          '});',
          "app.get('/notes/:id/raw', passport.authenticate('jwt', { session: false }), async (req, res) => {",
          "  res.json(await db.collection('notes').findOne({ _id: new ObjectId(req.params.id) }));",
          '});',
          "app.put('/notes/:id', passport.authenticate('jwt', { session: false }), async (req, res) => {",
          '  res.json(await Note.findByIdAndUpdate(req.params.id, { title: req.body.title }));',
          '});',
          "app.delete('/notes/:id', passport.authenticate('jwt', { session: false }), async (req, res) => {",
          '  await Note.deleteOne({ _id: req.params.id });',
          '  res.end();',
          '});',
        ),
      });
      assert.deepEqual(at(findings, IDOR), ['app.js:3', 'app.js:6', 'app.js:9', 'app.js:12']);
    });

    it('Mongoose: silent when the filter holds the owner or the handler compares it with .equals', async () => {
      const findings = await scan({
        'models/note.js': MONGOOSE,
        'app.js': lines(
          "const passport = require('passport');",
          "app.get('/notes/:id', passport.authenticate('jwt'), async (req, res) => {",
          '  res.json(await Note.findOne({ _id: req.params.id, owner: req.user._id }));',
          '});',
          "app.delete('/notes/:id', passport.authenticate('jwt'), async (req, res) => {",
          '  const note = await Note.findById(req.params.id);',
          '  if (!note.owner.equals(req.user._id)) return res.sendStatus(403);',
          '  await note.deleteOne();',
          '});',
        ),
      });
      assert.deepEqual(at(findings, IDOR), []);
    });

    it('follows a router mounted behind authentication in another file, and raw SQL by id', async () => {
      const findings = await scan({
        'src/middleware/auth.js': JWT_MIDDLEWARE,
        'src/app.js': lines(
          "const express = require('express');",
          "const authenticate = require('./middleware/auth');",
          "const accounts = require('./routes/accounts');",
          'const app = express();',
          "app.use('/accounts', authenticate, accounts);",
        ),
        'src/routes/accounts.js': lines(
          "const router = require('express').Router();",
          "router.get('/:id', async (req, res) => {",
          "  const [rows] = await pool.query('SELECT * FROM statements WHERE id = ?', [req.params.id]);",
          '  res.json(rows);',
          '});',
          "router.get('/mine/:id', async (req, res) => {",
          "  const [rows] = await pool.query('SELECT * FROM statements WHERE id = ? AND user_id = ?', [req.params.id, req.user.id]);",
          '  res.json(rows);',
          '});',
          'module.exports = router;',
        ),
      });
      assert.deepEqual(at(findings, IDOR), ['src/routes/accounts.js:3']);
    });

    it('reports a data-access object called with an id from the request, unless the caller is passed too', async () => {
      const findings = await scan({
        'src/middleware/auth.js': JWT_MIDDLEWARE,
        'src/server.js': lines(
          "const express = require('express');",
          "const authenticate = require('./middleware/auth');",
          "const statements = require('./controllers/statements');",
          'const app = express();',
          "app.get('/statements/:accountId', authenticate, statements.list);",
          "app.post('/statements/:statementId/archive', authenticate, statements.archive);",
          "app.get('/statements/:accountId/mine', authenticate, statements.mine);",
        ),
        'src/controllers/statements.js': lines(
          "const { StatementRepository } = require('../data/statementRepository');",
          'const statementRepository = new StatementRepository();',
          'exports.list = async function list(req, res) {',
          '  res.json(await statementRepository.findForAccount(req.params.accountId));',
          '};',
          'exports.archive = async function archive(req, res) {',
          '  const { statementId } = req.params;',
          '  await statementRepository.archiveStatement(statementId);',
          '  res.status(204).end();',
          '};',
          'exports.mine = async function mine(req, res) {',
          '  res.json(await statementRepository.findForAccount(req.params.accountId, req.user.id));',
          '};',
        ),
      });
      assert.deepEqual(at(findings, IDOR), ['src/controllers/statements.js:4', 'src/controllers/statements.js:8']);
      assert.match(findings.find((f) => f.ruleId === IDOR)?.message ?? '', /statementRepository\.findForAccount\(\)/);
    });

    it('reports a Next.js admin route handler that runs queries with no authentication, and not one that checks the session', async () => {
      const signIn = lines(
        "import NextAuth from 'next-auth';",
        'export const { auth, handlers } = NextAuth({ providers: [] });',
      );
      const findings = await scan({
        'src/lib/auth.ts': signIn,
        'src/app/api/admin/invoices/route.ts': lines(
          "import { db } from '@/lib/db';",
          'export async function DELETE(request: Request) {',
          '  const { before } = await request.json();',
          '  await db.invoice.deleteMany({ where: { issuedAt: { lt: new Date(before) } } });',
          '  return new Response(null, { status: 204 });',
          '}',
          'export const GET = async () => Response.json(await db.invoice.findMany({ take: 100 }));',
        ),
        'src/app/api/admin/audit/route.ts': lines(
          "import { auth } from '@/lib/auth';",
          "import { db } from '@/lib/db';",
          'export async function GET() {',
          '  const session = await auth();',
          "  if (session?.user?.role !== 'admin') return new Response('Forbidden', { status: 403 });",
          '  return Response.json(await db.auditEntry.findMany());',
          '}',
        ),
        'src/app/api/admin/exports/route.ts': lines(
          "import { verifyAdminSession } from '@/lib/guards';",
          "import { db } from '@/lib/db';",
          'export async function POST(request: Request) {',
          '  await verifyAdminSession(request);',
          '  return Response.json(await db.export.findMany());',
          '}',
        ),
        'src/app/api/reports/route.ts': lines("import { db } from '@/lib/db';", 'export async function GET() {', '  return Response.json(await db.report.findMany({ where: { published: true } }));', '}'),
      });
      assert.deepEqual(at(findings, IDOR), ['src/app/api/admin/invoices/route.ts:4', 'src/app/api/admin/invoices/route.ts:7']);
      assert.match(findings.find((f) => f.ruleId === IDOR)?.message ?? '', /admin route runs invoice\.deleteMany\(\) with no authentication/);
    });

    it('leaves Next.js admin routes to an authenticating middleware file, which may guard any path', async () => {
      const findings = await scan({
        'middleware.ts': lines("export { auth as middleware } from './lib/auth';", "export const config = { matcher: ['/api/admin/:path*'] };"),
        'lib/auth.ts': lines("import NextAuth from 'next-auth';", 'export const { auth } = NextAuth({ providers: [] });'),
        'app/api/admin/invoices/route.ts': lines("import { db } from '@/lib/db';", 'export async function GET() {', '  return Response.json(await db.invoice.findMany());', '}'),
      });
      assert.deepEqual(at(findings, IDOR), []);
    });
  });
});
