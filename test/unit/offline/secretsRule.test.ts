// hardcoded-secret: values with spaces, private keys, well-known token shapes, keys passed to jwt/session APIs,
// database URLs with passwords, in code and in configuration files; placeholders stay silent; only masked values shown.
import { strict as assert } from 'node:assert';
import { SecurityScanner } from '../../../src/agents/offline/security/securityScanner';
import type { Finding } from '../../../src/core/protocol/findings';
import { MASK, maskSecrets } from '../../../src/core/security/secretMasking';
import { MemoryWorkspace } from '../security/memoryWorkspace';

const SECRET = 'agent-orchestrator/hardcoded-secret';
const scanner = new SecurityScanner(new MemoryWorkspace({}));

// Built from parts so this file itself holds no secret-shaped literal.
const STRIPE = ['sk', 'live', '51HxQz8KpLmNoPqRsTuVwXyZ01'].join('_');
const AWS = `AKIA${'Q4ZR7W2X9PLMN3TB'}`;
const GITHUB = `ghp_${'16C7e42F292c6912E7710c838347Ae178B4a'}`;
const SLACK = `xoxb-${'263594206564-2343594206574-FGqddMF8t08v8N7Oq4i57vs1'}`;
const GOOGLE = `AIza${'SyD9x8Q2m3N4b5V6c7X8z9A0s1D2f3G4h5J'}`;
const JWT = `eyJhbGciOiJIUzI1NiJ9.${'eyJyb2xlIjoiYW5vbiJ9'}.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U`;
const PEM_BODY = 'MIIEowIBAAKCAQEAw8K9m2QpZ7r1XyLk0vN4s5T6u7W8x9Y0z1A2b3C4d5E6f7G8';
const PEM = `-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\nq1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6j7K8l9Z0x1C2v3B4n5M6\n-----END RSA PRIVATE KEY-----`;

function secrets(file: string, source: string): Finding[] {
  const result = scanner.scanSource(file, source);
  assert.equal(result.parseError, undefined, result.parseError);
  return result.findings.filter((finding) => finding.ruleId === SECRET);
}

function assertMaskedOnly(findings: Finding[], ...values: string[]): void {
  for (const finding of findings) {
    assert.ok(finding.message.includes(MASK), finding.message);
    for (const value of values) assert.ok(!finding.message.includes(value), `${finding.message} shows ${value}`);
  }
}

