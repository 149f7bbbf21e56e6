/**
 * Building the page with DOM APIs only: text goes in with textContent, so no value can become markup
 * (and Trusted Types, on in the CSP, would refuse innerHTML anyway).
 */
type Child = Node | string | false | undefined | null;
type Props = Record<string, string | boolean | undefined | ((event: Event) => void)>;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') node.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) node.setAttribute(name, '');
    else node.setAttribute(name, value);
  }
  append(node, ...children);
  return node;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** Replaces the main region's content, sets the title, and moves focus there (for screen readers). */
export function show(title: string, ...children: Child[]): HTMLElement {
  const main = document.getElementById('main') as HTMLElement;
  main.replaceChildren(el('h1', {}, title), ...children.filter((c): c is Node | string => Boolean(c)));
  document.title = `${title} · cachegate`;
  main.focus();
  return main;
}

export function alertBox(message: string): HTMLElement {
  return el('p', { class: 'alert', role: 'alert' }, message);
}
