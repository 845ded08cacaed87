import { strict as assert } from 'node:assert';
import { checkMarkup, checkScript } from '../../../src/agents/offline/analysis/frontendChecks';
import { parseJavaScript } from '../../../src/agents/offline/analysis/javascriptAst';

function jsx(code: string, file = 'src/App.jsx') {
  const root = parseJavaScript(code, file);
  assert.ok(root, 'parses');
  return checkScript(file, root);
}

const rules = (findings: { ruleId: string; line: number }[]): [string, number][] => findings.map((f) => [f.ruleId, f.line]);

describe('frontend checks', () => {
  it('JSX: image without alt, clickable div, unlabelled input, html without lang', () => {
    const code = [
      'export function Page({ user }) {',
      '  return (<html>',
      '    <img src={user.avatar} />',
      '    <div onClick={() => open(user)}>Open</div>',
      '    <input type="email" placeholder="Email" />',
      '  </html>);',
      '}',
    ].join('\n');
    assert.deepEqual(rules(jsx(code)).sort(), [
      ['frontend/click-without-keyboard', 4],
      ['frontend/html-lang', 2],
      ['frontend/img-alt', 3],
      ['frontend/input-label', 5],
    ]);
  });

  it('JSX: accessible markup passes (alt, buttons, keyboard-enabled roles, labels by wrapping, htmlFor and aria-label, spread props, components)', () => {
    const code = [
      'export const Ok = (props) => (<html lang="en">',
      '  <img src="/logo.png" alt="" />',
      '  <button onClick={save}>Save</button>',
      '  <a href="/x" onClick={track}>x</a>',
      '  <div role="button" tabIndex={0} onClick={go} onKeyDown={go}>Go</div>',
      '  <label>Name <input name="n" /></label>',
      '  <label htmlFor="mail">Mail</label><input id="mail" />',
      '  <input aria-label="Search" /> <input type="hidden" name="csrf" /> <input id={fieldId} />',
      '  <img {...props} /> <Image src="/a.png" /> <div aria-hidden="true" onClick={close} />',
      '</html>);',
    ].join('\n');
    assert.deepEqual(jsx(code), []);
  });

  it('unsafe HTML: dangerouslySetInnerHTML and innerHTML with values that are not constant; constants and sanitised values pass', () => {
    const code = [
      'export function Bio({ user }) {',
      '  el.innerHTML = user.bio;',
      '  el.innerHTML = "<b>static</b>";',
      '  el.innerHTML = DOMPurify.sanitize(user.bio);',
      '  el.insertAdjacentHTML("beforeend", user.bio);',
      '  return (<div>',
      '    <p dangerouslySetInnerHTML={{ __html: user.bio }} />',
      '    <p dangerouslySetInnerHTML={{ __html: "<i>ok</i>" }} />',
      '    <p dangerouslySetInnerHTML={{ __html: sanitizeHtml(user.bio) }} />',
      '  </div>);',
      '}',
    ].join('\n');
    assert.deepEqual(rules(jsx(code)), [['frontend/unsafe-html', 2], ['frontend/unsafe-html', 5], ['frontend/unsafe-html', 7]]);
  });

  it('Vue: v-html with data, @click on a span, unlabelled select, bound alt counts as alt', () => {
    const vue = [
      '<template>',
      '  <div>',
      '    <span @click="toggle">More</span>',
      '    <img :src="photo" :alt="caption">',
      '    <img :src="photo">',
      '    <div v-html="post.body"></div>',
      '    <div v-html="\'<b>fixed</b>\'"></div>',
      '    <select v-model="size"><option>S</option></select>',
      '    <button @click="save">Save</button>',
      '  </div>',
      '</template>',
      '<script>',
      'export default { mounted() { this.$el.innerHTML = this.html; } };',
      '</script>',
    ].join('\n');
    const findings = checkMarkup('src/Card.vue', vue, (code) => parseJavaScript(code, 'x.js'));
    assert.deepEqual(rules(findings).sort(), [
      ['frontend/click-without-keyboard', 3],
      ['frontend/img-alt', 5],
      ['frontend/input-label', 8],
      ['frontend/unsafe-html', 13],
      ['frontend/unsafe-html', 6],
    ]);
  });

  it('HTML: a page without lang, an inline onclick, and a labelled form pass or fail as they should', () => {
    const bad = '<!doctype html>\n<html>\n<body>\n<div onclick="go()">Go</div>\n<textarea name="msg"></textarea>\n</body>\n</html>';
    assert.deepEqual(rules(checkMarkup('public/index.html', bad, () => null)).sort(), [['frontend/click-without-keyboard', 4], ['frontend/html-lang', 2], ['frontend/input-label', 5]]);
    const good = '<!doctype html>\n<html lang="en">\n<body>\n<label for="m">Message</label><textarea id="m"></textarea>\n<img src="a.png" alt="A chart">\n</body>\n</html>';
    assert.deepEqual(checkMarkup('public/ok.html', good, () => null), []);
    assert.deepEqual(checkMarkup('partials/nav.html', '<nav><a href="/">Home</a></nav>', () => null), [], 'a fragment has no <html> to need a lang');
  });
});
