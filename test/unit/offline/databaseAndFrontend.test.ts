// The seed's Example 2 with the offline roster: the database optimizer and the frontend builder do real work, and
// the result says what of the request was not done.
import { strict as assert } from 'node:assert';
import { completion, findingsBy, lineOf, readText, removeScratch, runOffline, scratchWorkspace, snapshot } from './offlineHarness';

const EXAMPLE_2 = 'Build new API endpoint with frontend UI and database optimization';

describe("database-optimizer and frontend-builder (offline, the seed's Example 2)", function () {
  this.timeout(60_000);
  afterEach(removeScratch);

  it('report N+1 queries, the missing index and component problems at file and line, change nothing, and say what was not done', async () => {
    const root = scratchWorkspace(['shop-app']);
    const before = snapshot(root);
    const routes = readText(root, 'src/routes/orders.js');
    const card = readText(root, 'src/components/OrderCard.jsx');
    const schema = readText(root, 'prisma/schema.prisma');

    const { result, events } = await runOffline(root, { request: EXAMPLE_2 });

    assert.deepEqual(result.plan.phases, [['database-optimizer'], ['frontend-builder', 'test-suite-developer', 'docs-writer']]);
    const database = findingsBy(events, 'database-optimizer').map((f) => [f.ruleId, f.file, f.line]);
    assert.deepEqual(database, [
      ['database/missing-index', 'prisma/schema.prisma', lineOf(schema, 'customerId Int')],
      ['database/query-in-loop', 'src/routes/orders.js', lineOf(routes, 'prisma.customer.findUnique')],
    ]);
    const frontend = findingsBy(events, 'frontend-builder').map((f) => [f.ruleId, f.file, f.line]);
    assert.deepEqual(frontend, [
      ['frontend/unsafe-html', 'src/components/OrderCard.jsx', lineOf(card, 'dangerouslySetInnerHTML')],
      ['frontend/click-without-keyboard', 'src/components/OrderCard.jsx', lineOf(card, 'className="card"')],
      ['frontend/img-alt', 'src/components/OrderCard.jsx', lineOf(card, '<img')],
    ]);
    assert.ok(findingsBy(events, 'frontend-builder').every((f) => f.recommendation.length > 0));
    assert.match(completion(events, 'database-optimizer').summary, /1 queries in loops \(N\+1\), 1 missing indexes/);
    assert.deepEqual(snapshot(root), before, 'review only: no file changed');

    // Done: the database part. Not done: the endpoint and the UI, which need a model; the run says so.
    assert.equal(result.notServed, false);
    assert.deepEqual(result.notDone.map((item) => item.capability), ['backend_development', 'frontend_development']);
    assert.ok(result.recommendations.some((rec) => rec.priority === 'high' && /^Not done: frontend development \("frontend UI"\)/.test(rec.message)));
  });

  it('a request for performance on a workspace with no data layer says so instead of claiming an optimisation', async () => {
    const root = scratchWorkspace([], { 'src/index.js': 'console.log("hello");\n' });
    const { events } = await runOffline(root, { request: 'Improve database performance' });
    assert.deepEqual(findingsBy(events, 'database-optimizer'), []);
    assert.match(completion(events, 'database-optimizer').summary, /^No schema, migrations or queries found in 1 files/);
  });
});
