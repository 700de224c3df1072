/**
 * The wave report's HTML: a fixed shell with the same strict CSP as the visual report (nonce script, no inline
 * style, resources from the extension only); the content is built by the webview script from the data it
 * receives by postMessage (textContent only). No `vscode` import.
 */
import { escapeHtml } from '../report/protocol';

export interface WaveHtmlParts {
  /** `webview.cspSource`. */
  cspSource: string;
  /** A fresh random nonce for this document. */
  nonce: string;
  scriptUri: string;
  styleUri: string;
  codiconsUri: string;
  /** Document title (data: escaped). */
  title: string;
}

export function waveHtml(p: WaveHtmlParts): string {
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
<title>${a(p.title)}</title>
</head>
<body>
<div id="app" aria-live="polite"></div>
<script nonce="${a(p.nonce)}" src="${a(p.scriptUri)}"></script>
</body>
</html>`;
}
