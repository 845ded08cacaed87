// The template side of XSS: where a view prints a value without escaping it (EJS `<%- %>`, Handlebars `{{{ }}}` and
// `{{& }}`, Pug `!{}` and `!=`, Nunjucks/Swig `| safe` and `{% autoescape false %}`), and whether that is a problem.
// Whether it is depends on what the render calls fill the variable with, so a template is read here into its outputs
// and judged later against the render calls of the whole workspace (see judgeTemplateOutputs).
import type { Severity } from '../../../../core/protocol/findings';
import type { EscapingOff, LocalOrigin, RenderCall } from './templateCodeRules';

export type TemplateEngine = 'ejs' | 'handlebars' | 'pug' | 'nunjucks';

/** One place a template prints a value. */
export interface TemplateOutput {
  engine: TemplateEngine;
  /** The construct as the user wrote it, e.g. "EJS <%- %>". */
  construct: string;
  expression: string;
  /** Dotted variable path the expression prints (`output.searchTerm`), undefined for a call or anything else. */
  path: string | undefined;
  /** Variable paths passed to a helper call (`{{{markdown post.body}}}`). */
  argumentPaths: string[];
  line: number;
  column: number;
  /** Printed raw; false for a normal `{{ x }}`, which is raw only when the engine's escaping is switched off. */
  raw: boolean;
  /** Provably harmless: an include, a layout's body slot, a literal. */
  safe: boolean;
}

export interface TemplateAnalysis {
  outputs: TemplateOutput[];
  /** `{% autoescape false %}` and the like: escaping switched off inside the template. */
  escapingOff: { construct: string; line: number; column: number }[];
}

