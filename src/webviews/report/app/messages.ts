/**
 * The webview's side of the message protocol (../protocol.ts): messages to the panel, and the panel's `update`
 * and `images` messages handed to the app. Any other message is ignored.
 */
import type { HostMessage, WebviewMessage } from '../protocol';
import { vscode } from './vscodeApi';

export function postToHost(message: WebviewMessage): void {
  vscode.postMessage(message);
}

export interface HostHandlers {
  /** The report's header and view changed (loading, ready, running, gone…). */
  update(message: Extract<HostMessage, { type: 'update' }>): void;
  /** Images finished downloading (or failed). */
  images(message: Extract<HostMessage, { type: 'images' }>): void;
}

export function listenToHost(handlers: HostHandlers): void {
  window.addEventListener('message', (e: MessageEvent<unknown>) => {
    const m = e.data as HostMessage | undefined;
    if (m?.type === 'images') {
      handlers.images(m);
      return;
    }
    if (m?.type !== 'update') return;
    handlers.update(m);
  });
}
