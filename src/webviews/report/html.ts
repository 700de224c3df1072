/**
 * The report panel's HTML: a fixed shell with a strict CSP; the content is built by the webview script from the
 * data it receives by postMessage (textContent only). No `vscode` import, so it is unit-tested in Node.
 */
import { escapeHtml } from './protocol';

export interface ReportHtmlParts {
  /** `webview.cspSource`. */
  cspSource: string;
  /** A fresh random nonce for this document. */
  nonce: string;
  scriptUri: string;
  styleUri: string;
  codiconsUri: string;
  /** Document title, e.g. the site name (data: escaped). */
  title: string;
}

export function reportHtml(p: ReportHtmlParts): string {
  const csp = [
    "default-src 'none'",
    `img-src ${p.cspSource}`,
    `style-src ${p.cspSource}`,
    `font-src ${p.cspSource}`,
    `script-src 'nonce-${p.nonce}'`,
  ].join('; ');
  const a = escapeHtml;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${a(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${a(p.codiconsUri)}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${a(p.styleUri)}">
<title>${a(`Visual report: ${p.title}`)}</title>
</head>
<body>
<div id="app" aria-live="polite"><p class="p4-status">Loading the visual report…</p></div>
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
