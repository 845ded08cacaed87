// The dashboard page's HTML, read back with a real HTML parser (parse5, the algorithm browsers use): the CSP and
// nonces are there, nothing is loaded from elsewhere, and run output cannot end the element it is embedded in.
import { strict as assert } from 'node:assert';
import vm from 'node:vm';
import { parse, type DefaultTreeAdapterMap } from 'parse5';
import { createNonce, renderDashboardHtml } from '../../../src/shared/dashboardHtml';
import { parseStandaloneDashboardData, STANDALONE_DATA_ELEMENT_ID, type StandaloneDashboardData } from '../../../src/shared/dashboardProtocol';
import type { OrchestratorEvent } from '../../../src/core/protocol/events';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

const BREAKOUT = '</script><script>alert(1)</script>';
const NONCE = 'abcdefghijklmnopqrstuvwxyz012345';

function elements(root: Node): Element[] {
  const found: Element[] = [];
  const visit = (node: Node): void => {
    if ('tagName' in node) found.push(node);
    if ('childNodes' in node) for (const child of node.childNodes) visit(child);
    // <template> content lives apart from childNodes.
    if ('content' in node && node.content) visit(node.content);
  };
  visit(root);
  return found;
}

function attr(element: Element, name: string): string | undefined {
  return element.attrs.find((a) => a.name === name)?.value;
}

function text(element: Element): string {
  return element.childNodes.map((child) => ('value' in child && child.nodeName === '#text' ? child.value : '')).join('');
}

function byTag(all: Element[], tag: string): Element[] {
  return all.filter((element) => element.tagName === tag);
}

function cspOf(all: Element[]): string {
  const meta = all.find((element) => element.tagName === 'meta' && attr(element, 'http-equiv')?.toLowerCase() === 'content-security-policy');
  assert.ok(meta, 'a CSP <meta http-equiv> element');
  return attr(meta, 'content') ?? '';
}

function sessionData(request: string): StandaloneDashboardData {
  const sessionId = 'session_20250130_102345_abc123';
  const events: OrchestratorEvent[] = [
    {
      sessionId,
      seq: 1,
      ts: 1_738_232_625_123,
      type: 'run.started',
      payload: { request, workspace: '/work/api', options: { apply: false, allowCommands: false, maxParallelAgents: 5, agentTimeout: 120_000, timeout: null } },
    },
    {
      sessionId,
      seq: 2,
      ts: 1_738_232_625_200,
      type: 'agent.skipped',
      payload: { agent: 'api-reviewer', reason: `needs a model <!-- ${BREAKOUT}` },
    },
  ];
  return { session: { sessionId, workspaceName: 'api', live: false, interactive: false }, events };
}

