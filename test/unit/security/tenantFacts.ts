// Codebase facts for rule tests that check one file: a multi-tenant app whose models have organizationId, whose
// authentication middleware sets req.user, and whose routers in `files` are mounted behind it.
import { NO_FACTS, type CodebaseFacts } from '../../../src/agents/offline/security/codebaseFacts';

export function tenantApp(files: readonly string[], models: Record<string, string[]> = {}, tenantKeys: readonly string[] = ['organizationId']): CodebaseFacts {
  const tenantField = tenantKeys.map((key) => key.toLowerCase());
  return {
    ...NO_FACTS,
    authentication: true,
    requestUser: true,
    tenantKeys: [...tenantKeys],
    models: { user: ['id', 'email', ...tenantField], invoice: ['id', 'status', ...tenantField], doc: ['id', ...tenantField], ...models },
    authenticatedFiles: [...files],
  };
}
