import type { ClientCapabilities, FeatureState, StaticFeature } from 'vscode-languageclient/node';

/**
 * Takes the pull-diagnostics capability back out of what the client
 * declares, so the server pushes its hints (`publishDiagnostics`).
 *
 * Why: the server offers `textDocument/diagnostic` only to clients that
 * declare it, and vscode-languageclient always does. Pulled, the hints come
 * back only when VS Code asks again, which it does for edits and tab
 * switches but not when a term is marked known, an answer changes what is
 * due, or the panel reopens after a window reload; pushed, they change the
 * moment the server's state does, and the dotted underline drawn from them
 * (hintDecorations.ts) follows. Other clients that prefer pull keep it.
 *
 * Registered after the built-in features, so it runs after the
 * diagnostic feature has filled its part.
 */
export class PushDiagnosticsOnly implements StaticFeature {
  fillClientCapabilities(capabilities: ClientCapabilities): void {
    if (capabilities.textDocument) delete capabilities.textDocument.diagnostic;
  }
  initialize(): void {}
  getState(): FeatureState {
    return { kind: 'static' };
  }
  clear(): void {}
}
