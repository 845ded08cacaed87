// Severity and advice per rule. Severities reflect what an attacker gets: code execution and injection are
// critical, data leaks across tenants and leaked credentials high, hardening issues medium or low.
import type { Severity } from '../../../core/protocol/findings';

export interface RuleInfo {
  severity: Severity;
  recommendation: string;
}

export const RULE_CATALOG: Readonly<Record<string, RuleInfo>> = {
  'agent-orchestrator/missing-tenant-filter': {
    severity: 'high',
    recommendation:
      "Filter every query in a request handler by the caller's organizationId (e.g. where: { organizationId: req.user.organizationId, ... }) so one tenant cannot read or change another tenant's records.",
  },
  'agent-orchestrator/missing-access-control': {
    severity: 'high',
    recommendation:
      "Check that the record belongs to the caller before using it: filter the query by the owner (e.g. where: { id, userId: req.user.id }), or compare the loaded record's owner with req.user and answer 404/403, or guard the route with an authorization middleware or policy.",
  },
  'agent-orchestrator/hardcoded-secret': {
    severity: 'high',
    recommendation:
      'Move the secret to an environment variable or secret manager, fail at startup when it is missing, and rotate the committed value because it is already in version control.',
  },
  'agent-orchestrator/sql-injection': {
    severity: 'critical',
    recommendation:
      'Use a parameterised query (placeholders such as $1 or ? with a values array, or a tagged template like prisma.$queryRaw`...`) instead of building SQL text from input.',
  },
  'agent-orchestrator/nosql-injection': {
    severity: 'critical',
    recommendation:
      'Never pass request objects into a query filter: cast each field to the expected type (String(x), Number(x), new ObjectId(x)) or validate the body with a schema, strip keys that start with $ (mongo-sanitize), and do not build $where from input.',
  },
  'agent-orchestrator/command-injection': {
    severity: 'critical',
    recommendation:
      'Do not pass input to a shell: call execFile/spawn with a fixed executable and an argument array (no shell: true), and check each argument against an allow-list or a strict pattern.',
  },
  'agent-orchestrator/path-traversal': {
    severity: 'high',
    recommendation:
      'Reduce the name with path.basename or resolve it against a fixed base directory and reject results outside it (path.resolve + startsWith(base + path.sep)); for res.sendFile pass a root option.',
  },
  'agent-orchestrator/open-redirect': {
    severity: 'medium',
    recommendation:
      'Redirect only to same-site paths (a value that starts with a single "/") or to targets from an allow-list; otherwise redirect to a fixed page.',
  },
  'agent-orchestrator/ssrf': {
    severity: 'high',
    recommendation:
      'Do not let input choose the host of an outgoing request: pick the target from an allow-list, or keep a fixed base URL and put input only in encoded path or query parts; block private and link-local addresses.',
  },
  'agent-orchestrator/xss': {
    severity: 'high',
    recommendation:
      'Escape input before it goes into HTML: print it with the escaping output of the template engine (EJS <%= %>, Handlebars {{ }}, Pug #{} or =, Nunjucks without | safe) with autoescape on, or escape-html / validator.escape in code; send data as JSON (res.json), and keep framework sanitising on (no bypassSecurityTrust* or dangerouslySetInnerHTML on input). Where HTML is really needed, sanitise it (DOMPurify, sanitize-html) first.',
  },
  'agent-orchestrator/code-injection': {
    severity: 'critical',
    recommendation:
      'Never evaluate input as code (eval, new Function, vm, setTimeout with a string, mathjs evaluate): parse data with JSON.parse, map allowed operations to functions, or use a restricted expression parser with a limited scope.',
  },
  'agent-orchestrator/insecure-deserialization': {
    severity: 'critical',
    recommendation:
      'Deserialise input only with data-only formats: JSON.parse instead of node-serialize, and js-yaml 4 load (or safeLoad with js-yaml 3) with the default safe schema.',
  },
  'agent-orchestrator/xxe': {
    severity: 'high',
    recommendation:
      'Parse XML with entity expansion off (drop noent: true, keep the parser default) and refuse DOCTYPE declarations in input.',
  },
  'no-unsanitized/method': {
    severity: 'high',
    recommendation:
      'Do not pass unsanitised strings to insertAdjacentHTML, document.write or createContextualFragment: build DOM nodes with textContent, or sanitise with DOMPurify.sanitize first.',
  },
  'no-unsanitized/property': {
    severity: 'high',
    recommendation:
      'Do not assign unsanitised strings to innerHTML or outerHTML: use textContent, or sanitise with DOMPurify.sanitize first.',
  },
  'security/detect-eval-with-expression': {
    severity: 'critical',
    recommendation:
      'Do not eval computed strings; parse data with JSON.parse or map allowed operations to functions in a lookup table.',
  },
  'security/detect-child-process': {
    severity: 'high',
    recommendation:
      'Use execFile/spawn with a fixed executable and an argument array (no shell), and validate every argument against an allow-list.',
  },
  'security/detect-non-literal-require': {
    severity: 'medium',
    recommendation: 'Require modules by literal name, or pick from a fixed map of allowed modules.',
  },
  'security/detect-non-literal-fs-filename': {
    severity: 'medium',
    recommendation:
      'Resolve the path against a fixed base directory and reject results outside it (path.resolve + startsWith check) before touching the file system.',
  },
  'security/detect-possible-timing-attacks': {
    severity: 'medium',
    recommendation:
      'Compare secrets with crypto.timingSafeEqual on equal-length Buffers (or compare HMAC digests) instead of == / ===.',
  },
  'security/detect-unsafe-regex': {
    severity: 'medium',
    recommendation: 'Rewrite the regular expression without nested quantifiers, or bound the input length, to avoid catastrophic backtracking (ReDoS).',
  },
  'security/detect-non-literal-regexp': {
    severity: 'medium',
    recommendation: 'Escape user input before building a RegExp from it, or match with string methods instead.',
  },
  'security/detect-pseudoRandomBytes': {
    severity: 'medium',
    recommendation: 'Use crypto.randomBytes (or crypto.randomUUID) for anything security-related.',
  },
  'security/detect-no-csrf-before-method-override': {
    severity: 'medium',
    recommendation: 'Register the CSRF middleware before methodOverride so overridden methods are still protected.',
  },
  'security/detect-disable-mustache-escape': {
    severity: 'high',
    recommendation: 'Keep template escaping on; escape or sanitise values explicitly where raw HTML is really needed.',
  },
  'security/detect-bidi-characters': {
    severity: 'high',
    recommendation: 'Remove the bidirectional control characters: they make the code read differently from how it runs (Trojan Source).',
  },
  'security/detect-invisible-characters': {
    severity: 'medium',
    recommendation: 'Remove the invisible characters; they can hide identifiers or logic from reviewers.',
  },
  'security/detect-buffer-noassert': {
    severity: 'low',
    recommendation: 'Drop the noAssert argument so Buffer reads and writes stay bounds-checked.',
  },
  'security/detect-new-buffer': {
    severity: 'low',
    recommendation: 'Use Buffer.from or Buffer.alloc instead of the deprecated, unsafe new Buffer().',
  },
};

