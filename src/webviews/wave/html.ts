/**
 * The wave report's HTML: the webviews' one shell (`../page.ts`: strict CSP with a nonce, no inline style); the
 * content is built by the webview script from the data it receives by postMessage (textContent only). No `vscode`
 * import.
 */
import { webviewPage, type PageParts } from '../page';

export type WaveHtmlParts = Omit<PageParts, 'loading'>;

export function waveHtml(p: WaveHtmlParts): string {
  return webviewPage(p);
}
