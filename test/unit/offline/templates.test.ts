// Template XSS: raw output in EJS, Handlebars/Mustache, Pug and Nunjucks/Swig views, judged against what the render
// calls fill the variables with, and escaping switched off in code or in a template.
import { strict as assert } from 'node:assert';
import { SecurityScanner } from '../../../src/agents/offline/security/securityScanner';
import type { Finding } from '../../../src/core/protocol/findings';
import { MemoryWorkspace } from '../security/memoryWorkspace';

const XSS = 'agent-orchestrator/xss';

async function scanWorkspace(files: Record<string, string>): Promise<Finding[]> {
  const result = await new SecurityScanner(new MemoryWorkspace(files)).scan();
  assert.deepEqual(result.parseErrors, []);
  return result.findings.filter((finding) => finding.ruleId === XSS);
}

function at(findings: Finding[]): string[] {
  return findings.map((finding) => `${finding.file}:${finding.line}:${finding.severity}`);
}

const ROUTES = [
  "const express = require('express');",
  'const router = express.Router();',
  "router.get('/search', (req, res) => {",
  '  const term = req.query.q;',
  "  res.render('app/products', { output: { searchTerm: term, products: [] }, title: 'Products', banner: '<b>Sale</b>' });",
  '});',
  'module.exports = router;',
].join('\n');

