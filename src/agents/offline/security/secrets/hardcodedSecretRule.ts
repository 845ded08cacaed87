// hardcoded-secret: a credential committed with the code. Three ways to know a string is one: its shape alone (a
// Stripe key, a private key block, a password in a database URL), the name it is given (`jwtSecret = '…'`), or the
// place it is passed to (`jwt.sign(payload, '…')`, `session({ secret: '…' })`). What a secret looks like is defined
// once, in core/security/secretMasking.ts, which also hides the same values in everything a run records.
import type { Rule, Scope, SourceCode } from 'eslint';
import type * as ESTree from 'estree';
import { findShapedSecrets, looksLikeSecretName, looksLikeSecretValue, maskedValue } from '../../../../core/security/secretMasking';

export const SHAPED_SECRET_MESSAGE = 'shaped';

function field(node: unknown, name: string): unknown {
  return typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[name] : undefined;
}

/** Strips type-only wrappers (`x as T`, `x!`) so the real expression is inspected. */
function unwrap(node: ESTree.Node): ESTree.Node {
  let current: unknown = node;
  while (['TSAsExpression', 'TSSatisfiesExpression', 'TSNonNullExpression', 'TSTypeAssertion'].includes(String(field(current, 'type')))) current = field(current, 'expression');
  return current as ESTree.Node;
}

function keyName(node: ESTree.Property | ESTree.PropertyDefinition): string | undefined {
  if (!node.computed && node.key.type === 'Identifier') return node.key.name;
  if (node.key.type === 'Literal' && typeof node.key.value === 'string') return node.key.value;
  return undefined;
}

function memberName(node: ESTree.MemberExpression): string | undefined {
  if (!node.computed && node.property.type === 'Identifier') return node.property.name;
  if (node.property.type === 'Literal' && typeof node.property.value === 'string') return node.property.value;
  return undefined;
}

/** The text of a string literal, a template without `${}`, or the fallback of `process.env.X || '…'`. */
function literalString(node: ESTree.Node | null | undefined): { text: string; node: ESTree.Node } | undefined {
  if (!node) return undefined;
  const inner = unwrap(node);
  if (inner.type === 'Literal' && typeof inner.value === 'string') return { text: inner.value, node: inner };
  if (inner.type === 'TemplateLiteral' && inner.expressions.length === 0) {
    const text = inner.quasis[0]?.value.cooked;
    return typeof text === 'string' ? { text, node: inner } : undefined;
  }
  if (inner.type === 'LogicalExpression' && (inner.operator === '||' || inner.operator === '??')) return literalString(inner.right);
  if (inner.type === 'ConditionalExpression') return literalString(inner.alternate) ?? literalString(inner.consequent);
  return undefined;
}

/** `const JWT_SECRET = 'a passphrase'; jwt.sign(claims, JWT_SECRET)`: the literal a `const` of this file holds, so
 * a key is judged in the place it is used, where any value is one (its name alone may not say so, and a passphrase
 * of many words does not look like a secret by itself). */
function constantString(node: ESTree.Node, sourceCode: SourceCode): { text: string; node: ESTree.Node } | undefined {
  const inner = unwrap(node);
  if (inner.type !== 'Identifier') return undefined;
  let variable: Scope.Variable | undefined;
  for (let scope: Scope.Scope | null = sourceCode.getScope(inner); scope && !variable; scope = scope.upper) variable = scope.set.get(inner.name);
  const definition = variable?.defs.length === 1 ? variable.defs[0] : undefined;
  if (definition?.type !== 'Variable' || definition.parent.kind !== 'const' || definition.node.id.type !== 'Identifier') return undefined;
  return literalString(definition.node.init);
}

/** The name a literal is given: `const stripeKey = '…'`, `{ stripeKey: '…' }`, `this.stripeKey = '…'`. */
function assignedName(node: ESTree.Node): string | undefined {
  let parent = (node as ESTree.Node & { parent?: ESTree.Node }).parent;
  // `process.env.KEY || 'sk_live_…'`
  if (parent?.type === 'LogicalExpression') parent = (parent as ESTree.Node & { parent?: ESTree.Node }).parent;
  if (!parent) return undefined;
  if (parent.type === 'VariableDeclarator' && parent.id.type === 'Identifier') return parent.id.name;
  if ((parent.type === 'Property' || parent.type === 'PropertyDefinition') && parent.value === node) return keyName(parent);
  if (parent.type === 'AssignmentExpression' && parent.right === node) {
    if (parent.left.type === 'Identifier') return parent.left.name;
    if (parent.left.type === 'MemberExpression') return memberName(parent.left);
  }
  return undefined;
}

