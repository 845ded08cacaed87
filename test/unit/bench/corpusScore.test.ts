import { strict as assert } from 'node:assert';
import { classOfRule, isTestPath, NO_CLASS, scoreApp, summarize, truthShapeProblems, type TruthFile } from '../../../bench/support/corpusScore';

const TRUTH: TruthFile = {
  app: 'shop',
  vulnerabilities: [
    { class: 'sql-injection', file: 'routes/auth.js', line: 18, endLine: 20, description: 'login SQL', codeLevel: true },
    { class: 'xss', file: 'views/search.ejs', line: 4, description: 'unescaped search', codeLevel: true },
    { class: 'xss', file: 'views/search.ejs', line: 6, description: 'unescaped title', codeLevel: true },
    { class: 'open-redirect', file: 'routes/auth.js', line: 30, description: 'returnTo', codeLevel: true },
    { class: 'vulnerable-dependency', file: 'package.json', line: 12, description: 'old mathjs', codeLevel: false },
  ],
};

describe('corpus score', () => {
  it('maps our rule ids and the third-party ones to classes', () => {
    assert.equal(classOfRule('agent-orchestrator/nosql-injection'), 'nosql-injection');
    assert.equal(classOfRule('security/detect-child-process'), 'command-injection');
    assert.equal(classOfRule('security/detect-eval-with-expression'), 'code-injection');
    assert.equal(classOfRule('no-unsanitized/property'), 'xss');
    assert.equal(classOfRule('no-unsanitized/method'), 'xss');
    assert.equal(classOfRule('security/detect-object-injection'), undefined);
    assert.equal(classOfRule('security/detect-child-process-extra'), undefined);
  });

  it('matches a finding within two lines of the entry, same file and class, and counts each entry once', () => {
    const score = scoreApp(TRUTH, [
      { ruleId: 'agent-orchestrator/sql-injection', file: 'routes/auth.js', line: 22 },
      { ruleId: 'agent-orchestrator/sql-injection', file: 'routes/auth.js', line: 16 },
      { ruleId: 'agent-orchestrator/sql-injection', file: 'routes/auth.js', line: 23 },
      { ruleId: 'agent-orchestrator/xss', file: 'routes/auth.js', line: 19 },
    ]);
    assert.deepEqual(score.found.map((f) => [f.truth.line, f.finding.line]), [[18, 16]]);
    assert.deepEqual(score.duplicates.map((d) => d.finding.line), [22]);
    // One line too far, and the right line in the wrong class: both false positives.
    assert.deepEqual(score.falsePositives.map((f) => [f.ruleId, f.line]), [['agent-orchestrator/xss', 19], ['agent-orchestrator/sql-injection', 23]]);
    assert.deepEqual(score.missed.map((t) => `${t.file}:${t.line}`), ['views/search.ejs:4', 'views/search.ejs:6', 'routes/auth.js:30']);
  });

  it('gives two planted flaws on neighbouring lines one finding each before calling any a duplicate', () => {
    const score = scoreApp(TRUTH, [
      { ruleId: 'no-unsanitized/property', file: 'views/search.ejs', line: 5 },
      { ruleId: 'agent-orchestrator/xss', file: './views/search.ejs', line: 6 },
    ]);
    assert.equal(score.found.length, 2);
    assert.deepEqual(new Set(score.found.map((f) => f.truth.line)), new Set([4, 6]));
    assert.equal(score.duplicates.length, 0);
  });

  it('reports findings in test files apart, and never misses a non-code entry', () => {
    const score = scoreApp(TRUTH, [
      { ruleId: 'agent-orchestrator/hardcoded-secret', file: 'test/auth.test.js', line: 3 },
      { ruleId: 'agent-orchestrator/hardcoded-secret', file: 'spec/threadsSpec.js', line: 3 },
      { ruleId: 'agent-orchestrator/hardcoded-secret', file: 'src/config.js', line: 3 },
    ]);
    assert.deepEqual(score.inTests.map((f) => f.file), ['spec/threadsSpec.js', 'test/auth.test.js']);
    assert.deepEqual(score.falsePositives.map((f) => f.file), ['src/config.js']);
    assert.ok(score.missed.every((t) => t.codeLevel));
    assert.ok(isTestPath('client/e2e/login.spec.ts'));
    assert.ok(!isTestPath('src/testing-tools.js'));
  });

  it('counts a cross-file entry found at its sink or where the flow crosses, and gives recall for cross-file entries apart', () => {
    const layered: TruthFile = {
      app: 'layered',
      vulnerabilities: [
        { class: 'sql-injection', file: 'src/service.ts', line: 30, description: 'sink in the service', codeLevel: true, crossFile: { file: 'src/controller.ts', line: 12 } },
        { class: 'command-injection', file: 'src/media.ts', line: 8, description: 'sink in a helper', codeLevel: true, crossFile: { file: 'src/controller.ts', line: 40 } },
        { class: 'xss', file: 'src/controller.ts', line: 50, description: 'same file', codeLevel: true },
      ],
    };
    const score = scoreApp(layered, [
      { ruleId: 'agent-orchestrator/sql-injection', file: 'src/controller.ts', line: 13 },
      { ruleId: 'agent-orchestrator/sql-injection', file: 'src/service.ts', line: 30 },
      // Where the command flow crosses, but the wrong class: no match.
      { ruleId: 'agent-orchestrator/sql-injection', file: 'src/controller.ts', line: 40 },
      { ruleId: 'agent-orchestrator/xss', file: 'src/controller.ts', line: 50 },
    ]);
    assert.deepEqual(score.found.map((f) => `${f.truth.file}:${f.truth.line}<-${f.finding.file}:${f.finding.line}`).sort(), ['src/controller.ts:50<-src/controller.ts:50', 'src/service.ts:30<-src/controller.ts:13']);
    assert.deepEqual(score.duplicates.map((d) => d.finding.line), [30]);
    assert.deepEqual(score.falsePositives.map((f) => f.line), [40]);
    const summary = summarize([score]);
    assert.deepEqual(summary.crossFile, { found: 1, planted: 2 });
    assert.deepEqual(summary.sameFile, { found: 1, planted: 1 });
  });

  it('names a malformed crossFile in a truth file', () => {
    const entry = { class: 'ssrf', file: 'a.js', line: 3, description: 'fetch', codeLevel: true };
    assert.deepEqual(truthShapeProblems({ app: 'x', vulnerabilities: [{ ...entry, crossFile: { file: 'b.js', line: 2 } }] }), []);
    assert.deepEqual(truthShapeProblems({ app: 'x', vulnerabilities: [{ ...entry, crossFile: { file: 'b.js' } }] }), ['vulnerabilities[0]: "crossFile" is not { "file": <path>, "line": <positive whole number> }']);
    assert.deepEqual(truthShapeProblems({ app: 'x', vulnerabilities: [{ ...entry, crossFile: { file: './a.js', line: 9 } }] }), ['vulnerabilities[0]: "crossFile" names the entry\'s own file']);
  });

  it('sums recall and precision per class and overall, over code-level truth', () => {
    const shop = scoreApp(TRUTH, [
      { ruleId: 'agent-orchestrator/sql-injection', file: 'routes/auth.js', line: 19 },
      { ruleId: 'agent-orchestrator/sql-injection', file: 'routes/auth.js', line: 20 },
      { ruleId: 'agent-orchestrator/xss', file: 'views/search.ejs', line: 4 },
      { ruleId: 'agent-orchestrator/xss', file: 'views/other.ejs', line: 4 },
      { ruleId: 'security/detect-object-injection', file: 'lib/util.js', line: 7 },
    ]);
    const clean = scoreApp({ app: 'clean', vulnerabilities: [] }, [{ ruleId: 'agent-orchestrator/sql-injection', file: 'routes/notes.js', line: 9 }]);
    const summary = summarize([shop, clean]);
    const sql = summary.byClass.get('sql-injection');
    assert.deepEqual(sql, { truePositives: 1, falseNegatives: 0, falsePositives: 1, duplicates: 1, recall: 1, precision: 0.5 });
    const xss = summary.byClass.get('xss');
    assert.deepEqual([xss?.truePositives, xss?.falseNegatives, xss?.falsePositives], [1, 1, 1]);
    assert.equal(summary.byClass.get('open-redirect')?.precision, null);
    assert.equal(summary.byClass.get(NO_CLASS)?.falsePositives, 1);
    assert.equal(summary.byClass.has('vulnerable-dependency'), false);
    // 2 found of 4 code-level entries; 2 right of 5 counted findings (the duplicate is neither).
    assert.equal(summary.overall.recall, 2 / 4);
    assert.equal(summary.overall.precision, 2 / 5);
  });
});
