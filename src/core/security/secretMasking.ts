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
 * `tokenExpiry` or `passwordMinLength` do not count. */
export function looksLikeSecretName(name: string): boolean {
  const parts = words(name);
  const last = parts[parts.length - 1];
  if (last === undefined) return false;
  if (SECRET_LAST_WORDS.has(last)) return true;
  return parts.length >= 2 && SECRET_LAST_PAIRS.has(`${parts[parts.length - 2]} ${last}`);
}

const PLACEHOLDER = /^(your|my|change|replace|example|dummy|placeholder|sample|test|todo|fake|redacted|xxx|<|\{\{|\$\{)|changeme|change[-_ ]?me|placeholder|example|your[-_]|x{4,}|\*{3,}/i;

/** A value worth reporting: long enough, not a placeholder, not an env-var name, URL, path or sentence. */
export function looksLikeSecretValue(value: string): boolean {
  if (value.length < 8) return false;
  if (PLACEHOLDER.test(value)) return false;
  if (/\s/.test(value)) return false;
  if (/^[A-Z][A-Z0-9_]*$/.test(value)) return false;
  if (value.includes('://') || value.startsWith('/')) return false;
  if (/^(.)\1+$/.test(value)) return false;
  return true;
}

/** Keeps `keep` leading characters, enough to tell two keys apart, never enough to use one. */
function masked(value: string, keep: number): string {
  return value.includes(MASK) ? value : `${value.slice(0, Math.max(0, Math.min(keep, Math.floor(value.length / 4))))}${MASK}`;
}

// Token shapes that are secrets whatever they are assigned to. Each keeps its well-known prefix plus four
// characters (`sk_live_51Hx…[masked]`), which says what leaked without leaking it.
const TOKEN_SHAPES: readonly RegExp[] = [
  /\b((?:sk|rk)_(?:live|test)_[A-Za-z0-9]{4})[A-Za-z0-9]{4,}/g, // Stripe secret and restricted keys
  /\b(whsec_[A-Za-z0-9]{4})[A-Za-z0-9]{8,}/g, // Stripe webhook secrets
  /\b((?:AKIA|ASIA)[A-Z0-9]{4})[A-Z0-9]{12}\b/g, // AWS access key ids
  /\b(gh[pousr]_[A-Za-z0-9]{4})[A-Za-z0-9]{20,}/g, // GitHub tokens
  /\b(github_pat_[A-Za-z0-9]{4})[A-Za-z0-9_]{20,}/g,
  /\b(xox[abprs]-[A-Za-z0-9]{4})[A-Za-z0-9-]{8,}/g, // Slack tokens
  /\b(AIza[A-Za-z0-9_-]{4})[A-Za-z0-9_-]{31}\b/g, // Google API keys
  /\b(eyJ[A-Za-z0-9_-]{3})[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{8,}/g, // JWTs
];

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
const MAYBE_SECRET = /[=:]|\|\||\?\?|-----BEGIN|_(?:live|test)_|whsec_|AKIA|ASIA|gh[pousr]_|github_pat_|xox[abprs]-|AIza|eyJ/;

/** Masks everything the secret rules recognise in `text`, keeping a short prefix of each value (`sk_live_51Hx…[masked]`).
 * Idempotent, and line-preserving: masked text has the same lines as the original. */
export function maskSecrets(text: string): string {
  if (!MAYBE_SECRET.test(text)) return text;
  let out = text.replace(PRIVATE_KEY_BLOCK, (_all, begin: string, body: string, end: string) => `${begin}${body.replace(/[^\r\n]+/g, (line) => (line === MASK ? line : MASK))}${end}`);
  for (const shape of TOKEN_SHAPES) out = out.replace(shape, (_all, prefix: string) => `${prefix}${MASK}`);
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