/** `jwt.sign(payload, KEY)`, `jwt.verify(token, KEY)`, `crypto.createHmac(alg, KEY)`, `cookieParser(KEY)`: the
 * argument index that holds the key. */
function secretArgumentIndex(callee: ESTree.Node): number | undefined {
  const name = callee.type === 'Identifier' ? callee.name : callee.type === 'MemberExpression' ? memberName(callee) : undefined;
  const owner = callee.type === 'MemberExpression' && callee.object.type === 'Identifier' ? callee.object.name.toLowerCase() : '';
  if ((name === 'sign' || name === 'verify') && /jwt|jsonwebtoken|jws/.test(owner)) return 1;
  if (name === 'createHmac' || name === 'createCipheriv' || name === 'createDecipheriv') return 1;
  if (name === 'cookieParser') return 0;
  return undefined;
}

export const hardcodedSecretRule: Rule.RuleModule = {
  meta: {
    type: 'problem',
    docs: { description: 'Secrets must come from the environment or a secret store, not from source code.' },
    schema: [],
    messages: {
      hardcoded: 'Hard-coded secret in "{{name}}": the value ({{masked}}) is committed with the source code',
      [SHAPED_SECRET_MESSAGE]: 'Hard-coded {{kind}}{{where}} ({{masked}}): the value is committed with the source code',
      passed: 'Hard-coded secret passed to {{callee}} ({{masked}}): the key is committed with the source code',
    },
  },
  create(context) {
    const reported = new Set<ESTree.Node>();
    const report = (node: ESTree.Node, messageId: string, data: Record<string, string>): void => {
      if (reported.has(node)) return;
      reported.add(node);
      context.report({ node, messageId, data });
    };
    /** Shape findings win: they say what leaked, and a literal is reported once. */
    const shaped = (node: ESTree.Node, text: string): boolean => {
      const [first] = findShapedSecrets(text);
      if (!first) return false;
      const name = assignedName(node);
      // A token in code is often public by design (a Supabase anon key, a sample in a comment-like constant);
      // it is a secret when the code says so by its name.
      if (first.kind === 'JSON Web Token' && !(name !== undefined && looksLikeSecretName(name))) return true;
      report(node, SHAPED_SECRET_MESSAGE, { kind: first.kind, where: name ? ` in "${name}"` : '', masked: maskedValue(first.value) });
      return true;
    };
    const byName = (name: string | undefined, value: ESTree.Node | null | undefined, reportNode: ESTree.Node): void => {
      if (name === undefined || !looksLikeSecretName(name)) return;
      const literal = literalString(value);
      if (!literal || reported.has(literal.node) || findShapedSecrets(literal.text).length > 0) return;
      // A session's `secret` (express-session, cookie-session, JWT middleware) is a key whatever it reads like.
      const lenient = name === 'secret' || name === 'secretOrKey' || name === 'secretOrPrivateKey';
      if (!looksLikeSecretValue(literal.text, { lenient })) return;
      reported.add(literal.node);
      report(reportNode, 'hardcoded', { name, masked: maskedValue(literal.text) });
    };
    return {
      Literal(node) {
        if (typeof node.value === 'string') shaped(node, node.value);
      },
      TemplateLiteral(node) {
        for (const quasi of node.quasis) if (shaped(node, quasi.value.cooked ?? quasi.value.raw)) return;
      },
      CallExpression(node) {
        const index = secretArgumentIndex(node.callee);
        if (index === undefined) return;
        const argument = node.arguments[index];
        if (!argument || argument.type === 'SpreadElement') return;
        const literal = literalString(argument) ?? constantString(argument, context.sourceCode);
        if (!literal || reported.has(literal.node) || !looksLikeSecretValue(literal.text, { lenient: true })) return;
        report(literal.node, 'passed', { callee: context.sourceCode.getText(node.callee), masked: maskedValue(literal.text) });
      },
      VariableDeclarator(node) {
        if (node.id.type === 'Identifier') byName(node.id.name, node.init, node);
      },
      Property(node) {
        if (node.parent.type === 'ObjectExpression') byName(keyName(node), node.value as ESTree.Node, node);
      },
      PropertyDefinition(node) {
        byName(keyName(node), node.value, node);
      },
      AssignmentExpression(node) {
        if (node.left.type === 'Identifier') byName(node.left.name, node.right, node);
        else if (node.left.type === 'MemberExpression') byName(memberName(node.left), node.right, node);
      },
      AssignmentPattern(node) {
        if (node.left.type === 'Identifier') byName(node.left.name, node.right, node);
      },
    };
  },
};
