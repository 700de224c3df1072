/**
 * The one HTML shell of this extension's webviews (the visual report, the wave report): a strict CSP — nothing by
 * default, images, styles and fonts from the extension only, scripts only with this document's nonce, no inline
 * style —, the codicons and the page's stylesheet, an empty `#app` the webview script fills from the data it
 * receives by postMessage (textContent only). No `vscode` import, so it is unit-tested in Node.
 */
import { escapeHtml } from './report/protocol';

export interface PageParts {
  /** `webview.cspSource`. */
  cspSource: string;
  /** A fresh random nonce for this document (`makeNonce`). */
  nonce: string;
  scriptUri: string;
  styleUri: string;
  codiconsUri: string;
  /** Document title (data: escaped). */
  title: string;
  /** What `#app` says until the script has rendered (data: escaped); nothing when empty. */
  loading?: string;
}

export function webviewPage(p: PageParts): string {
  const csp = [
    "default-src 'none'",
    `img-src ${p.cspSource}`,
    `style-src ${p.cspSource}`,
    `font-src ${p.cspSource}`,
    `script-src 'nonce-${p.nonce}'`,
  ].join('; ');
  const a = escapeHtml;
  const loading = p.loading ? `<p class="p4-status">${a(p.loading)}</p>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${a(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${a(p.codiconsUri)}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${a(p.styleUri)}">
<title>${a(p.title)}</title>
</head>
<body>
<div id="app" aria-live="polite">${loading}</div>
<script nonce="${a(p.nonce)}" src="${a(p.scriptUri)}"></script>
</body>
</html>`;
}

/** 32 characters from [A-Za-z0-9], from a CSPRNG. */
export function makeNonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => chars[b % chars.length]).join('');
}
