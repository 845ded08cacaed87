// Opens a workspace-relative file at a 1-based line and column: findings clicked in the dashboard, the trees and
// the openFinding command. The path comes from agent output, so it is checked first (workspaceLocation.ts): a path
// outside the folder is refused with an error naming it, never opened.
import * as vscode from 'vscode';
import { resolveWorkspaceFile } from './workspaceLocation';

export interface FileLocation {
  file: string;
  line: number;
  column: number;
}

export class LocationOpener {
  readonly #log: vscode.LogOutputChannel;

  constructor(log: vscode.LogOutputChannel) {
    this.#log = log;
  }

  /** True when the file was opened; false (after telling the user why) when it was refused or is missing. */
  async open(location: FileLocation): Promise<boolean> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder || folder.uri.scheme !== 'file') {
      this.#refuse(`Cannot open ${location.file}: no local workspace folder is open.`);
      return false;
    }
    const resolved = await resolveWorkspaceFile(folder.uri.fsPath, location.file);
    if (!resolved.ok) {
      this.#refuse(`Agent Orchestrator did not open the file: ${resolved.reason}.`);
      return false;
    }
    const line = Math.max(0, Math.floor(location.line) - 1);
    const character = Math.max(0, Math.floor(location.column) - 1);
    try {
      const document = await vscode.workspace.openTextDocument(vscode.Uri.file(resolved.absolutePath));
      // A stale finding may point past the end of a file that changed since the run.
      const position = document.validatePosition(new vscode.Position(line, character));
      const selection = new vscode.Selection(position, position);
      const editor = await vscode.window.showTextDocument(document, { selection, preview: true });
      editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenter);
      return true;
    } catch (error) {
      this.#refuse(`Cannot open ${location.file}: ${(error as Error).message}`);
      return false;
    }
  }

  #refuse(message: string): void {
    this.#log.warn(message);
    void vscode.window.showErrorMessage(message);
  }
}
