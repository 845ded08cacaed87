import { strict as assert } from 'node:assert';
import { cell, mdCode, mdText } from '../../../src/core/logging/format';

const PAYLOAD = '<img src=x onerror=alert(1)></script><script>';
const ESCAPED = '&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;&lt;script&gt;';

describe('Markdown escaping helpers', () => {
  it('mdText turns HTML into text on one line', () => {
    assert.equal(mdText(`Fix ${PAYLOAD}\nnow & then`), `Fix ${ESCAPED} now &amp; then`);
  });

  it('cell also keeps a | from opening a column', () => {
    assert.equal(cell(`a | ${PAYLOAD}`), `a \\| ${ESCAPED}`);
  });

  it('mdCode picks a fence the value cannot close', () => {
    assert.equal(mdCode('src/a.ts:3'), '`src/a.ts:3`');
    assert.equal(mdCode(`x\`${PAYLOAD}`), `\`\` x\`${PAYLOAD} \`\``);
    assert.equal(mdCode('a``b|c', { inTable: true }), '``` a``b\\|c ```');
  });
});
