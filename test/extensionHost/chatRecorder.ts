// Drives @orchestrator as VS Code's chat would: VS Code has no API that sends a chat request and returns the reply,
// so the suites call the registered participant's requestHandler with a request shaped as VS Code builds it and a
// response stream that records every part the user would see.
import * as vscode from 'vscode';

export type RecordedPart =
  | { kind: 'markdown'; text: string }
  | { kind: 'anchor'; value: vscode.Uri | vscode.Location; title: string | undefined }
  | { kind: 'button'; command: vscode.Command }
  | { kind: 'progress'; text: string }
  | { kind: 'reference'; value: vscode.Uri | vscode.Location }
  | { kind: 'other'; part: unknown };

export class RecordingStream implements vscode.ChatResponseStream {
  readonly parts: RecordedPart[] = [];
  /** Called after each part is recorded (a test that cancels mid-answer waits on it). */
  onPart: ((part: RecordedPart) => void) | undefined;

  markdown(value: string | vscode.MarkdownString): void {
    this.#record({ kind: 'markdown', text: typeof value === 'string' ? value : value.value });
  }

  anchor(value: vscode.Uri | vscode.Location, title?: string): void {
    this.#record({ kind: 'anchor', value, title });
  }

  button(command: vscode.Command): void {
    this.#record({ kind: 'button', command });
  }

  filetree(): void {
    this.#record({ kind: 'other', part: 'filetree' });
  }

  progress(value: string): void {
    this.#record({ kind: 'progress', text: value });
  }

  reference(value: vscode.Uri | vscode.Location): void {
    this.#record({ kind: 'reference', value });
  }

  push(part: vscode.ChatResponsePart): void {
    this.#record({ kind: 'other', part });
  }

  /** The Markdown the user reads, in order. */
  get text(): string {
    return this.parts.map((part) => (part.kind === 'markdown' ? part.text : part.kind === 'anchor' ? `[${part.title ?? ''}]` : '')).join('');
  }

  get anchors(): { location: vscode.Location; title: string | undefined }[] {
    return this.parts.flatMap((part) => (part.kind === 'anchor' && part.value instanceof vscode.Location ? [{ location: part.value, title: part.title }] : []));
  }

  get buttons(): vscode.Command[] {
    return this.parts.flatMap((part) => (part.kind === 'button' ? [part.command] : []));
  }

  get progressLines(): string[] {
    return this.parts.flatMap((part) => (part.kind === 'progress' ? [part.text] : []));
  }

  #record(part: RecordedPart): void {
    this.parts.push(part);
    this.onPart?.(part);
  }
}

/** A request as VS Code hands it to a participant: the prompt without "@orchestrator /command". */
export function chatRequest(command: string | undefined, prompt: string, model?: vscode.LanguageModelChat): vscode.ChatRequest {
  return { prompt, command, references: [], toolReferences: [], toolInvocationToken: undefined as never, model: model as vscode.LanguageModelChat };
}

/** A conversation whose earlier reply of the participant returned `result`. */
export function chatContext(...earlierResults: vscode.ChatResult[]): vscode.ChatContext {
  const history = earlierResults.map((result) => ({ participant: 'agentOrchestrator.orchestrator', command: undefined, response: [], result }) as unknown as vscode.ChatResponseTurn);
  return { history };
}
