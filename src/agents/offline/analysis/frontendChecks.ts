// The frontend builder's offline checks on components (JSX/TSX, Vue, HTML): accessibility (images without alt text,
// click handlers with no keyboard access or role, inputs without labels, pages without a language) and HTML rendered
// from values that are not constant (dangerouslySetInnerHTML, v-html, innerHTML and friends).
import { createHash } from 'node:crypto';
import type { Finding, Severity } from '../../../core/protocol/findings';
import { calleeChain, child, childList, constantString, memberProperty, nameOf, walk, type AstNode } from './javascriptAst';

export const FRONTEND_AGENT = 'frontend-builder';

/** An element of markup, whatever the syntax it was written in. Attribute names are normalised (see attrName). */
interface MarkupElement {
  tag: string;
  line: number;
  column: number;
  /** Attribute -> its constant value, or null when it is an expression. */
  attrs: Map<string, string | null>;
  /** `{...props}` / `v-bind="obj"`: any attribute may be there. */
  spread: boolean;
  insideLabel: boolean;
}

/** `onClick`, `@click`, `v-on:click` -> `onclick`; `:alt`, `v-bind:alt` -> `alt`; `htmlFor` -> `for`. */
function attrName(raw: string): string {
  if (raw.startsWith('@')) return `on${raw.slice(1).split('.')[0]!.toLowerCase()}`;
  if (raw.startsWith('v-on:')) return `on${raw.slice(5).split('.')[0]!.toLowerCase()}`;
  if (raw.startsWith('v-bind:')) return attrName(raw.slice(7));
  if (raw.startsWith(':')) return attrName(raw.slice(1));
  if (raw === 'htmlFor') return 'for';
  if (raw === 'tabIndex') return 'tabindex';
  return raw.toLowerCase();
}

const INTERACTIVE_TAGS = new Set(['button', 'input', 'select', 'textarea', 'option', 'summary', 'details', 'area', 'audio', 'video', 'iframe', 'embed', 'object', 'label']);
const INTERACTIVE_ROLES = new Set(['button', 'link', 'checkbox', 'menuitem', 'menuitemcheckbox', 'menuitemradio', 'option', 'radio', 'switch', 'tab', 'textbox', 'combobox', 'slider', 'spinbutton', 'treeitem', 'gridcell']);
const UNLABELLED_INPUT_TYPES = new Set(['hidden', 'submit', 'button', 'reset', 'image']);
const SANITIZER = /sanitiz|purify|escape|xss|safeHtml|trustedHTML/i;

function findingId(rule: string, file: string, key: string): string {
  return `ui-${createHash('sha256').update(`${rule}\u0000${file}\u0000${key}`).digest('hex').slice(0, 16)}`;
}

function finding(rule: string, severity: Severity, file: string, line: number, column: number, message: string, recommendation: string): Finding {
  return { id: findingId(rule, file, `${line}:${column}`), ruleId: `frontend/${rule}`, severity, message, file, line, column, recommendation, fixable: false, agent: FRONTEND_AGENT };
}

/** Accessibility checks on the elements of one file; `labelTargets` are the ids some `<label for>` names. */
function accessibilityFindings(file: string, elements: readonly MarkupElement[]): Finding[] {
  const labelTargets = new Set(elements.filter((e) => e.tag === 'label').map((e) => e.attrs.get('for')).filter((v): v is string => typeof v === 'string'));
  const findings: Finding[] = [];
  for (const element of elements) {
    const { tag, attrs, line, column } = element;
    const has = (name: string): boolean => attrs.has(name);
    if (element.spread) continue; // the spread may supply what is missing
    if (attrs.get('aria-hidden') === 'true') continue;
    if (tag === 'img' && !has('alt')) {
      findings.push(finding('img-alt', 'medium', file, line, column, '`<img>` without alt text: screen readers announce the file name or nothing', 'Add `alt` describing the image, or `alt=""` when it is decorative.'));
    }
    if (has('onclick') && !(INTERACTIVE_TAGS.has(tag) || (tag === 'a' && has('href')))) {
      const keyboard = has('onkeydown') || has('onkeyup') || has('onkeypress');
      const role = attrs.get('role');
      const focusable = has('tabindex');
      const interactiveRole = role === null || (role !== undefined && INTERACTIVE_ROLES.has(role));
      if (!keyboard || !interactiveRole || !focusable) {
        const missing = [!keyboard ? 'a keyboard handler' : '', !interactiveRole ? 'a role' : '', !focusable ? 'tabIndex' : ''].filter(Boolean).join(', ');
        findings.push(finding('click-without-keyboard', 'medium', file, line, column, `Click handler on a \`<${tag}>\` with no ${missing}: keyboard and screen-reader users cannot use it`, `Use a \`<button>\` (or \`<a href>\` for navigation); if it must stay a \`<${tag}>\`, add role="button", tabIndex={0} and an onKeyDown handler for Enter and Space.`));
      }
    }
    const isField = (tag === 'input' && !UNLABELLED_INPUT_TYPES.has(attrs.get('type') ?? 'text')) || tag === 'select' || tag === 'textarea';
    if (isField) {
      const id = attrs.get('id');
      // A computed id may well be some label's target: only constant ids can be checked.
      const labelled = element.insideLabel || has('aria-label') || has('aria-labelledby') || has('title') || id === null || (id !== undefined && labelTargets.has(id));
      if (!labelled) {
        findings.push(finding('input-label', 'medium', file, line, column, `\`<${tag}>\` without a label: screen readers cannot say what it is for (a placeholder is not a label)`, 'Wrap it in a `<label>`, or give it an id named by `<label for>` (htmlFor in JSX), or add `aria-label`.'));
      }
    }
    if (tag === 'html' && !has('lang')) {
      findings.push(finding('html-lang', 'low', file, line, column, '`<html>` without a `lang` attribute: screen readers guess the language and may mispronounce the page', 'Add the page\'s language, e.g. `<html lang="en">`.'));
    }
  }
  return findings;
}