describe('hardcoded-secret in code', () => {
  it('reports a session secret with spaces (keyboard cat) and keys passed to jwt.sign, jwt.verify and cookieParser', () => {
    const source = [
      "app.use(session({ secret: 'keyboard cat', resave: false }));",
      "const token = jwt.sign({ id: user.id }, 'my jwt key 2019');",
      "jwt.verify(token, 'shhhhh-very-secret');",
      "app.use(cookieParser('cookie signing key'));",
      "const sessionSecret = 'correct horse battery staple';",
    ].join('\n');
    const found = secrets('app.js', source);
    assert.deepEqual(found.map((finding) => finding.line), [1, 2, 3, 4, 5]);
    assert.match(found[0]?.message ?? "", /"secret": the value \(key…\[masked\]\)/);
    assertMaskedOnly(found, 'keyboard cat', 'my jwt key 2019', 'shhhhh-very-secret', 'cookie signing key', 'battery staple');
  });

  it('reports a long passphrase held in a const and passed to jwt.verify or createHmac, at the const, masked', () => {
    const source = [
      "const TOKEN_KEY = 'the staging token key of the billing team';",
      "const SIGNING = process.env.SIGNING || 'fallback hmac key for webhooks v2';",
      'let rotated = loadKey();',
      'export function check(token) { return jwt.verify(token, TOKEN_KEY); }',
      "export const sign = (body) => crypto.createHmac('sha256', SIGNING).update(body).digest('hex');",
      "export const other = (body) => crypto.createHmac('sha256', rotated).update(body).digest('hex');",
    ].join('\n');
    const found = secrets('src/tokens.js', source);
    assert.deepEqual(found.map((finding) => finding.line), [1, 2]);
    assertMaskedOnly(found, 'staging token key', 'hmac key for webhooks');
  });

  it('reports well-known token shapes whatever they are assigned to, and PEM private keys', () => {
    const source = [
      `const config = { stripe: '${STRIPE}' };`,
      `const aws = '${AWS}';`,
      `headers.authorization = 'token ${GITHUB}';`,
      `const slack = '${SLACK}';`,
      `const maps = { k: '${GOOGLE}' };`,
      `const signingKey = \`${PEM}\`;`,
      `const inline = '${PEM.replace(/\n/g, '\\n')}';`,
      "const db = mongoose.connect('mongodb://admin:S3cr3tPa55@db.example.org:27017/app');",
      `const serviceToken = '${JWT}';`,
    ].join('\n');
    const found = secrets('src/config.ts', source);
    assert.deepEqual(found.map((finding) => finding.line), [1, 2, 3, 4, 5, 6, 10, 11, 12]);
    const kinds = found.map((finding) => /Hard-coded ([\w ]+?)(?: in "| \()/.exec(finding.message)?.[1]);
    assert.deepEqual(kinds, ['Stripe secret key', 'AWS access key id', 'GitHub token', 'Slack token', 'Google API key', 'private key', 'private key', 'password in a connection URL', 'JSON Web Token']);
    assertMaskedOnly(found, STRIPE, AWS, GITHUB, SLACK, GOOGLE, PEM_BODY, 'S3cr3tPa55');
  });

  it('stays silent on placeholders, environment lookups, labels and messages', () => {
    const source = [
      'app.use(session({ secret: process.env.SESSION_SECRET }));',
      "app.use(session({ secret: 'changeme' }));",
      "const token = jwt.sign(payload, process.env.JWT_SECRET);",
      "const apiKey = '<your-api-key>';",
      "const password = '${DB_PASSWORD}';",
      "const passwordPrompt = 'Enter your password';",
      "const resetPassword = 'Your reset token expired';",
      "const errorPassword = 'Password must have 8 characters.';",
      "const url = 'mongodb://localhost:27017/app';",
      "const withVar = `postgres://app:${password}@db/app`;",
      "const placeholderUrl = 'postgres://user:password@localhost/db';",
      "const docsKey = 'AKIAIOSFODNN7EXAMPLE';",
      "const header = '-----BEGIN PRIVATE KEY-----';",
      `const SUPABASE_ANON_KEY = '${JWT}';`,
    ].join('\n');
    assert.deepEqual(secrets('src/app.js', source).map((finding) => `${finding.line}: ${finding.message}`), []);
  });

  it('in a test, reports a real credential shape at low severity, apart, and not a throwaway password', () => {
    const source = [`const stripe = '${STRIPE}';`, "const password = 'hunter2hunter2';"].join('\n');
    const found = secrets('test/payments.test.js', source);
    assert.deepEqual(found.map((finding) => [finding.line, finding.severity, finding.inTest]), [[1, 'low', true]]);
  });
});

describe('hardcoded-secret in configuration files', () => {
  it('reads .env files, config JSON/YAML, package.json scripts and docker-compose, at their own lines', () => {
    const env = ['# local settings', 'PORT=3000', 'SESSION_SECRET=keyboard-cat-2019', `STRIPE_KEY=${STRIPE}`, 'DATABASE_URL=postgres://app:Pa55w0rdX@db:5432/app', 'API_KEY=${API_KEY}'].join('\n');
    assert.deepEqual(secrets('.env.production', env).map((finding) => finding.line), [3, 4, 5]);

    const json = ['{', '  "db": {', '    "host": "localhost",', '    "password": "hunter2hunter2"', '  },', '  "jwtSecret": "changeme"', '}'].join('\n');
    assert.deepEqual(secrets('config/default.json', json).map((finding) => finding.line), [4]);

    const yaml = ['database:', '  user: app', '  password: Tr0ub4dor&3x', 'redis:', '  password: ${REDIS_PASSWORD}'].join('\n');
    assert.deepEqual(secrets('config/production.yml', yaml).map((finding) => finding.line), [3]);

    const pkg = ['{', '  "name": "app",', '  "scripts": {', '    "start": "JWT_SECRET=s3cr3t-jwt-key node server.js",', '    "test": "mocha"', '  }', '}'].join('\n');
    assert.deepEqual(secrets('package.json', pkg).map((finding) => finding.line), [4]);

    const compose = ['services:', '  db:', '    environment:', '      - POSTGRES_PASSWORD=pgS3cretPass', '      MYSQL_ROOT_PASSWORD: rootS3cret!', '      - POSTGRES_USER=app'].join('\n');
    assert.deepEqual(secrets('docker-compose.yml', compose).map((finding) => finding.line), [4, 5]);
  });

  it('finds a multi-line private key in a config file and shows only its masked form', () => {
    const yaml = ['tls:', '  key: |', ...PEM.split('\n').map((line) => `    ${line}`)].join('\n');
    const found = secrets('config/tls.yaml', yaml);
    assert.deepEqual(found.map((finding) => finding.line), [3]);
    assertMaskedOnly(found, PEM_BODY);
  });

  it('in an example file (.env.example) reports only real credential shapes', () => {
    const example = ['SESSION_SECRET=use-a-long-random-string', `STRIPE_KEY=${STRIPE}`, 'API_KEY=<your-key>'].join('\n');
    assert.deepEqual(secrets('.env.example', example).map((finding) => finding.line), [2]);
  });
});

describe('masking shares the definition', () => {
  it('masks a passphrase with spaces assigned to a secret name, and leaves a message alone', () => {
    assert.equal(maskSecrets("secret: 'keyboard cat'"), `secret: 'key${MASK}'`);
    assert.equal(maskSecrets("passwordError: 'Password must have 8 characters.'"), "passwordError: 'Password must have 8 characters.'");
  });
});
