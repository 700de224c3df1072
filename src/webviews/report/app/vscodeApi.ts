/**
 * The webview's handle on VS Code. `acquireVsCodeApi` may be called only once per document, so it is called here,
 * once, and every module that talks to the panel or keeps state uses this object.
 */
import type { PanelState, WebviewMessage } from '../protocol';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export const vscode = acquireVsCodeApi();