function unsafeHtml(file: string, line: number, column: number, sink: string): Finding {
  return finding('unsafe-html', 'high', file, line, column, `${sink} renders HTML from a value that is not constant: if it holds user input, that is cross-site scripting`, 'Render text instead (JSX children, `{{ }}`, textContent), or sanitise the HTML with a maintained sanitiser (DOMPurify.sanitize) right where it is rendered.');
}

function isSafeHtmlValue(node: AstNode | null): boolean {
  if (!node) return true;
  if (constantString(node) !== null) return true;
  if (node.type === 'CallExpression') return SANITIZER.test(calleeChain(child(node, 'callee')).join('.'));
  return false;
}

// ---- JSX and script code -------------------------------------------------------------------------------------

function jsxName(node: AstNode | null): string | null {
  if (!node) return null;
  if (node.type === 'JSXIdentifier') return String(node.name);
  if (node.type === 'JSXNamespacedName') return `${nameOf(child(node, 'namespace'))}:${nameOf(child(node, 'name'))}`;
  return null;
}

/** Checks in JavaScript/TypeScript: JSX elements and DOM HTML sinks. `lineOffset` places an embedded script. */
export function checkScript(file: string, root: AstNode, lineOffset = 0): Finding[] {
  const elements: MarkupElement[] = [];
  const findings: Finding[] = [];
  walk(root, (node, ancestors) => {
    const line = node.loc.start.line + lineOffset;
    const column = node.loc.start.column + 1;
    if (node.type === 'JSXOpeningElement') {
      const tag = jsxName(child(node, 'name'));
      const attrs = new Map<string, string | null>();
      let spread = false;
      for (const attribute of childList(node, 'attributes')) {
        if (attribute.type === 'JSXSpreadAttribute') {
          spread = true;
          continue;
        }
        const raw = jsxName(child(attribute, 'name'));
        if (!raw) continue;
        const value = child(attribute, 'value');
        const constant = value === null ? '' : value.type === 'Literal' ? String(value.value) : value.type === 'JSXExpressionContainer' ? constantString(child(value, 'expression')) : null;
        attrs.set(attrName(raw), constant);
        if (raw === 'dangerouslySetInnerHTML') {
          const expression = value?.type === 'JSXExpressionContainer' ? child(value, 'expression') : null;
          const html = expression?.type === 'ObjectExpression' ? childList(expression, 'properties').find((p) => nameOf(child(p, 'key')) === '__html') : null;
          const htmlValue = html ? child(html, 'value') : expression;
          if (!isSafeHtmlValue(htmlValue)) findings.push(unsafeHtml(file, attribute.loc.start.line + lineOffset, attribute.loc.start.column + 1, '`dangerouslySetInnerHTML`'));
        }
      }
      // Components (<Image>, <Button>) decide their own markup; only DOM elements are checked.
      if (!tag || !/^[a-z]/.test(tag)) return;
      const insideLabel = ancestors.some((a) => a.type === 'JSXElement' && jsxName(child(child(a, 'openingElement') ?? a, 'name')) === 'label');
      elements.push({ tag, line, column, attrs, spread, insideLabel });
      return;
    }
    if (node.type === 'AssignmentExpression') {
      const left = child(node, 'left');
      const property = left ? memberProperty(left) : null;
      if ((property === 'innerHTML' || property === 'outerHTML') && !isSafeHtmlValue(child(node, 'right'))) findings.push(unsafeHtml(file, line, column, `\`${property} =\``));
      return;
    }
    if (node.type === 'CallExpression') {
      const callee = child(node, 'callee');
      const method = callee ? memberProperty(callee) : null;
      const args = childList(node, 'arguments');
      if (method === 'insertAdjacentHTML' && !isSafeHtmlValue(args[1] ?? null)) findings.push(unsafeHtml(file, line, column, '`insertAdjacentHTML`'));
      if ((method === 'write' || method === 'writeln') && callee && nameOf(child(callee, 'object')) === 'document' && !isSafeHtmlValue(args[0] ?? null)) findings.push(unsafeHtml(file, line, column, `\`document.${method}\``));
    }
  });
  return [...accessibilityFindings(file, elements), ...findings];
}

