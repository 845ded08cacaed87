// The security corpus's truth files must stay true to the apps they describe: an edit to an app that moves a planted
// vulnerability, or a typo in a class, fails here instead of silently skewing the benchmark's recall.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import path from 'node:path';
import { truthShapeProblems, type TruthFile } from '../../../bench/support/corpusScore';

const CORPUS = path.resolve(__dirname, '..', '..', 'fixtures', 'corpus');
const apps = fs.readdirSync(CORPUS, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();

describe('security corpus truth files', () => {
  it('has several apps, one of them with nothing planted', () => {
    assert.ok(apps.length >= 6, apps.join(', '));
    const empty = apps.filter((app) => (JSON.parse(fs.readFileSync(path.join(CORPUS, app, 'truth.json'), 'utf8')) as TruthFile).vulnerabilities.length === 0);
    assert.equal(empty.length, 1, `apps with an empty truth file: ${empty.join(', ')}`);
  });

  for (const app of apps) {
    it(`${app}: every entry names a class it knows and a non-blank line of an existing file`, () => {
      const truthFile = path.join(CORPUS, app, 'truth.json');
      const truth = JSON.parse(fs.readFileSync(truthFile, 'utf8')) as TruthFile;
      assert.deepEqual(truthShapeProblems(truth), []);
      assert.equal(truth.app, app);
      for (const entry of truth.vulnerabilities) {
        const where = `${app}/${entry.file}:${entry.line}`;
        const file = path.join(CORPUS, app, entry.file);
        assert.ok(path.relative(path.join(CORPUS, app), file).split(path.sep)[0] !== '..', `${where} is outside the app`);
        assert.ok(fs.existsSync(file), `${where}: no such file`);
        const lines = fs.readFileSync(file, 'utf8').split('\n');
        for (let line = entry.line; line <= (entry.endLine ?? entry.line); line++) {
          assert.ok(line <= lines.length, `${where}: the file has ${lines.length} lines`);
        }
        assert.ok((lines[entry.line - 1] as string).trim().length > 0, `${where} is blank`);
        if (entry.crossFile) {
          const crossing = `${where} (crossFile ${entry.crossFile.file}:${entry.crossFile.line})`;
          const other = path.join(CORPUS, app, entry.crossFile.file);
          assert.ok(path.relative(path.join(CORPUS, app), other).split(path.sep)[0] !== '..', `${crossing} is outside the app`);
          assert.ok(fs.existsSync(other), `${crossing}: no such file`);
          const otherLine = fs.readFileSync(other, 'utf8').split('\n')[entry.crossFile.line - 1];
          assert.ok(otherLine !== undefined && otherLine.trim().length > 0, `${crossing} is blank or past the end`);
        }
      }
      const keys = truth.vulnerabilities.map((entry) => `${entry.class} ${entry.file}:${entry.line}`);
      assert.equal(new Set(keys).size, keys.length, 'an entry is listed twice');
    });
  }

  it('plants at least four of every code-level class across the corpus', () => {
    const perClass = new Map<string, number>();
    for (const app of apps) {
      const truth = JSON.parse(fs.readFileSync(path.join(CORPUS, app, 'truth.json'), 'utf8')) as TruthFile;
      for (const entry of truth.vulnerabilities) if (entry.codeLevel) perClass.set(entry.class, (perClass.get(entry.class) ?? 0) + 1);
    }
    const thin = [...perClass].filter(([, count]) => count < 4);
    assert.deepEqual(thin, []);
  });
});
