/**
 * A small XML writer: elements, text, one attribute set, and escaping. Responses are built as trees
 * so element names come from one place per shape and nothing is concatenated by hand.
 */

export interface XmlElement {
  name: string;
  attrs?: Record<string, string>;
  text?: string;
  children: XmlElement[];
}

/** A child slot: false/null/undefined are left out, so optional members read `cond && el(…)`. */
export type XmlChild = XmlElement | false | null | undefined;

export function el(name: string, content?: string | number | boolean | readonly XmlChild[], attrs?: Record<string, string>): XmlElement {
  if (content === undefined) return { name, attrs, children: [] };
  if (Array.isArray(content)) {
    return { name, attrs, children: (content as readonly XmlChild[]).filter((child): child is XmlElement => Boolean(child)) };
  }
  return { name, attrs, text: String(content), children: [] };
}

/** An element only when the value is present (awsQuery leaves absent members out entirely). */
export function opt(name: string, value: string | number | boolean | undefined): XmlElement | undefined {
  return value === undefined ? undefined : el(name, value);
}

// Characters XML 1.0 cannot carry at all; echoed user input must never make the document unparsable.
// eslint-disable-next-line no-control-regex
const INVALID_XML_CHARS = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function escapeXml(value: string): string {
  return value
    .replace(INVALID_XML_CHARS, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function write(node: XmlElement, out: string[], depth: number): void {
  const pad = '  '.repeat(depth);
  const attrs = Object.entries(node.attrs ?? {})
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join('');
  if (node.text !== undefined) {
    out.push(`${pad}<${node.name}${attrs}>${escapeXml(node.text)}</${node.name}>`);
  } else if (node.children.length === 0) {
    out.push(`${pad}<${node.name}${attrs}/>`);
  } else {
    out.push(`${pad}<${node.name}${attrs}>`);
    for (const child of node.children) write(child, out, depth + 1);
    out.push(`${pad}</${node.name}>`);
  }
}

export function renderXml(root: XmlElement): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  write(root, out, 0);
  return out.join('\n') + '\n';
}