// ---- HTML and Vue templates (parse5) ---------------------------------------------------------------------------

interface Parse5Node {
  nodeName: string;
  tagName?: string;
  attrs?: { name: string; value: string }[];
  childNodes?: Parse5Node[];
  content?: Parse5Node;
  value?: string;
  sourceCodeLocation?: { startLine: number; startCol: number; startTag?: { startLine: number }; attrs?: Record<string, { startLine: number; startCol: number }> } | null;
}

function templateElements(root: Parse5Node, vue: boolean): { elements: MarkupElement[]; vHtml: { line: number; column: number; expression: string }[]; scripts: { text: string; line: number }[] } {
  const elements: MarkupElement[] = [];
  const vHtml: { line: number; column: number; expression: string }[] = [];
  const scripts: { text: string; line: number }[] = [];
  const visit = (node: Parse5Node, insideLabel: boolean): void => {
    const location = node.sourceCodeLocation;
    if (node.tagName && location) {
      const tag = node.tagName.toLowerCase();
      const attrs = new Map<string, string | null>();
      let spread = false;
      for (const attribute of node.attrs ?? []) {
        const raw = attribute.name;
        if (raw === 'v-bind' || raw === 'v-on') spread = true;
        const bound = vue && (raw.startsWith(':') || raw.startsWith('v-bind:'));
        attrs.set(attrName(raw), bound ? null : attribute.value);
        if (vue && raw === 'v-html') {
          const at = location.attrs?.[raw];
          vHtml.push({ line: at?.startLine ?? location.startLine, column: at?.startCol ?? location.startCol, expression: attribute.value.trim() });
        }
      }
      // Implied elements (parse5 adds <html> to a fragment-like page) have no start tag in the source.
      if (location.startTag || tag !== 'html') elements.push({ tag, line: location.startLine, column: location.startCol, attrs, spread, insideLabel });
      if (tag === 'script') {
        const text = (node.childNodes ?? []).map((c) => c.value ?? '').join('');
        if (text.trim() && !/\b(?:type|lang)=["']?(?:text\/template|application\/json|application\/ld\+json)/.test(JSON.stringify(node.attrs))) scripts.push({ text, line: location.startTag?.startLine ?? location.startLine });
      }
    }
    const label = insideLabel || node.tagName === 'label';
    for (const next of node.childNodes ?? []) visit(next, label);
    if (node.content) visit(node.content, label);
  };
  visit(root, false);
  return { elements, vHtml, scripts };
}

function isSafeVueExpression(expression: string): boolean {
  return /^(['"`])[^'"`]*\1$/.test(expression) || SANITIZER.test(expression.split('(')[0] ?? '');
}

/**
 * Checks in an HTML page or a Vue single-file component: the markup, `v-html`, and the scripts in it (parsed by
 * `parseScript`, which returns null when a script does not parse).
 */
export function checkMarkup(file: string, text: string, parseScript: (code: string) => AstNode | null): Finding[] {
  const parse5 = require('parse5') as { parse(html: string, options: object): Parse5Node; parseFragment(html: string, options: object): Parse5Node };
  const vue = file.endsWith('.vue');
  const document = vue || !/<html[\s>]|<!doctype/i.test(text) ? parse5.parseFragment(text, { sourceCodeLocationInfo: true }) : parse5.parse(text, { sourceCodeLocationInfo: true });
  const { elements, vHtml, scripts } = templateElements(document, vue);
  const findings = accessibilityFindings(file, elements);
  for (const binding of vHtml) {
    if (!isSafeVueExpression(binding.expression)) findings.push(unsafeHtml(file, binding.line, binding.column, '`v-html`'));
  }
  for (const script of scripts) {
    const root = parseScript(script.text);
    if (root) findings.push(...checkScript(file, root, script.line - 1));
  }
  return findings;
}
