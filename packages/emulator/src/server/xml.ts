/** A tiny XML writer for awsQuery / ec2Query responses. */

/** A list element: each item is wrapped in `<memberName>`. */
export class XmlList {
  constructor(
    readonly memberName: string,
    readonly items: readonly XmlValue[],
  ) {}
}

export type XmlValue = string | number | boolean | null | undefined | XmlList | XmlObject;
export interface XmlObject {
  [key: string]: XmlValue;
}

/** Shorthand for `new XmlList(memberName, items)`. */
export function xmlList(memberName: string, items: readonly XmlValue[]): XmlList {
  return new XmlList(memberName, items);
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function renderChildren(value: XmlValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof XmlList)
    return value.items.map((item) => element(value.memberName, item)).join('');
  if (typeof value === 'object') {
    return Object.entries(value)
      .filter(([, child]) => child !== undefined)
      .map(([key, child]) => element(key, child))
      .join('');
  }
  return escapeXml(String(value));
}

/** `<tag>…</tag>` (self-closing when empty). */
export function element(tag: string, value: XmlValue, attributes = ''): string {
  const inner = renderChildren(value);
  return inner === '' ? `<${tag}${attributes}/>` : `<${tag}${attributes}>${inner}</${tag}>`;
}

/** A whole document with the XML declaration and a namespaced root. */
export function xmlDocument(root: string, namespace: string, body: XmlObject): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${element(root, body, ` xmlns="${namespace}"`)}`;
}

/** ISO-8601 with milliseconds, as Query services print timestamps. */
export function isoDate(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
