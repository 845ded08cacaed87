import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FindingSchema } from '../../../src/core/protocol/findings';
import { parseTestFailures } from '../../../src/agents/offline/testing/testFailureParser';

const fixture = (name: string): string => readFileSync(path.join(__dirname, '../../fixtures/agents', name), 'utf8');
const where = (result: ReturnType<typeof parseTestFailures>): string[] =>
  result.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.message}`);

describe('parseTestFailures', () => {
  describe("Node's test runner (real output)", () => {
    const root = '/tmp/ao-fixtures/node/project';

    it('spec reporter: one finding per failing test at the innermost frame inside the workspace', () => {
      const result = parseTestFailures(fixture('node-test-spec.txt'), 'npm', root);
      assert.deepEqual(where(result), [
        'test/math.test.mjs:10:12 adds two numbers: AssertionError [ERR_ASSERTION]: Expected values to be strictly equal: -1 !== 5',
        // The throwing helper is in ../shared, outside the workspace: the test's own line is reported instead.
        'test/math.test.mjs:18:3 rejects negative input: RangeError [Error]: expected a positive number, got -1',
        // ... and the same for a helper in node_modules.
        'test/math.test.mjs:22:3 accepts even numbers: Error: odd number 3',
      ]);
      assert.deepEqual(result.summary, { passed: 2, failed: 3 });
      assert.deepEqual(result.unlocated, []);
    });

    it('TAP reporter: the same failures, the suite that only contains them is not reported again', () => {
      const result = parseTestFailures(fixture('node-test-tap.txt'), 'npm', root);
      assert.deepEqual(where(result), [
        'test/math.test.mjs:10:12 adds two numbers: Expected values to be strictly equal: -1 !== 5',
        'test/math.test.mjs:18:3 rejects negative input: expected a positive number, got -1',
        'test/math.test.mjs:22:3 accepts even numbers: odd number 3',
      ]);
      assert.deepEqual(result.summary, { passed: 2, failed: 3 });
    });

    it('drops every frame outside the workspace root', () => {
      // With the test folder as the root, test/math.test.mjs is still inside; with an unrelated root nothing is.
      const inner = parseTestFailures(fixture('node-test-spec.txt'), 'npm', `${root}/test`);
      assert.deepEqual(inner.findings.map((f) => `${f.file}:${f.line}`), ['math.test.mjs:10', 'math.test.mjs:18', 'math.test.mjs:22']);
      // TAP gives absolute paths only (the spec recap's "test at test/x.mjs" is relative to where the run started).
      const elsewhere = parseTestFailures(fixture('node-test-tap.txt'), 'npm', '/somewhere/else');
      assert.deepEqual(elsewhere.findings, []);
      assert.equal(elsewhere.unlocated.length, 3);
      assert.match(elsewhere.unlocated[0], /^adds two numbers: /);
      assert.deepEqual(elsewhere.summary, { passed: 2, failed: 3 });
    });

    it('produces valid findings with stable ids, rule and agent', () => {
      const first = parseTestFailures(fixture('node-test-tap.txt'), 'npm', root).findings;
      const again = parseTestFailures(fixture('node-test-spec.txt'), 'npm', root).findings;
      assert.deepEqual(first.map((f) => f.id), again.map((f) => f.id));
      assert.equal(new Set(first.map((f) => f.id)).size, 3);
      for (const finding of first) {
        assert.equal(FindingSchema.safeParse(finding).success, true);
        assert.equal(finding.ruleId, 'test-failure/npm');
        assert.equal(finding.severity, 'high');
        assert.equal(finding.fixable, false);
        assert.equal(finding.agent, 'test-suite-developer');
        assert.match(finding.recommendation, /npm test/);
      }
    });
  });

  it('mocha: relative stack paths, and a timeout with no location goes to unlocated', () => {
    const result = parseTestFailures(fixture('mocha.txt'), 'npm', '/tmp/ao-fixtures/mocha/project');
    assert.deepEqual(where(result), [
      'test/calc.test.js:9:12 calc divides by one: AssertionError [ERR_ASSERTION]: Expected values to be strictly equal: 6 !== 5',
      'src/calc.js:2:22 calc handles zero: Error: division by zero',
    ]);
    assert.equal(result.unlocated.length, 1);
    assert.match(result.unlocated[0], /^calc finishes quickly: Error: Timeout of 50ms exceeded/);
    assert.deepEqual(result.summary, { passed: 1, failed: 3 });
  });

  it('jest: the stack frame, not the code frame, gives the location', () => {
    const output = [
      ' FAIL  src/sum.test.js',
      '  ● sum › adds 1 + 2 to equal 3',
      '',
      '    expect(received).toBe(expected) // Object.is equality',
      '',
      '    Expected: 3',
      '    Received: 4',
      '',
      "      3 | describe('sum', () => {",
      "      4 |   test('adds 1 + 2 to equal 3', () => {",
      '    > 5 |     expect(sum(1, 2)).toBe(3);',
      '        |                       ^',
      '      6 |   });',
      '',
      '      at Object.toBe (src/sum.test.js:5:23)',
      '',
      'Test Suites: 1 failed, 1 total',
      'Tests:       1 failed, 2 passed, 3 total',
    ].join('\n');
    const result = parseTestFailures(output, 'npm', '/repo');
    assert.deepEqual(where(result), ['src/sum.test.js:5:23 sum › adds 1 + 2 to equal 3: expect(received).toBe(expected) // Object.is equality']);
    assert.deepEqual(result.summary, { passed: 2, failed: 1 });
  });

  it('pytest (real output): innermost workspace frame, class tests named Class.test', () => {
    const result = parseTestFailures(fixture('pytest.txt'), 'pytest', '/tmp/ao-fixtures/pytest/project');
    assert.deepEqual(where(result), [
      'tests/test_calc.py:5:1 test_add: assert -1 == 5',
      'calc/__init__.py:7:1 test_parse_empty: ValueError: empty amount',
      'tests/test_calc.py:18:1 TestParse.test_parse_number: AssertionError: assert 12 == 13',
    ]);
    assert.deepEqual(result.summary, { passed: 1, failed: 3 });
    assert.equal(result.findings[0].ruleId, 'test-failure/pytest');
  });

  it('pytest with --tb=no: the short summary still names the failing file', () => {
    const output = [
      'FAILED tests/test_calc.py::test_add - assert -1 == 5',
      'ERROR tests/test_db.py - ModuleNotFoundError: No module named psycopg',
      '1 failed, 4 passed, 1 error in 0.12s',
    ].join('\n');
    const result = parseTestFailures(output, 'pytest', '/repo');
    assert.deepEqual(where(result), [
      'tests/test_calc.py:1:1 tests/test_calc.py::test_add: assert -1 == 5',
      'tests/test_db.py:1:1 tests/test_db.py: ModuleNotFoundError: No module named psycopg',
    ]);
    assert.deepEqual(result.summary, { passed: 4, failed: 2 });
  });

  it('go: file:line in the package folder, subtests instead of their parent, panics at the workspace frame', () => {
    const result = parseTestFailures(fixture('go-test.txt'), 'go', '/home/dev/calc', { goModulePath: 'example.com/calc' });
    assert.deepEqual(where(result), [
      'calc_test.go:9:1 TestAdd: Add(2, 3) = -1, want 5',
      'calc_test.go:21:1 TestParse/empty: Parse("") returned no error',
      'calc_test.go:21:1 TestParse/spaces: Parse("  ") returned no error',
      'internal/format/format_test.go:14:1 TestFormat: got "1,0", want "1.0"',
      'internal/divide/divide.go:4:1 TestDivide: panic: runtime error: integer divide by zero',
    ]);
    // Without -v, go prints no line per passing test.
    assert.deepEqual(result.summary, { passed: null, failed: 5 });
  });

  it('go: finds the module path from the packages when go.mod is not readable', () => {
    const result = parseTestFailures(fixture('go-test.txt'), 'go', '/home/dev/calc');
    assert.equal(result.findings[3].file, 'internal/format/format_test.go');
  });

  it('cargo (real output): panic location and the compared values', () => {
    const result = parseTestFailures(fixture('cargo-test.txt'), 'cargo', '/tmp/ao-fixtures/cargo/project');
    assert.deepEqual(where(result), [
      'src/lib.rs:16:9 tests::it_adds: assertion `left == right` failed (left: 5, right: 4)',
      'src/lib.rs:6:18 tests::it_rejects_text: not a number: ParseIntError { kind: InvalidDigit }',
    ]);
    assert.deepEqual(result.summary, { passed: 1, failed: 2 });
  });

  it("cargo: the pre-1.73 panic format, several test binaries, and a failure without output", () => {
    const output = [
      'running 2 tests',
      'test tests::it_works ... ok',
      'test tests::it_adds ... FAILED',
      '',
      'failures:',
      '',
      '---- tests::it_adds stdout ----',
      "thread 'tests::it_adds' panicked at 'assertion failed: `(left == right)`",
      '  left: `5`,',
      " right: `4`', crates/core/src/lib.rs:10:5",
      '',
      'failures:',
      '    tests::it_adds',
      '',
      'test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s',
      '',
      'running 1 test',
      'test panics_on_zero ... FAILED',
      'note: test did not panic as expected',
      'test result: FAILED. 3 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s',
    ].join('\n');
    const result = parseTestFailures(output, 'cargo', '/repo');
    assert.deepEqual(where(result), ['crates/core/src/lib.rs:10:5 tests::it_adds: assertion failed: `(left == right)`']);
    assert.deepEqual(result.unlocated, ['panics_on_zero']);
    assert.deepEqual(result.summary, { passed: 4, failed: 2 });
  });
});
