/**
 * The report panel's HTML: the webviews' one shell (`../page.ts`: strict CSP with a nonce) titled with the site.
 * No `vscode` import, so it is unit-tested in Node.
 */
import { webviewPage, type PageParts } from '../page';

export { makeNonce } from '../page';

export type ReportHtmlParts = Omit<PageParts, 'loading'>;

export function reportHtml(p: ReportHtmlParts): string {
  return webviewPage({ ...p, title: `Visual report: ${p.title}`, loading: 'Loading the visual report…' });
}
