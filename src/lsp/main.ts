// The findings language server as its own small bundle (dist/lspServer.js): the server, the store and sql.js, none
// of the CLI or the engine. The VS Code extension forks it with --node-ipc (see src/vscode/findingsLanguageClient.ts);
// createConnection takes the transport from the arguments a client passes (--node-ipc, --stdio, --pipe, --socket),
// and --clientProcessId ends the server when its editor is gone.
import path from 'node:path';
import { ProposedFeatures, createConnection } from 'vscode-languageserver/node';
import { startFindingsLanguageServer } from './findingsLanguageServer';

startFindingsLanguageServer({
  connection: createConnection(ProposedFeatures.all),
  // The build copies the wasm beside the bundles; a VSIX has no node_modules/sql.js to find it in.
  wasmPath: path.join(__dirname, 'sql-wasm.wasm'),
});
