/**
 * The DOM helpers of the visual report webview. Every node is made with createElement, its attributes with
 * setAttribute and its text with text nodes: no HTML string from data ever reaches the DOM, and no `on…` attribute
 * (the strict CSP allows no inline handler; events are added with addEventListener).
 */

export type Child = Node | string | undefined | false;

/** An element with these attributes (undefined: left out) and children (strings become text nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Record<string, string | undefined>,
  ...children: Child[]
): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Record<string, string | undefined>, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    if (/^on/i.test(name)) throw new Error(`refused event attribute ${name}`);
    el.setAttribute(name, value);
  }
  for (const c of children) {
    if (c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

/** A codicon; hidden from screen readers unless it has a label. */
export function icon(name: string, label?: string): HTMLElement {
  const el = h('vscode-icon', { name, 'aria-hidden': label ? undefined : 'true', label });
  return el;
}

/** A spinning `loading` codicon. */
export function spinner(): HTMLElement {
  const el = icon('loading');
  el.setAttribute('spin', '');
  return el;
}

/** A `vscode-button`; `label` is its accessible name and tooltip, `pressed` makes it a toggle button. */
export function button(
  text: string,
  onClick: () => void,
  opts: { icon?: string; secondary?: boolean; label?: string; pressed?: boolean } = {},
): HTMLElement {
  const b = h(
    'vscode-button',
    {
      icon: opts.icon,
      'aria-label': opts.label,
      title: opts.label,
      'aria-pressed': opts.pressed === undefined ? undefined : String(opts.pressed),
    },
    text,
  );
  if (opts.secondary) b.setAttribute('secondary', '');
  b.addEventListener('click', onClick);
  return b;
}
