// Entry of the bundle the security-corpus bench measures: the scanner as the CLI and the engine run it (bundled,
// with dist/scanWorker.js beside it for its workers), the workspace it reads, and the bundled ESLint for the
// plain-ESLint baseline.
export { SecurityScanner } from '../../src/agents/offline/security/securityScanner';
export { NodeWorkspaceFiles } from '../../src/agents/workspace/nodeWorkspaceFiles';
export { Linter } from 'eslint';
export { stopIdleScanWorkers } from '../../src/agents/offline/security/scanWorkerPool';