export function templateEngineOf(file: string, source: string): TemplateEngine[] {
  const extension = /\.[^./]+$/.exec(file.toLowerCase())?.[0] ?? '';
  switch (extension) {
    case '.ejs':
      return ['ejs'];
    case '.hbs':
    case '.handlebars':
    case '.mustache':
      return ['handlebars'];
    case '.pug':
    case '.jade':
      return ['pug'];
    case '.njk':
    case '.nunjucks':
    case '.swig':
    case '.twig':
      return ['nunjucks'];
    default: {
      // `.html` views: the engine is whatever the app registered for them; the tags tell.
      if (ANGULAR_TEMPLATE.test(source)) return [];
      const engines: TemplateEngine[] = [];
      if (/<%[-=_]/.test(source)) engines.push('ejs');
      if (/\{\{\{|\{\{&/.test(source)) engines.push('handlebars');
      // A plain `{{ x }}` is read too: it is raw where the code switched the engine's escaping off.
      if (/\{%|\{\{/.test(source)) engines.push('nunjucks');
      return engines;
    }
  }
}

/** Angular component templates escape bindings themselves (bypassSecurityTrust* is found in the code). */
const ANGULAR_TEMPLATE = /\*ng(If|For)\b|\[\(ngModel\)\]|\(click\)=|routerLink|\[innerHTML\]/;

/** Layout slots and includes: the HTML they print is the app's own rendered view. */
const LAYOUT_SLOTS = new Set(['body', 'content', 'contents', 'yield', 'layoutBody', 'block', 'script', 'scripts', 'style', 'styles', 'meta']);
const SAFE_CALLS = /^(include|partial|layout|block|contentFor|defineContent|yield|super|caller|renderBody|csrfField)\s*[( ]/;
const PATH = /^[A-Za-z_$][\w$]*(?:\s*(?:\.\s*[A-Za-z_$][\w$]*|\[\s*(?:\d+|[A-Za-z_$][\w$]*|'[^']*'|"[^"]*")\s*\]))*/;
const LITERAL_ONLY = /^(?:'[^']*'|"[^"]*"|`[^`$]*`|-?\d+(?:\.\d+)?|true|false|null)$/;

function lineAndColumn(source: string, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let at = source.indexOf('\n'); at !== -1 && at < index; at = source.indexOf('\n', at + 1)) {
    line += 1;
    lineStart = at + 1;
  }
  return { line, column: index - lineStart + 1 };
}

/** `output.products[i].name` → `output.products.name`; `this.title` → `title`; `../user.name` → `user.name`. */
function normalisePath(raw: string): string {
  return raw
    .replace(/\s+/g, '')
    .replace(/\[(?:'([^']*)'|"([^"]*)")\]/g, (_all, a: string | undefined, b: string | undefined) => `.${a ?? b ?? ''}`)
    .replace(/\[[^\]]*\]/g, '')
    .replace(/^(?:\.\.\/)+/, '')
    .replace(/^this\./, '')
    .replace(/^(?:locals|data|it)\./, '');
}

/** What an output expression prints: a variable path, or a call and the paths it is passed. */
function describeExpression(expression: string, engine: TemplateEngine): { path: string | undefined; argumentPaths: string[]; safe: boolean } {
  const text = expression.trim().replace(/^\(+|\)+$/g, '').replace(/;$/, '').trim();
  if (text === '' || LITERAL_ONLY.test(text)) return { path: undefined, argumentPaths: [], safe: true };
  if (SAFE_CALLS.test(`${text} `)) return { path: undefined, argumentPaths: [], safe: true };
  if (engine === 'handlebars') {
    // `{{{helper arg1 arg2}}}`: space-separated, the first word is a helper when arguments follow.
    const parts = text.split(/\s+/).filter((part) => !/^\w+=/.test(part) || part.includes('='));
    if (parts.length > 1) {
      const args = parts.slice(1).filter((part) => PATH.exec(part)?.[0] === part).map(normalisePath);
      return { path: undefined, argumentPaths: args, safe: SAFE_CALLS.test(`${parts[0]} `) };
    }
    const path = normalisePath(text.replace(/^\.\//, ''));
    return { path, argumentPaths: [], safe: LAYOUT_SLOTS.has(path) || path === '.' || path === 'this' };
  }
  const match = PATH.exec(text);
  if (match && match[0].length === text.length) {
    const path = normalisePath(match[0]);
    return { path, argumentPaths: [], safe: LAYOUT_SLOTS.has(path) };
  }
  // A call or an expression: the paths inside it, for when one of them is request data.
  const argumentPaths = [...text.matchAll(/[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+|\b[A-Za-z_$][\w$]*\b/g)].map((m) => normalisePath(m[0]));
  // `JSON.stringify(x)` in a script block is a classic: `</script>` inside the value ends the script.
  return { path: undefined, argumentPaths, safe: false };
}

function push(outputs: TemplateOutput[], source: string, index: number, engine: TemplateEngine, construct: string, expression: string, raw: boolean): void {
  const { line, column } = lineAndColumn(source, index);
  const described = describeExpression(expression, engine);
  outputs.push({ engine, construct, expression: expression.trim().slice(0, 120), path: described.path, argumentPaths: described.argumentPaths, line, column, raw, safe: described.safe });
}

function ejsOutputs(source: string, outputs: TemplateOutput[]): void {
  for (const match of source.matchAll(/<%-([\s\S]*?)[-_]?%>/g)) push(outputs, source, match.index, 'ejs', 'EJS <%- %>', match[1] ?? '', true);
}

function handlebarsOutputs(source: string, outputs: TemplateOutput[]): void {
  for (const match of source.matchAll(/\{\{\{~?([\s\S]*?)~?\}\}\}/g)) push(outputs, source, match.index, 'handlebars', 'Handlebars/Mustache {{{ }}}', match[1] ?? '', true);
  for (const match of source.matchAll(/\{\{~?&([\s\S]*?)~?\}\}/g)) push(outputs, source, match.index, 'handlebars', 'Handlebars/Mustache {{& }}', match[1] ?? '', true);
}

/** Pug lines that start a statement where `!=` is a comparison, not unescaped output. */
const PUG_STATEMENT = /^\s*(-|if\b|unless\b|else\b|while\b|each\b|for\b|case\b|when\b|\/\/)/;

function pugOutputs(source: string, outputs: TemplateOutput[]): void {
  for (const match of source.matchAll(/!\{([^}\n]*)\}/g)) push(outputs, source, match.index, 'pug', 'Pug !{}', match[1] ?? '', true);
  let offset = 0;
  for (const line of source.split('\n')) {
    if (!PUG_STATEMENT.test(line)) {
      // `p!= html`, `div.note#x(class="a")!= html`, `!= html`
      const buffered = /^(\s*(?:[A-Za-z][\w:-]*)?(?:[.#][\w-]+)*(?:\([^)]*\))?)!=\s*(.+)$/.exec(line);
      if (buffered) push(outputs, source, offset + (buffered[1]?.length ?? 0), 'pug', 'Pug !=', buffered[2] ?? '', true);
      // `a(href!=url)`: an attribute value inserted unescaped.
      const attributes = /^\s*[A-Za-z][\w:-]*(?:[.#][\w-]+)*\(([^)]*)\)/.exec(line);
      if (attributes) {
        const start = line.indexOf('(') + 1;
        for (const attribute of (attributes[1] ?? '').matchAll(/([\w:@-]+)!=\s*([^,]+)/g)) {
          push(outputs, source, offset + start + attribute.index, 'pug', `Pug attribute ${attribute[1] ?? ''}!=`, attribute[2] ?? '', true);
        }
      }
    }
    offset += line.length + 1;
  }
}

function nunjucksOutputs(source: string, outputs: TemplateOutput[], escapingOff: TemplateAnalysis['escapingOff']): void {
  // `{% autoescape false %}` … `{% endautoescape %}`: everything printed inside is raw.
  const rawRanges: [number, number][] = [];
  for (const match of source.matchAll(/\{%-?\s*autoescape\s+(false|off|'false'|"false")\s*-?%\}/g)) {
    const end = source.indexOf('endautoescape', match.index);
    rawRanges.push([match.index, end === -1 ? source.length : end]);
    escapingOff.push({ construct: match[0], ...lineAndColumn(source, match.index) });
  }
  for (const match of source.matchAll(/\{\{-?([\s\S]*?)-?\}\}/g)) {
    const inner = match[1] ?? '';
    if (inner.startsWith('{') || inner.startsWith('&')) continue; // Handlebars triple-stash, read by its own pass
    const filters = inner.split(/\|(?!\|)/);
    const expression = filters[0] ?? '';
    const raw = filters.slice(1).some((filter) => /^\s*(safe|raw)\b/.test(filter));
    const escapedAfter = filters.slice(1).some((filter) => /^\s*(escape|e|striptags|urlencode|int|float|length|dump)\b/.test(filter));
    if (escapedAfter && !raw) continue;
    const inRawBlock = rawRanges.some(([start, end]) => match.index > start && match.index < end);
    push(outputs, source, match.index, 'nunjucks', raw ? `Nunjucks/Swig | ${/raw/.test(inner) ? 'raw' : 'safe'}` : inRawBlock ? 'Nunjucks/Swig {{ }} inside {% autoescape false %}' : 'Nunjucks/Swig {{ }}', expression, raw || inRawBlock);
  }
}

/** Reads a template into the places it prints values. Never throws: template syntax is only scanned, not parsed. */
export function analyzeTemplate(file: string, source: string): TemplateAnalysis {
  const outputs: TemplateOutput[] = [];
  const escapingOff: TemplateAnalysis['escapingOff'] = [];
  for (const engine of templateEngineOf(file, source)) {
    if (engine === 'ejs') ejsOutputs(source, outputs);
    else if (engine === 'handlebars') handlebarsOutputs(source, outputs);
    else if (engine === 'pug') pugOutputs(source, outputs);
    else nunjucksOutputs(source, outputs, escapingOff);
  }
  outputs.sort((a, b) => a.line - b.line || a.column - b.column);
  return { outputs, escapingOff };
}

// ---------------------------------------------------------------------------------------------------------
// Judging outputs against the render calls

/** A verdict on one output; undefined verdicts are not reported. */
export interface TemplateVerdict {
  output: TemplateOutput;
  severity: Severity;
  message: string;
}

function viewMatches(templateFile: string, view: string): boolean {
  const withoutExtension = templateFile.replace(/\.[^./]+$/, '');
  const name = view.replace(/^\.?\//, '').replace(/\.[^./]+$/, '');
  return withoutExtension === name || withoutExtension.endsWith(`/${name}`);
}

function originFor(path: string, calls: readonly RenderCall[]): { origin: LocalOrigin | undefined; call?: RenderCall } {
  let sawLiteral = false;
  let unknown = false;
  for (const call of calls) {
    if (!call.locals) {
      unknown = true;
      continue;
    }
    // The longest local that is the path or a prefix of it: `output` filled from req.query covers `output.q`.
    const local = call.locals
      .filter((entry) => path === entry.path || path.startsWith(`${entry.path}.`))
      .sort((a, b) => b.path.length - a.path.length)[0];
    if (local?.origin === 'request') return { origin: 'request', call };
    if (local?.origin === 'literal') sawLiteral = true;
    else unknown = true;
  }
  if (sawLiteral && !unknown) return { origin: 'literal' };
  return { origin: calls.length === 0 ? undefined : 'other' };
}

const ENGINE_OF_SETTING: Readonly<Record<EscapingOff['engine'], TemplateEngine | undefined>> = {
  swig: 'nunjucks', nunjucks: 'nunjucks', handlebars: 'handlebars', mustache: 'handlebars', ejs: 'ejs', unknown: undefined,
};

/**
 * The findings of one template given the workspace's render calls and escaping settings. Raw output of a value a
 * render call fills from the request is high; raw output of a variable of unknown origin (data from a database, say:
 * stored XSS) is medium; includes, layout slots and values every render call sets to a literal are not reported.
 * A normal `{{ x }}` counts only where escaping is switched off, and then only for request data (the setting itself
 * is the finding for the rest).
 */
export function judgeTemplateOutputs(templateFile: string, analysis: TemplateAnalysis, renderCalls: readonly (RenderCall & { file: string })[], escapingOff: readonly EscapingOff[]): TemplateVerdict[] {
  const calls = renderCalls.filter((call) => viewMatches(templateFile, call.view));
  const engineOff = new Set(escapingOff.map((setting) => ENGINE_OF_SETTING[setting.engine]).filter((engine) => engine !== undefined));
  if (escapingOff.some((setting) => setting.engine === 'unknown')) engineOff.add('nunjucks');
  const verdicts: TemplateVerdict[] = [];
  for (const output of analysis.outputs) {
    if (output.safe) continue;
    const raw = output.raw || engineOff.has(output.engine);
    if (!raw) continue;
    const paths = output.path !== undefined ? [output.path] : output.argumentPaths;
    const origins = paths.map((path) => ({ path, ...originFor(path, calls) }));
    const fromRequest = origins.find((entry) => entry.origin === 'request');
    const where = `${output.construct} at \`${output.expression}\``;
    if (fromRequest) {
      const call = fromRequest.call;
      verdicts.push({
        output,
        severity: 'high',
        message: `XSS: ${where} prints \`${fromRequest.path}\` unescaped, and the render call${call ? ` in ${(call as RenderCall & { file: string }).file}:${call.line}` : ''} fills it from request data`,
      });
      continue;
    }
    // Past this point only explicitly raw output of a plain variable is reported: a helper call builds its own
    // HTML, and a normal `{{ x }}` under a global switch is covered by the setting's finding.
    if (!output.raw || output.path === undefined) continue;
    if (origins.every((entry) => entry.origin === 'literal')) continue;
    verdicts.push({
      output,
      severity: 'medium',
      message: `XSS: ${where} prints \`${output.path}\` unescaped; unless it is HTML the app built itself, stored or user-supplied text in it runs as script`,
    });
  }
  return verdicts;
}
