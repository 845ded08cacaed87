// Secrets in configuration files (.env, config/*.json|yaml, package.json scripts, docker-compose.yml): read line by
// line, so a finding points at its own line, with the same definition of a secret as the code rule and the masking.
import { findShapedSecrets, looksLikeSecretName, looksLikeSecretValue, maskedValue } from '../../../../core/security/secretMasking';

export interface ConfigSecret {
  line: number;
  column: number;
  message: string;
}

/** `.env.example`, `config/default.sample.json`: a template for the real file, where values show the shape. */
export function isExampleFile(file: string): boolean {
  return /(^|[./_-])(example|examples|sample|template|dist|tmpl|defaults?\.example)([./_-]|$)/i.test(file.slice(file.lastIndexOf('/') + 1));
}

/** `name = value` pairs on a line of the common config syntaxes. The value group may be quoted. */
const PAIRS: readonly RegExp[] = [
  // dotenv and shell: `export API_KEY=value`, `- DB_PASSWORD=value` (compose lists), `JWT_SECRET=x node app.js`
  /(?:^|[\s"'`;&-])([A-Za-z_][A-Za-z0-9_.-]*)=("[^"]*"|'[^']*'|[^\s"'`;&]+)/g,
  // YAML and JSON: `password: value`, `"password": "value"`
  /(?:^|[\s{,])["']?([A-Za-z_][\w.-]*)["']?\s*:\s*("[^"]*"|'[^']*'|[^\s#,{}[\]"'][^#,{}]*?)\s*(?:,|$|#|\})/g,
  // Command-line flags in scripts: `--password=value`, `--jwt-secret value`
  /--([a-z][\w-]*)[= ]("[^"]*"|'[^']*'|[^\s"'`;&-][^\s"'`;&]*)/g,
];

function unquote(value: string): string {
  return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
}

/** Secrets in a configuration file, one per line at most. Example files report only real credential shapes. */
export function findConfigSecrets(file: string, source: string): ConfigSecret[] {
  const example = isExampleFile(file);
  const found: ConfigSecret[] = [];
  const lines = source.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    if (/^\s*(#|\/\/|;)/.test(line)) continue;
    const [shaped] = findShapedSecrets(line);
    if (shaped) {
      found.push({ line: index + 1, column: shaped.index + 1, message: `Hard-coded ${shaped.kind} (${maskedValue(shaped.value)}) in a configuration file that is committed with the source code` });
      continue;
    }
    if (line.includes('-----BEGIN') && /PRIVATE KEY/.test(line)) {
      // The block spans lines: look at it from here on.
      const [block] = findShapedSecrets(lines.slice(index, index + 60).join('\n'));
      if (block?.kind === 'private key') {
        found.push({ line: index + 1, column: line.indexOf('-----BEGIN') + 1, message: `Hard-coded private key (${maskedValue(block.value)}) in a configuration file that is committed with the source code` });
        continue;
      }
    }
    if (example) continue;
    for (const pattern of PAIRS) {
      let reported = false;
      for (const match of line.matchAll(pattern)) {
        const name = match[1] ?? '';
        const value = unquote((match[2] ?? '').trim());
        if (!looksLikeSecretName(name) || !looksLikeSecretValue(value)) continue;
        found.push({ line: index + 1, column: match.index + 1 + (match[0].length - match[0].trimStart().length), message: `Hard-coded secret in "${name}" (${maskedValue(value)}) in a configuration file that is committed with the source code` });
        reported = true;
        break;
      }
      if (reported) break;
    }
  }
  return found;
}
