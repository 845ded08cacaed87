// What counts as a secret, shared by the hardcoded-secret rule (which reports it) and the masking applied to
// everything a run records or shows (which hides it). One definition, so a key the scanner flags is also a key no
// event, artifact or view repeats.

/** What replaces the hidden part of a secret; a value already carrying it is not masked again. */
export const MASK = '…[masked]';

/** Splits `jwtSecret`, `JWT_SECRET`, `api-key` into lower-case words. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_\-.$]+/)
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase());
}

const SECRET_LAST_WORDS = new Set(['secret', 'password', 'passwd', 'passphrase', 'pwd', 'token', 'apikey', 'privatekey', 'credentials']);
const SECRET_LAST_PAIRS = new Set(['api key', 'private key', 'secret key', 'access key', 'signing key', 'encryption key', 'client secret']);

/** The name is about a secret when its last word is one (`jwtSecret`, `ADMIN_PASSWORD`, `apiKey`), so
 * `tokenExpiry` or `passwordMinLength` do not count; passport's `secretOrKey` counts too. */
export function looksLikeSecretName(name: string): boolean {
  const parts = words(name);
  const last = parts[parts.length - 1];
  if (last === undefined) return false;
  if (SECRET_LAST_WORDS.has(last)) return true;
  if (last === 'key' && parts.includes('secret')) return true;
  return parts.length >= 2 && SECRET_LAST_PAIRS.has(`${parts[parts.length - 2]} ${last}`);
}

