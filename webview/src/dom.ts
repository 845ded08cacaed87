// The only way the dashboard builds DOM. Agent output is untrusted, so text goes in through textContent and
// attributes through setAttribute: nothing here parses HTML. Inline `style` attributes are refused because the
// page's CSP blocks them; positions are set through the CSSOM (`setStyle`), which the CSP allows.

export type AttrValue = string | number | boolean | null | undefined;
export type Attrs = Readonly<Record<string, AttrValue>>;
export type Child = Node | string | number | null | undefined | false;

const SVG_NS = 'http://www.w3.org/2000/svg';

function applyAttrs(element: Element, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) setAttr(element, name, value);
}

function appendChildren(element: Element, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'number' ? String(child) : child);
  }
}

/** An HTML element with attributes and children; strings become text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, children: readonly Child[] = []): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  applyAttrs(element, attrs);
  appendChildren(element, children);
  return element;
}

/** An SVG element (the flow graph) with attributes and children. */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs = {}, children: readonly Child[] = []): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  applyAttrs(element, attrs);
  appendChildren(element, children);
  return element;
}

/** Sets or removes an attribute, touching the DOM only when the value changes (true -> "", false/null -> removed). */
export function setAttr(element: Element, name: string, value: AttrValue): void {
  if (name === 'style') throw new Error('inline style attributes are blocked by the CSP: use setStyle');
  if (value === null || value === undefined || value === false) {
    if (element.hasAttribute(name)) element.removeAttribute(name);
    return;
  }
  const text = value === true ? '' : String(value);
  if (element.getAttribute(name) !== text) element.setAttribute(name, text);
}

/** Replaces the text of an element when it differs (no layout work for unchanged values). */
export function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

/** Sets one CSS property through the CSSOM. */
export function setStyle(element: HTMLElement | SVGElement, property: string, value: string): void {
  if (element.style.getPropertyValue(property) !== value) element.style.setProperty(property, value);
}

export function clear(element: Element): void {
  element.replaceChildren();
}

const keyedChildren = new WeakMap<Element, Map<string, Element>>();

/**
 * Makes `container`'s children one element per item, in order, reusing the element of each key that was there
 * before (so a list that grows by one item costs one new element, not a rebuild). `update` runs on reused elements;
 * `container` must hold nothing but the elements this function put there.
 */
export function reconcileList<T>(
  container: Element,
  items: readonly T[],
  keyOf: (item: T) => string,
  create: (item: T) => Element,
  update?: (element: Element, item: T) => void,
): void {
  const previous = keyedChildren.get(container) ?? new Map<string, Element>();
  const next = new Map<string, Element>();
  for (const item of items) {
    const key = keyOf(item);
    if (next.has(key)) continue;
    const existing = previous.get(key);
    if (existing) update?.(existing, item);
    next.set(key, existing ?? create(item));
  }
  // Removing what left first keeps the walk below from moving every survivor when the head of a list drops off.
  for (const [key, element] of previous) if (next.get(key) !== element) element.remove();
  let cursor = container.firstChild;
  for (const element of next.values()) {
    if (element === cursor) cursor = cursor.nextSibling;
    else container.insertBefore(element, cursor);
  }
  while (cursor) {
    const following: ChildNode | null = cursor.nextSibling;
    cursor.remove();
    cursor = following;
  }
  keyedChildren.set(container, next);
}

/** A visually hidden element that screen readers still read. */
export function srOnly(children: readonly Child[], tag: 'span' | 'div' | 'ul' = 'span'): HTMLElement {
  return h(tag, { class: 'sr-only' }, children);
}
