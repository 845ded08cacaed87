// The JSON report the extension-host entry writes and the end-to-end harness reads (one shape for both sides).

export interface ExtensionHostTestResult {
  title: string;
  fullTitle: string;
}

export interface ExtensionHostTestReport {
  /** `suite` (trusted window) or `untrusted` (Restricted Mode window). */
  suiteSet: 'suite' | 'untrusted';
  passes: (ExtensionHostTestResult & { durationMs: number })[];
  failures: (ExtensionHostTestResult & { message: string; stack: string | undefined })[];
  pending: ExtensionHostTestResult[];
  durationMs: number;
  vscodeVersion: string;
}
