/**
 * HTML text built so that nothing read from disk can become markup: every
 * value interpolated into an `html` template is escaped, unless it is itself
 * an `Html` fragment built the same way (or an inline SVG checked by `svg`).
 */

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe in element content and in quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

function render(v: HtmlValue): string {
  if (v instanceof Html) return v.text;
  if (v === null || v === undefined || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

/** A template whose interpolations are escaped: html`<td>${name}</td>`. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new Html(out);
}

export class UnsafeSvgError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeSvgError';
  }
}

/**
 * A chart's SVG, made fit to sit inline in the page. Several charts in one
 * page would share the element ids their renderer numbers from 1 (clip
 * paths): each chart's ids get its own prefix. The namespace declarations go
 * (the HTML parser puts <svg> in its namespace anyway), so the page names no
 * URL at all. Anything that could run or fetch is refused rather than cleaned.
 */
export function svg(markup: string, idPrefix: string): Html {
  const text = markup.trim();
  if (!text.startsWith('<svg') || !text.endsWith('</svg>')) throw new UnsafeSvgError('a chart did not render to one <svg> element');
  const bad = /<script|<foreignObject|<image|<use\b|\son[a-z]+\s*=|(?:xlink:)?href\s*=|\ssrc\s*=|@import|url\((?!#)/i.exec(text);
  if (bad) throw new UnsafeSvgError(`a chart's SVG holds "${bad[0]}": refusing to put it in the page`);
  const prefix = idPrefix.replace(/[^A-Za-z0-9_-]/g, '_');
  const out = text
    .replace(/^<svg\b[^>]*>/, (open) => open.replace(/\sxmlns(?::\w+)?="[^"]*"/g, ''))
    .replace(/\sid="([^"]+)"/g, (_m, id: string) => ` id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${prefix}-${id})`);
  return new Html(out);
}
