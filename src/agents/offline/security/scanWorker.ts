// Worker entry of the security scan: ESLint runs here so that the engine can terminate a scan stuck in one big file
// (a timeout or a Ctrl+C stops the worker at once instead of waiting for the linter to return).
// Bundled as dist/scanWorker.js; run from the TypeScript sources through tsx in tests.
import { parentPort } from 'node:worker_threads';
import type { WorkspaceFiles } from '../../../core/ports';
import type { CodebaseFacts } from './codebaseFacts';
import { SecurityScanner } from './securityScanner';

export interface ScanWorkerRequest {
  file: string;
  source: string;
  tenantKeys: string[];
  facts: CodebaseFacts;
  jsYamlMajorVersion?: number;
}

export type ScanWorkerReply = import('./securityScanner').FileAnalysis;

function noWorkspace(): never {
  throw new Error('The scan worker reads no files: the engine sends their text');
}

const workspace: WorkspaceFiles = { root: '', listFiles: noWorkspace, readFile: noWorkspace, writeFile: noWorkspace, exists: noWorkspace, resolve: noWorkspace };

parentPort?.on('message', (request: ScanWorkerRequest) => {
  const scanner = new SecurityScanner(workspace, {
    tenantKeys: request.tenantKeys,
    facts: request.facts,
    ...(request.jsYamlMajorVersion === undefined ? {} : { jsYamlMajorVersion: request.jsYamlMajorVersion }),
  });
  const reply: ScanWorkerReply = scanner.scanSource(request.file, request.source);
  parentPort?.postMessage(reply);
});
