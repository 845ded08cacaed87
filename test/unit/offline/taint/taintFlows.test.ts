// How values are followed from source to sink, and how the source-to-sink findings sit with the generic plugin rules.
// All through the real scanner, so the rule wiring (plugin, config, catalog, de-duplication) is part of each test.
import { strict as assert } from 'node:assert';
import { SecurityScanner } from '../../../../src/agents/offline/security/securityScanner';
import type { Finding } from '../../../../src/core/protocol/findings';
import { MemoryWorkspace } from '../../security/memoryWorkspace';

const scanner = new SecurityScanner(new MemoryWorkspace({}));

function scan(lines: string[], file = 'src/routes/app.js'): Finding[] {
  const result = scanner.scanSource(file, lines.join('\n'));
  assert.equal(result.parseError, undefined, result.parseError);
  return result.findings;
}

function rule(findings: Finding[], ruleId: string): string[] {
  return findings.filter((f) => f.ruleId === ruleId).map((f) => `${f.line}: ${f.message}`);
}

describe('taint propagation', () => {
  it('follows SQL built into a var or a let, appended with +=, or reassigned, which the const-only rule missed', () => {
    const findings = scan([
      "app.get('/a', async (req, res) => {",
      "  var byVar = 'SELECT * FROM t WHERE a = ' + req.query.a;",
      '  await db.query(byVar);',
      "  let byLet = 'SELECT * FROM t WHERE b = ';",
      '  byLet += req.query.b;',
      '  await db.query(byLet);',
      '  let later;',
      "  later = 'SELECT * FROM t WHERE c = ' + req.query.c;",
      '  await db.query(later);',
      '});',
    ]);
    assert.deepEqual(rule(findings, 'agent-orchestrator/sql-injection').map((l) => l.split(':')[0]), ['3', '6', '9']);
    assert.match(rule(findings, 'agent-orchestrator/sql-injection')[1] ?? '', /req\.query\.b \(line 5\) flows into db\.query\(\) at line 6/);
  });

  it('lets the last unconditional assignment win, but keeps a tainted value assigned in a branch', () => {
    const findings = scan([
      "app.get('/a', async (req, res) => {",
      "  let overwritten = 'SELECT * FROM t WHERE a = ' + req.query.a;",
      "  overwritten = 'SELECT 1';",
      '  await db.query(overwritten);',
      "  let branch = 'SELECT 1';",
      "  if (req.query.admin) branch = 'SELECT * FROM t WHERE b = ' + req.query.b;",
      '  await db.query(branch);',
      '});',
    ]);
    assert.deepEqual(rule(findings, 'agent-orchestrator/sql-injection').map((l) => l.split(':')[0]), ['7']);
  });

  it('follows destructuring, object literals, string methods and array joins', () => {
    const findings = scan([
      "app.post('/a', async (req, res) => {",
      '  const { body: { profile: { site } } } = req;',
      '  await fetch(site.trim());',
      '  const parts = [req.query.host, "/status"];',
      "  await fetch('http://' + parts.join(''));",
      "  const options = { url: req.body.callback.toLowerCase().replace(/ /g, '') };",
      '  await fetch(options.url);',
      '});',
    ]);
    assert.deepEqual(rule(findings, 'agent-orchestrator/ssrf').map((l) => l.split(':')[0]), ['3', '5', '7']);
    assert.match(rule(findings, 'agent-orchestrator/ssrf')[0] ?? '', /req\.body\.profile\.site \(line 2\)/);
  });

  it('follows a value through helper functions of the same file, in and out, and stops at a sanitising helper', () => {
    const findings = scan([
      "const { exec } = require('child_process');",
      'function quoteless(value) { return value.trim(); }',
      'function toNumber(value) { return parseInt(value, 10); }',
      'function runTool(args) { return exec("tool " + args); }',
      'function viaTwoHelpers(x) { return runTool(x); }',
      "app.get('/a', (req, res) => {",
      '  runTool(quoteless(req.query.args));',
      '  runTool(toNumber(req.query.count));',
      '  viaTwoHelpers(req.params.name);',
      "  runTool('--version');",
      '});',
    ]);
    const command = rule(findings, 'agent-orchestrator/command-injection');
    assert.equal(command.length, 1, command.join('\n'));
    assert.match(command[0] ?? '', /^4: Command injection: req\.query\.args \(line 7\) flows through quoteless\(\), runTool\(\) at line 7 into exec\(\) at line 4$/);
  });

  it('does not treat session data, numbers or an unrelated value as user input', () => {
    const findings = scan([
      "const { exec } = require('child_process');",
      "app.get('/a', async (req, res) => {",
      '  await db.query(`SELECT * FROM t WHERE owner = ${req.user.id}`);',
      '  await db.query(`SELECT * FROM t LIMIT ${req.query.limit.length}`);',
      '  await db.query(`SELECT * FROM t WHERE ok = ${req.query.a === "1"}`);',
      '  exec(`echo ${process.env.HOME}`);',
      '  res.redirect(req.session.returnTo);',
      '});',
    ]);
    assert.deepEqual(findings.filter((f) => f.ruleId.startsWith('agent-orchestrator/')), []);
  });

  it('reports SQL text pasted from a parameter when the function is only called from other files', () => {
    const findings = scan(['export async function byName(name) {', "  return db.query('SELECT * FROM users WHERE name = ' + name);", '}']);
    assert.deepEqual(rule(findings, 'agent-orchestrator/sql-injection'), [
      "2: SQL injection: query() receives SQL built from string concatenation: name, a parameter of byName() whose callers are outside this file, is pasted into the query text at line 2",
    ]);
  });
});

