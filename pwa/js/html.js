/* The one place page scripts turn text into markup. Residents' and staff's words reach the page as data
   (JSON, outbox items, server answers); anything built as an HTML string goes through html``, which escapes
   every interpolated value, so nothing else in pwa/js assigns a built string to innerHTML. */
const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" };

export function escape(value) {
  return String(value === null || value === undefined ? "" : value).replace(/[&<>"'`]/g, function (c) { return ENTITIES[c]; });
}

export class Markup {
  constructor(text) { this.text = text; }
  toString() { return this.text; }
}

/** A tagged template: html`<p class="${cls}">${message}</p>`; values already Markup are kept as they are. */
export function html(strings, ...values) {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    out += (value instanceof Markup ? value.text : escape(value)) + strings[i + 1];
  }
  return new Markup(out);
}

/** Replace an element's content; only Markup from html`` is accepted, so a raw string cannot slip in. */
export function set(element, markup) {
  if (!(markup instanceof Markup)) throw new TypeError("html.set takes html`` markup");
  element.innerHTML = markup.text;
}
