import { strict as assert } from 'node:assert';
import { MASK, maskSecrets, maskSecretsDeep } from '../../../src/core/security/secretMasking';
import { RunEventStream } from '../../../src/core/events/runEventStream';
import type { OrchestratorEvent } from '../../../src/core/protocol/events';

const STRIPE = 'sk_live_51HxQz8KpLmNoPqRsTuVwXyZ0123456789';

describe('maskSecrets', () => {
  const cases: Array<[string, string, string]> = [
    ['a Stripe key keeps its prefix and four characters', `const stripeApiKey = '${STRIPE}';`, `const stripeApiKey = 'sk_live_51Hx${MASK}';`],
    ['an AWS access key id', 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE', `aws_access_key_id = AKIAIOSF${MASK}`],
    ['a GitHub token', 'token ghp_16C7e42F292c6912E7710c838347Ae178B4a in a sentence', `token ghp_16C7${MASK} in a sentence`],
    ['a JWT', 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', `Authorization: Bearer eyJhbG${MASK}`],
    ['a password in a URL', 'DATABASE_URL=postgres://admin:s3cr3t-pa55@db.internal:5432/app', `DATABASE_URL=postgres://admin:${MASK}@db.internal:5432/app`],
    ['a string assigned to a secret name', "  jwtSecret: 'jwt-signing-key-7f3c9a1e5b2d8046',", `  jwtSecret: 'jwt-${MASK}',`],
    ['a JSON secret field', '{"password": "hunter2hunter2"}', `{"password": "hun${MASK}"}`],
    ['an environment fallback', "const secret = process.env.JWT_SECRET || 'dev-secret-123456';", `const secret = process.env.JWT_SECRET || 'dev-${MASK}';`],
    ['a dotenv line', 'export API_KEY=abcd1234efgh5678', `export API_KEY=abcd${MASK}`],
  ];
  for (const [name, input, expected] of cases) {
    it(`masks ${name}`, () => {
      assert.equal(maskSecrets(input), expected);
      assert.equal(maskSecrets(expected), expected, 'masking twice changes nothing');
    });
  }

  it('masks a private key block line by line, also when a diff hunk cuts off its END line', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1234\nabcdEFGH5678\n-----END RSA PRIVATE KEY-----\nafter';
    assert.equal(maskSecrets(pem), `-----BEGIN RSA PRIVATE KEY-----\n${MASK}\n${MASK}\n-----END RSA PRIVATE KEY-----\nafter`);
    const cut = ' const key = `-----BEGIN PRIVATE KEY-----\n+MIIEowIBAAKCAQEA1234';
    assert.ok(!maskSecrets(cut).includes('MIIEowIBAAKCAQEA1234'));
  });

  it('leaves ordinary code alone: placeholders, env lookups, comparisons, non-secret names', () => {
    const code = [
      "const token = generateToken(user);",
      "if (password === 'hunter2hunter2') deny();",
      "const tokenExpiry = '3600seconds';",
      "const apiKey = process.env.API_KEY;",
      "const password = 'changeme';",
      "const url = 'https://example.com/a:b';",
    ].join('\n');
    assert.equal(maskSecrets(code), code);
  });

  it('masks every string of a nested value and keeps the rest', () => {
    assert.deepEqual(maskSecretsDeep({ a: [`key ${STRIPE}`, 3], b: { c: true, d: null } }), { a: [`key sk_live_51Hx${MASK}`, 3], b: { c: true, d: null } });
  });

  it('is applied to every event payload before the journal sees it', () => {
    const journaled: OrchestratorEvent[] = [];
    const stream = new RunEventStream('s1', { append: (event: OrchestratorEvent) => journaled.push(event) } as never, { now: () => 1 });
    const event = stream.emit('agent.skipped', { agent: 'x', reason: `found ${STRIPE}` });
    assert.equal(event.payload.reason, `found sk_live_51Hx${MASK}`);
    assert.ok(!JSON.stringify(journaled).includes(STRIPE));
  });
});
