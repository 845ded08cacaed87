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

/** Rules of eslint-plugin-security's recommended set that we turn off, with the reason. */
export const DISABLED_PLUGIN_RULES: Readonly<Record<string, string>> = {
  // Fires on every obj[key] with a variable key (loops, maps, lookups): in ordinary code most hits are false
  // positives, which would bury the findings that matter and train users to ignore the report.
  'security/detect-object-injection': 'too noisy on normal code',
};