describe('propagation gaps and guards found on the corpus, in other shapes', () => {
  it('follows a variable extended with itself on the right (`q = q + more`), not only with +=', () => {
    const findings = scan([
      "router.put('/items', function (req, res) {",
      '  let statement = "UPDATE items SET label = \'" + req.body.label + "\'";',
      "  statement = statement + ' WHERE sku = 7';",
      "  statement = 'BEGIN; ' + statement;",
      '  conn.execute(statement);',
      '});',
    ]);
    assert.deepEqual(rule(findings, 'agent-orchestrator/sql-injection').map((l) => l.split(':')[0]), ['5']);
  });

  it('keeps the destructured value beside a default: `{ order = "asc" } = req.query` can still be anything', () => {
    const findings = scan([
      "server.get('/rows', async (request, reply) => {",
      "  const { column = 'created', limit = 20 } = request.query;",
      '  return knexClient.raw(`SELECT * FROM rows ORDER BY ${column} LIMIT ${Number(limit)}`);',
      '});',
      "server.get('/safe', async (request, reply) => {",
      "  let column = request.query.column;",
      "  column = 'created';",
      '  return knexClient.raw(`SELECT * FROM rows ORDER BY ${column}`);',
      '});',
    ]);
    assert.deepEqual(rule(findings, 'agent-orchestrator/sql-injection').map((l) => l.split(':')[0]), ['3']);
  });

  it('treats the checked branch of a ternary as safe: an allow-list pick, a pattern test, negated or not', () => {
    const findings = scan([
      "const LOCALES = ['en', 'de'];",
      'const LOCAL_PATH = /^\\/[a-z]+$/;',
      "app.get('/t', (req, res) => {",
      "  const locale = LOCALES.includes(req.query.lang) ? req.query.lang : 'en';",
      "  res.sendFile(path.join('/srv/strings', locale + '.json'));",
      "  res.redirect(!LOCAL_PATH.test(req.query.back) ? '/' : req.query.back);",
      "  res.redirect(req.query.site.includes('shop.example') ? req.query.site : '/');",
      "  res.redirect(LOCAL_PATH.test(req.query.a) ? req.query.b : '/');",
      '});',
    ]);
    assert.deepEqual(findings.filter((f) => f.ruleId.startsWith('agent-orchestrator/')).map((f) => `${f.line} ${f.ruleId}`), [
      // A substring check is no allow-list, and a check of one value says nothing about another.
      '7 agent-orchestrator/open-redirect',
      '8 agent-orchestrator/open-redirect',
    ]);
  });

  it('trusts a URL whose parsed host was checked before the request, also when the check ends with ctx.throw', () => {
    const findings = scan([
      "const got = require('got');",
      "const TRUSTED = ['cdn.example.org'];",
      "router.post('/mirror', async (ctx) => {",
      '  const source = new URL(ctx.request.body.source);',
      "  if (!TRUSTED.includes(source.host)) ctx.throw(422, 'untrusted host');",
      '  ctx.body = await got(source.href).text();',
      '});',
      "router.post('/open', async (ctx) => {",
      '  const source = new URL(ctx.request.body.source);',
      '  ctx.body = await got(source.href).text();',
      '});',
    ]);
    assert.deepEqual(rule(findings, 'agent-orchestrator/ssrf').map((l) => l.split(':')[0]), ['10']);
  });

  it('does not take a lookup in a map the file built for the key it was given', () => {
    const findings = scan([
      "const ORDERINGS = new Map([['newest', 'posted_at DESC'], ['oldest', 'posted_at ASC']]);",
      "app.get('/posts', async (req, res) => {",
      "  const ordering = ORDERINGS.get(String(req.query.order)) ?? 'posted_at DESC';",
      '  res.json(await sql.query(`SELECT id FROM posts ORDER BY ${ordering}`));',
      '});',
    ]);
    assert.deepEqual(rule(findings, 'agent-orchestrator/sql-injection'), []);
  });

  it('leaves a pass-through query wrapper to its callers, but reports SQL or $where text built from a parameter', () => {
    const findings = scan([
      'export const run = (statement, values) => connection.query(statement, values);',
      'export function Ledger(col) {',
      '  this.above = function (limit) {',
      "    return col.find({ $where: 'this.total > ' + limit });",
      '  };',
      '}',
    ], 'src/data/ledger.js');
    assert.deepEqual(findings.filter((f) => f.ruleId.startsWith('agent-orchestrator/')).map((f) => `${f.line} ${f.ruleId}`), ['4 agent-orchestrator/nosql-injection']);
    assert.match(findings[0]?.message ?? '', /limit, a parameter of above\(\) whose callers are outside this file/);
  });

  it('reports a component prop rendered through dangerouslySetInnerHTML unless it is sanitised', () => {
    const findings = scan([
      'export const Bio = (props: { html: string }) => <section dangerouslySetInnerHTML={{ __html: props.html }} />;',
      'export function CleanBio({ html }: { html: string }) {',
      '  return <section dangerouslySetInnerHTML={{ __html: DOMPurify.sanitize(html) }} />;',
      '}',
      "export const Fixed = () => <i dangerouslySetInnerHTML={{ __html: '&nbsp;' }} />;",
    ], 'src/components/Bio.tsx');
    assert.deepEqual(rule(findings, 'agent-orchestrator/xss').map((l) => l.split(':')[0]), ['1']);
  });

  it('does not read Sequelize column values (`update(values, { where })`) as a MongoDB filter', () => {
    const findings = scan([
      "app.patch('/cards/:id', async (req, res) => {",
      '  await Card.update({ title: req.body.title }, { where: { id: req.params.id, ownerId: req.user.id } });',
      '  await cards.updateOne({ owner: req.body.owner }, { $set: { seen: true } });',
      '});',
    ]);
    assert.deepEqual(rule(findings, 'agent-orchestrator/nosql-injection').map((l) => l.split(':')[0]), ['3']);
  });

  it('treats what a server at a client-chosen URL sends back as the client\'s, once the response is HTML', () => {
    const findings = scan([
      "const request = require('request');",
      "app.get('/proxy', (req, res) => {",
      '  request({ uri: req.query.page }, (error, upstream, html) => {',
      "    res.set('Content-Type', 'text/html');",
      '    res.end(html);',
      '  });',
      '});',
      "app.get('/weather', (req, res) => {",
      "  request('https://api.weather.example/v1?city=' + encodeURIComponent(req.query.city), (error, upstream, html) => {",
      "    res.type('html');",
      '    res.end(html);',
      '  });',
      '});',
      "app.get('/raw', (req, res) => {",
      '  request(req.query.page, (error, upstream, body) => res.end(body));',
      '});',
    ]);
    assert.deepEqual(rule(findings, 'agent-orchestrator/xss').map((l) => l.split(':')[0]), ['5']);
    assert.match(rule(findings, 'agent-orchestrator/xss')[0] ?? '', /the response of request\(\) to req\.query\.page/);
  });

  it('reports require() of a request-chosen module, and not a config loader that requires by environment', () => {
    const findings = scan([
      "const stage = process.env.APP_STAGE || 'local';",
      "const settings = require(`./settings/${stage}.json`);",
      "app.get('/widgets/:kind', (req, res) => res.json(require('./widgets/' + req.params.kind).describe(settings)));",
    ]);
    assert.deepEqual(findings.map((f) => `${f.line} ${f.ruleId}`), ['3 agent-orchestrator/code-injection']);
  });
});