/** Values that stand for a secret without being one: a template's or shell's variable, a prompt to fill in. */
const PLACEHOLDER = /^(your|my|change|replace|example|dummy|placeholder|sample|test|todo|fake|redacted|xxx|<|\{\{|\$\{?[A-Za-z_]|%\(|process\.env\b|env\()|changeme|change[-_ ]?me|placeholder|example|your[-_ ]|x{4,}|\*{3,}|\.{3}|…/i;

/** A value that only stands in for one, in any position. */
const STAND_IN = /^(<.*>|\{\{.*\}\}|\$\{?[A-Za-z_].*|%\(.*|process\.env\b.*)$|changeme|change[-_ ]?me|replace[-_ ]?(me|this|with)|your[-_ ]|placeholder|x{4,}|\*{3,}|\.{3}|…/i;

/** Words of a label, prompt or message (`'Enter your password'`, `'Invalid token'`), not of a passphrase. */
const MESSAGE_WORDS = /\b(password|passwords|passwd|token|tokens|secret|key|keys|enter|invalid|required|must|please|missing|incorrect|wrong|expired|failed|not|is|are|was|should|cannot|can't|new|confirm|current|reset|forgot|field|characters?)\b/i;

/**
 * A value worth reporting: long enough, not a placeholder, not an env-var name, URL or path. A value with spaces
 * counts when it reads like a passphrase (`'keyboard cat'`: a few words, no sentence punctuation, no words of a
 * label or message). `lenient` is for a literal in a secret's own place (the key of `jwt.sign`, a session's
 * `secret`), where any value but a placeholder is one.
 */
export function looksLikeSecretValue(value: string, options: { lenient?: boolean } = {}): boolean {
  const trimmed = value.trim();
  if (trimmed.length < (options.lenient ? 4 : 8)) return false;
  if (/^(.)\1+$/.test(trimmed)) return false;
  // In a key's own place `'mysecret'` or `'test-secret'` is what the app runs with; only a stand-in is not.
  if (options.lenient) return !STAND_IN.test(trimmed);
  if (PLACEHOLDER.test(trimmed)) return false;
  if (/\s/.test(trimmed)) {
    const spaced = trimmed.split(/\s+/);
    if (spaced.length > 4 || /[.!?:,]$/.test(trimmed) || /[\r\n]/.test(trimmed) || MESSAGE_WORDS.test(trimmed)) return false;
    return spaced.every((word) => /^[\w@#$%^&*+=~-]+$/.test(word));
  }
  if (/^[A-Z][A-Z0-9_]*$/.test(trimmed)) return false;
  if (trimmed.includes('://') || trimmed.startsWith('/')) return false;
  return true;
}

/** Keeps `keep` leading characters, enough to tell two keys apart, never enough to use one. */
function masked(value: string, keep: number): string {
  return value.includes(MASK) ? value : `${value.slice(0, Math.max(0, Math.min(keep, Math.floor(value.length / 4))))}${MASK}`;
}

/** A kind of credential recognised by its shape alone, whatever it is assigned to. The first group of `pattern` is
 * the part masking keeps: the well-known prefix plus a few characters (`sk_live_51Hx…[masked]`), which says what
 * leaked without leaking it. */
export interface SecretShape {
  kind: string;
  pattern: RegExp;
}

export const SECRET_SHAPES: readonly SecretShape[] = [
  { kind: 'Stripe secret key', pattern: /\b((?:sk|rk)_(?:live|test)_[A-Za-z0-9]{4})[A-Za-z0-9]{4,}/g },
  { kind: 'Stripe webhook secret', pattern: /\b(whsec_[A-Za-z0-9]{4})[A-Za-z0-9]{8,}/g },
  { kind: 'AWS access key id', pattern: /\b((?:AKIA|ASIA)[A-Z0-9]{4})[A-Z0-9]{12}\b/g },
  { kind: 'GitHub token', pattern: /\b(gh[pousr]_[A-Za-z0-9]{4})[A-Za-z0-9]{20,}/g },
  { kind: 'GitHub token', pattern: /\b(github_pat_[A-Za-z0-9]{4})[A-Za-z0-9_]{20,}/g },
  { kind: 'Slack token', pattern: /\b(xox[abprs]-[A-Za-z0-9]{4})[A-Za-z0-9-]{8,}/g },
  { kind: 'Slack webhook URL', pattern: /(hooks\.slack\.com\/services\/T[A-Z0-9]{4})[A-Za-z0-9/]{16,}/g },
  { kind: 'Google API key', pattern: /\b(AIza[A-Za-z0-9_-]{4})[A-Za-z0-9_-]{31}\b/g },
  { kind: 'Google OAuth client secret', pattern: /\b(GOCSPX-[A-Za-z0-9_-]{4})[A-Za-z0-9_-]{20,}/g },
  { kind: 'OpenAI API key', pattern: /\b(sk-(?:proj-|ant-)?[A-Za-z0-9]{4})[A-Za-z0-9_-]{28,}/g },
  { kind: 'SendGrid API key', pattern: /\b(SG\.[A-Za-z0-9_-]{4})[A-Za-z0-9_-]{18,}\.[A-Za-z0-9_-]{20,}/g },
  { kind: 'npm token', pattern: /\b(npm_[A-Za-z0-9]{4})[A-Za-z0-9]{32}\b/g },
  { kind: 'JSON Web Token', pattern: /\b(eyJ[A-Za-z0-9_-]{3})[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{8,}/g },
];

/** Documentation's own example keys (AWS's `AKIAIOSFODNN7EXAMPLE`): shaped like a secret, published on purpose. */
const EXAMPLE_VALUE = /example|sample|dummy|fake|placeholder|your|x{6,}|0{8,}|1234567890/i;

/** A secret found by its shape in a text: what kind, where (offset of the value) and the value itself. */
export interface ShapedSecret {
  kind: string;
  index: number;
  value: string;
}

/** Credentials recognised by shape alone in `text`: the token shapes above, private key blocks and passwords in
 * URLs. Documentation examples and `${VAR}`-style passwords are left out. */
export function findShapedSecrets(text: string): ShapedSecret[] {
  if (!MAYBE_SECRET.test(text)) return [];
  const found: ShapedSecret[] = [];
  for (const shape of SECRET_SHAPES) {
    for (const match of text.matchAll(shape.pattern)) {
      if (!EXAMPLE_VALUE.test(match[0]) && !match[0].includes(MASK)) found.push({ kind: shape.kind, index: match.index, value: match[0] });
    }
  }
  for (const match of text.matchAll(PRIVATE_KEY_BLOCK)) {
    const body = (match[2] ?? '').replace(/\\n|\s/g, '');
    // A BEGIN line with a real body; a bare BEGIN line is a parser's constant, not a key.
    if (body.length >= 16 && !body.includes(MASK) && !EXAMPLE_VALUE.test(body.slice(0, 64))) found.push({ kind: 'private key', index: match.index, value: match[0] });
  }
  if (text.includes('://')) {
    for (const match of text.matchAll(URL_PASSWORD)) {
      const password = match[2] ?? '';
      if (password !== MASK && looksLikeUrlPassword(password)) found.push({ kind: 'password in a connection URL', index: match.index, value: match[0] });
    }
  }
  return found.sort((a, b) => a.index - b.index);
}

/** `postgres://app:${DB_PASSWORD}@db` or `mongodb://user:<password>@host` hold no secret. */
function looksLikeUrlPassword(password: string): boolean {
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // Not URL-encoded: look at it as written.
  }
  return decoded.length >= 3 && !PLACEHOLDER.test(decoded) && !/^(pass|password|passwd|pwd|secret|root|user|admin)$/i.test(decoded) && !/[{}<>$%]/.test(decoded);
}

/** Keeps the first `keep` characters of a value and masks the rest, as findings and recorded output show it. */
export function maskedValue(value: string, keep = 4): string {
  const shaped = maskSecrets(value);
  return shaped !== value ? shaped : masked(value, keep);
}

/** `-----BEGIN ... PRIVATE KEY-----` up to its END line, or to the end of the text when the END is cut off (a
 * diff hunk, a truncated snippet). The body's lines stay lines, so masked text keeps its line numbers. */
const PRIVATE_KEY_BLOCK = /(-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)([\s\S]*?)(-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$(?![\s\S]))/g;

/** `scheme://user:password@host`: the password goes, the rest of the URL stays readable. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@'"`]*:)([^\s@/'"`]+)@/gi;

/** `name = 'value'`, `name: "value"`, `"name": "value"`, `process.env.X || 'value'` on one line. */
const QUOTED_ASSIGNMENT = /(?<![\w$.-])([A-Za-z_$][\w$.-]*)(["'`]?\s*(?::|=(?![=>])|\|\||\?\?)\s*)(["'`])([^"'`\r\n\\]*)\3/g;
/** Lines that can hold such an assignment; the assignment pattern is slow on long text, so it runs on these only. */
const ASSIGNMENT_LINE = /^.*[:=|?]\s*["'`].*$/gm;

/** dotenv lines: `API_KEY=value`, `export DB_PASSWORD=value`. */
const ENV_ASSIGNMENT = /^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_.-]*)(\s*=\s*)([^\s"'`#]+)/gm;

/** Something every pattern above needs; most strings of a run (names, paths, summaries) have none and are returned
 * as they are without running the patterns. */
const MAYBE_SECRET = /[=:]|\|\||\?\?|-----BEGIN|_(?:live|test)_|whsec_|AKIA|ASIA|gh[pousr]_|github_pat_|xox[abprs]-|AIza|GOCSPX-|sk-|SG\.|npm_|eyJ/;

/** Masks everything the secret rules recognise in `text`, keeping a short prefix of each value (`sk_live_51Hx…[masked]`).
 * Idempotent, and line-preserving: masked text has the same lines as the original. */
export function maskSecrets(text: string): string {
  if (!MAYBE_SECRET.test(text)) return text;
  let out = text.replace(PRIVATE_KEY_BLOCK, (_all, begin: string, body: string, end: string) => `${begin}${body.replace(/[^\r\n]+/g, (line) => (line === MASK ? line : MASK))}${end}`);
  for (const shape of SECRET_SHAPES) out = out.replace(shape.pattern, (_all, prefix: string) => `${prefix}${MASK}`);
  if (out.includes('://')) out = out.replace(URL_PASSWORD, (_all, head: string, password: string) => `${head}${password === MASK ? password : MASK}@`);
  out = out.replace(ASSIGNMENT_LINE, (line) =>
    line.replace(QUOTED_ASSIGNMENT, (all, name: string, separator: string, quote: string, value: string) =>
      looksLikeSecretName(name) && looksLikeSecretValue(value) && !value.includes(MASK) ? `${name}${separator}${quote}${masked(value, 4)}${quote}` : all,
    ),
  );
  out = out.replace(ENV_ASSIGNMENT, (all, lead: string, name: string, separator: string, value: string) =>
    looksLikeSecretName(name) && looksLikeSecretValue(value) && !value.includes(MASK) ? `${lead}${name}${separator}${masked(value, 4)}` : all,
  );
  return out;
}

/** A copy of `value` with every string in it (object fields and array items, at any depth) passed through
 * maskSecrets; other values are kept as they are. */
export function maskSecretsDeep<T>(value: T): T {
  return maskValue(value, 0) as T;
}

function maskValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return maskSecrets(value);
  // Event payloads are shallow; the bound only stops a cyclic or absurd value from recursing forever.
  if (depth > 32 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => maskValue(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = maskValue(item, depth + 1);
  return copy;
}