const FALLBACK: RuleInfo = { severity: 'medium', recommendation: 'Review this code and remove the unsafe pattern.' };

export function ruleInfo(ruleId: string): RuleInfo {
  return RULE_CATALOG[ruleId] ?? FALLBACK;
}

/** eslint-plugin-security rules that flag a risky call whatever its argument, mapped to the source-to-sink rule that
 * reports the real flow: where both fire on one line, only the source-to-sink finding (with the source) is kept. */
export const SUPERSEDED_PLUGIN_RULES: Readonly<Record<string, string>> = {
  'security/detect-child-process': 'agent-orchestrator/command-injection',
  'security/detect-eval-with-expression': 'agent-orchestrator/code-injection',
};

/** Rules of eslint-plugin-security's recommended set that we turn off, with the reason. */
export const DISABLED_PLUGIN_RULES: Readonly<Record<string, string>> = {
  // Fires on every obj[key] with a variable key (loops, maps, lookups): in ordinary code most hits are false
  // positives, which would bury the findings that matter and train users to ignore the report.
  'security/detect-object-injection': 'too noisy on normal code',
  // Fires on every fs call whose path is a variable (config loaders, build scripts, caches); the path-traversal rule
  // reports the calls whose path comes from a request, with the source, so this one only added noise.
  'security/detect-non-literal-fs-filename': 'replaced by agent-orchestrator/path-traversal',
  // Fires on every require of a computed name, mostly config loaders (`require(path.join(__dirname, 'env', env))`);
  // the code-injection rule reports the requires whose name comes from a request.
  'security/detect-non-literal-require': 'replaced by agent-orchestrator/code-injection',
};