describe('source-to-sink findings next to the generic plugins', () => {
  it('reports one finding per problem: the command-injection flow replaces detect-child-process on its line', () => {
    const findings = scan([
      "const { exec } = require('child_process');",
      "app.get('/a', (req, res) => exec('ping ' + req.query.host));",
      'function maintenance(cmd) { exec(cmd); }',
      "app.get('/b', (req, res) => eval(req.body.code));",
    ]);
    const lines = findings.map((f) => `${f.line} ${f.ruleId}`);
    assert.deepEqual(lines, [
      '2 agent-orchestrator/command-injection',
      // Not user input that we can see: the generic rule still asks for a look.
      '3 security/detect-child-process',
      '4 agent-orchestrator/code-injection',
    ]);
  });

  it('no longer reports every fs call with a variable path, only paths that come from a request', () => {
    const findings = scan([
      "const fs = require('fs');",
      'function load(configPath) { return fs.readFileSync(configPath, "utf8"); }',
      "app.get('/a', (req, res) => res.send(fs.readFileSync(req.query.file)));",
    ]);
    assert.deepEqual(findings.map((f) => `${f.line} ${f.ruleId}`), ['3 agent-orchestrator/path-traversal']);
  });

  it('reports DOM sinks in front-end code through eslint-plugin-no-unsanitized', () => {
    const findings = scan([
      "const message = new URLSearchParams(location.search).get('m');",
      "document.querySelector('#out').innerHTML = message;",
      "document.querySelector('#list').insertAdjacentHTML('beforeend', message);",
      "document.querySelector('#ok').textContent = message;",
    ], 'web/app.js');
    assert.deepEqual(findings.map((f) => `${f.line} ${f.ruleId} ${f.severity}`), ['2 no-unsanitized/property high', '3 no-unsanitized/method high']);
  });

  it('judges js-yaml load() by the workspace js-yaml version in package.json', async () => {
    const source = "const yaml = require('js-yaml');\napp.post('/a', (req, res) => res.json(yaml.load(req.body.doc)));\n";
    const scanWith = async (manifest: string | undefined): Promise<string[]> => {
      const files: Record<string, string> = { 'src/app.js': source };
      if (manifest !== undefined) files['package.json'] = manifest;
      const result = await new SecurityScanner(new MemoryWorkspace(files)).scan();
      return result.findings.filter((f) => f.ruleId === 'agent-orchestrator/insecure-deserialization').map((f) => f.message);
    };
    assert.equal((await scanWith(JSON.stringify({ dependencies: { 'js-yaml': '^3.13.1' } }))).length, 1);
    assert.equal((await scanWith(undefined)).length, 1);
    assert.deepEqual(await scanWith(JSON.stringify({ dependencies: { 'js-yaml': '^4.1.0' } })), []);
  });
});