describe('renderDashboardHtml', () => {
  describe('in the VS Code panel', () => {
    const webview = {
      cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
      scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/dashboard.js',
      styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/dashboard.css',
    };
    const html = renderDashboardHtml({ title: 'Agent Orchestrator', nonce: NONCE, webview });
    const all = elements(parse(html));

    it('sets the panel CSP: nothing by default, scripts only by nonce, styles and images from the extension', () => {
      assert.equal(
        cspOf(all),
        `default-src 'none'; img-src ${webview.cspSource} data:; style-src ${webview.cspSource} 'nonce-${NONCE}'; font-src ${webview.cspSource}; script-src 'nonce-${NONCE}';`,
      );
    });

    it('loads exactly the bundled script and stylesheet, the script with the nonce', () => {
      const scripts = byTag(all, 'script');
      assert.equal(scripts.length, 1);
      assert.equal(attr(scripts[0]!, 'src'), webview.scriptUri);
      assert.equal(attr(scripts[0]!, 'nonce'), NONCE);
      const links = byTag(all, 'link');
      assert.equal(links.length, 1);
      assert.equal(attr(links[0]!, 'href'), webview.styleUri);
      // Nothing else is fetched: no other element names a URL.
      const urls = all.flatMap((element) => element.attrs.filter((a) => a.name === 'src' || a.name === 'href').map((a) => a.value));
      assert.deepEqual(urls.sort(), [webview.scriptUri, webview.styleUri].sort());
    });

    it('has the element the script draws into', () => {
      assert.ok(all.some((element) => attr(element, 'id') === 'app'));
    });
  });

  describe('as a standalone file', () => {
    const data = sessionData(`Fix the login ${BREAKOUT}`);
    const script = `globalThis.__shown = ${JSON.stringify(`a ${BREAKOUT} b`)}; globalThis.__pattern = /<\\/script>/.source;`;
    const style = `body::after { content: "</style><script>alert(2)</script>"; }`;
    const title = `Agent Orchestrator — <b>Fix</b> & "quote" ${BREAKOUT}`;
    const html = renderDashboardHtml({ title, nonce: NONCE, standalone: { script, style, data } });
    const all = elements(parse(html));

    it('sets the standalone CSP: nothing remote at all, inline style and script only by nonce', () => {
      assert.equal(cspOf(all), `default-src 'none'; img-src data:; style-src 'nonce-${NONCE}'; script-src 'nonce-${NONCE}';`);
      const urls = all.flatMap((element) => element.attrs.filter((a) => a.name === 'src' || a.name === 'href').map((a) => a.value));
      assert.deepEqual(urls, [], 'no element loads anything');
    });

    it('keeps run output inside its elements: two scripts (the data and the bundle), one style, no injected element', () => {
      const scripts = byTag(all, 'script');
      assert.deepEqual(
        scripts.map((element) => attr(element, 'type') ?? 'classic'),
        ['application/json', 'classic'],
      );
      assert.equal(attr(scripts[0]!, 'id'), STANDALONE_DATA_ELEMENT_ID);
      assert.equal(attr(scripts[1]!, 'nonce'), NONCE);
      const styles = byTag(all, 'style');
      assert.equal(styles.length, 1);
      assert.equal(attr(styles[0]!, 'nonce'), NONCE);
      assert.equal(byTag(all, 'b').length, 0, 'the title\'s markup stays text');
    });

    it('embeds the session as JSON that parses back to the same data', () => {
      const json = text(byTag(all, 'script')[0]!);
      assert.ok(!json.includes('<'), 'no "<" in the embedded JSON');
      const parsed = parseStandaloneDashboardData(JSON.parse(json));
      assert.deepEqual(parsed, data);
    });

    it('inlines the script so that it still means the same JavaScript', () => {
      const inlined = text(byTag(all, 'script')[1]!);
      const context: { __shown?: string; __pattern?: string } = {};
      vm.runInNewContext(inlined, context);
      assert.equal(context.__shown, `a ${BREAKOUT} b`);
      assert.equal(context.__pattern, '<\\/script>');
    });

    it('inlines the stylesheet whole, without letting it end the <style> element', () => {
      assert.match(text(byTag(all, 'style')[0]!), /content: "<\\\/style><script>alert\(2\)<\/script>"/);
    });

    it('escapes the title', () => {
      assert.equal(text(byTag(all, 'title')[0]!), title);
    });

    it('marks the root for the standalone theme fallbacks', () => {
      assert.match(attr(byTag(all, 'html')[0]!, 'class') ?? '', /\bstandalone\b/);
    });

    it('refuses a script it cannot inline safely', () => {
      assert.throws(
        () => renderDashboardHtml({ title: 't', nonce: NONCE, standalone: { script: 'var a = "<!--";', style: '', data } }),
        /cannot be inlined/,
      );
    });
  });

  it('refuses a nonce that could break out of the CSP or an attribute', () => {
    assert.throws(() => renderDashboardHtml({ title: 't', nonce: `${NONCE}" onload="x`, standalone: { script: '', style: '', data: sessionData('r') } }), /nonce/);
  });
});

describe('createNonce', () => {
  it('makes 32 letters and digits, different each time', () => {
    const nonces = new Set(Array.from({ length: 50 }, () => createNonce()));
    assert.equal(nonces.size, 50);
    for (const nonce of nonces) assert.match(nonce, /^[A-Za-z0-9]{32}$/);
  });
});
