/**
 * The visual report webview (browser, bundled to dist/webview/report.js). Builds every node with
 * createElement/textContent from the data the panel posts: no HTML string from data ever reaches the DOM.
 * Images still downloading show as placeholders (`data-image-id`); an IntersectionObserver asks the panel for those
 * near the viewport (`want`), and `images` messages swap them in.
 *
 * This file wires the modules: state.ts (what the webview knows, kept with setState), messages.ts (to and from the
 * panel), page.ts (what is on screen: header.ts, list.ts, detail.ts), pendingImages.ts (images still downloading),
 * keyboard.ts (the keys), dom.ts and format.ts (helpers), vscodeApi.ts (the one VS Code API handle).
 */
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-icon/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { onImages } from './pendingImages';
import { listenToKeys } from './keyboard';
import { listenToHost, postToHost } from './messages';
import { redrawDetail, render } from './page';
import { applyUpdate } from './state';

listenToKeys();
listenToHost({
  update(m) {
    applyUpdate(m.header, m.view);
    render();
  },
  images(m) {
    onImages(m.images, m.pendingImages, m.missingImages, redrawDetail);
  },
});
render();
postToHost({ type: 'ready' });