describe('template XSS', () => {
  describe('EJS', () => {
    const view = [
      '<%- include("partials/header") %>',
      '<h1><%= title %></h1>',
      '<p>Results for <%- output.searchTerm %></p>',
      '<% output.products.forEach(function (p) { %>',
      '  <li><%- p.name %></li>',
      '<% }) %>',
      '<%- banner %>',
      '<%- body %>',
    ].join('\n');

    it('reports raw output of request data high, at the template\'s own line, naming the construct', async () => {
      const findings = await scanWorkspace({ 'routes/app.js': ROUTES, 'views/app/products.ejs': view });
      const high = findings.filter((finding) => finding.severity === 'high');
      assert.deepEqual(at(high), ['views/app/products.ejs:3:high']);
      assert.match(high[0]?.message ?? '', /EJS <%- %>/);
      assert.match(high[0]?.message ?? '', /output\.searchTerm/);
      assert.match(high[0]?.message ?? '', /routes\/app\.js:5/);
    });

    it('stays silent on includes, a layout\'s body, escaped output and a value every render call sets to a literal', async () => {
      const findings = await scanWorkspace({ 'routes/app.js': ROUTES, 'views/app/products.ejs': view });
      const lines = findings.map((finding) => finding.line);
      for (const silent of [1, 2, 7, 8]) assert.ok(!lines.includes(silent), `line ${silent} is safe: ${at(findings).join(', ')}`);
    });

    it('reports raw output of a variable whose origin is not traced at a lower severity', async () => {
      const findings = await scanWorkspace({ 'routes/app.js': ROUTES, 'views/app/products.ejs': view });
      assert.deepEqual(at(findings.filter((finding) => finding.line === 5)), ['views/app/products.ejs:5:medium']);
    });

    it('follows `var`, `let` and reassignment from the request to the render call (ctx.render too)', async () => {
      const koa = [
        'router.get("/hello", async (ctx) => {',
        '  let who;',
        '  who = ctx.query.name;',
        "  await ctx.render('hello', { who });",
        '});',
      ].join('\n');
      const findings = await scanWorkspace({ 'src/routes.ts': koa, 'views/hello.ejs': '<p>Hello <%- who %></p>' });
      assert.deepEqual(at(findings), ['views/hello.ejs:1:high']);
    });
  });

  describe('Handlebars and Mustache', () => {
    it('reports {{{ }}} and {{& }} of request data and stays silent on {{{body}}} and escaped {{ }}', async () => {
      const routes = "app.get('/p', (req, res) => res.render('profile', { bio: req.body.bio, name: req.body.name, note: 'hi' }));";
      const view = ['{{name}}', '<div>{{{bio}}}</div>', '<i>{{& name}}</i>', '{{{note}}}', '{{{body}}}'].join('\n');
      const findings = await scanWorkspace({ 'app.js': routes, 'views/profile.hbs': view, 'views/layouts/main.hbs': '<main>{{{body}}}</main>' });
      assert.deepEqual(at(findings), ['views/profile.hbs:2:high', 'views/profile.hbs:3:high']);
      assert.match(findings[0]?.message ?? '', /\{\{\{ \}\}\}/);
      assert.match(findings[1]?.message ?? '', /\{\{& \}\}/);
    });

    it('reports noEscape: true and an identity Mustache.escape in code', async () => {
      const code = [
        "const html = Handlebars.compile(source, { noEscape: true });",
        'Mustache.escape = function (text) { return text; };',
        "const safe = Handlebars.compile(source, { noEscape: false });",
      ].join('\n');
      const findings = await scanWorkspace({ 'src/render.js': code });
      assert.deepEqual(findings.map((finding) => finding.line), [1, 2]);
      assert.match(findings[0]?.message ?? '', /noEscape: true in Handlebars\.compile\(\)/);
    });
  });

  describe('Pug', () => {
    it('reports !{} and != of request data, and leaves #{} and comparisons alone', async () => {
      const routes = "app.get('/c', (req, res) => { res.render('comment', { text: req.query.text, user: req.user }); });";
      const view = [
        'div.comment',
        '  p #{text}',
        '  p!= text',
        '  span !{text}',
        '  if user != null',
        '    a(href=user.url) profile',
      ].join('\n');
      const findings = await scanWorkspace({ 'server.js': routes, 'views/comment.pug': view });
      assert.deepEqual(at(findings), ['views/comment.pug:3:high', 'views/comment.pug:4:high']);
      assert.match(findings[0]?.message ?? '', /Pug !=/);
      assert.match(findings[1]?.message ?? '', /Pug !\{\}/);
    });
  });

  describe('Nunjucks and Swig', () => {
    it('reports | safe of request data and {% autoescape false %}, and leaves escaped {{ }} alone', async () => {
      const routes = "app.get('/s', function (req, res) { res.render('search.html', { q: req.query.q, count: 3 }); });";
      const view = ['{% extends "base.html" %}', '<p>{{ q }}</p>', '<p>{{ q | safe }}</p>', '{% autoescape false %}', '{{ count }}', '{% endautoescape %}'].join('\n');
      const findings = await scanWorkspace({ 'app.js': routes, 'views/search.html': view });
      assert.deepEqual(at(findings), ['views/search.html:3:high', 'views/search.html:4:high']);
      assert.match(findings[0]?.message ?? '', /\| safe/);
      assert.match(findings[1]?.message ?? '', /autoescape false/);
    });

    it('reports autoescape switched off in code (swig.setDefaults, nunjucks.configure, app.set), and request data in {{ }} of such views', async () => {
      const server = [
        "const swig = require('swig');",
        "swig.setDefaults({ autoescape: false });",
        "nunjucks.configure('views', { autoescape: false, express: app });",
        "nunjucks.configure('other', { autoescape: true });",
        "app.get('/profile', (req, res) => res.render('profile', { firstName: req.body.firstName, plan: user.plan }));",
      ].join('\n');
      const view = ['<h1>{{ firstName }}</h1>', '<p>{{ plan }}</p>'].join('\n');
      const findings = await scanWorkspace({ 'server.js': server, 'app/views/profile.html': view });
      assert.deepEqual(at(findings), ['app/views/profile.html:1:high', 'server.js:2:high', 'server.js:3:high']);
      assert.match(findings[1]?.message ?? '', /autoescape: false in swig\.setDefaults\(\)/);
    });

    it('does not treat an Angular component template as a server template', async () => {
      const view = '<div *ngIf="user">{{ user.bio | safe }}</div>';
      assert.deepEqual(await scanWorkspace({ 'src/app/profile.component.html': view }), []);
    });
  });

  it('reports nothing in a clean server-rendered app', async () => {
    const routes = "app.get('/', (req, res) => res.render('index', { q: req.query.q, items: db.items() }));";
    const files = {
      'app.js': routes,
      'views/index.ejs': '<%- include("head") %>\n<p><%= q %></p>\n<% items.forEach((i) => { %><li><%= i.name %></li><% }) %>',
      'views/index.hbs': '<p>{{q}}</p>',
      'views/index.pug': 'p= q\np #{q}',
      'views/index.njk': '<p>{{ q }}</p>\n{{ q | escape }}',
    };
    assert.deepEqual(await scanWorkspace(files), []);
  });
});
