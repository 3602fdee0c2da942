/* The page scripts' words in the page's language. The server writes them into #fieldops-messages (base.html,
   fieldops/i18n.py JS_MESSAGES); a page may carry its own catalogue too (visits: #visit-messages). Each call
   gives the English text as fallback, so a page without the catalogue still reads. */
import { jsonOf } from "fieldops/dom";

const catalogues = new Map();

function catalogue(id) {
  if (!catalogues.has(id)) {
    const el = document.getElementById(id);
    catalogues.set(id, el ? jsonOf(el.textContent, {}) : {});
  }
  return catalogues.get(id);
}

function fill(text, values) {
  Object.keys(values || {}).forEach(function (k) { text = text.split("%(" + k + ")s").join(String(values[k])); });
  return text;
}

/** A translator over the catalogue in element #id: t(key, fallback, {name: value}) with %(name)s placeholders. */
export function translator(id) {
  return function (key, fallback, values) { return fill(catalogue(id)[key] || fallback, values); };
}

/** The page's own catalogue (#fieldops-messages). */
export const t = translator("fieldops-messages");

const rules = new Map();
/** The plural category (one, few, many, other...) of n in the page's language (Intl.PluralRules). */
export function pluralCategory(n) {
  const lang = document.documentElement.lang || "en";
  if (!rules.has(lang)) rules.set(lang, new Intl.PluralRules(lang));
  return rules.get(lang).select(n);
}

/** A plural message: key.<category> (e.g. "photos.one"), else key.other, else the fallback for the category;
    fallbacks = {one: "%(n)s photo", other: "%(n)s photos"}; n is always available as %(n)s. */
export function plural(key, n, fallbacks, values) {
  const category = pluralCategory(n);
  const messages = catalogue("fieldops-messages");
  const text = messages[key + "." + category] || messages[key + ".other"] || fallbacks[category] || fallbacks.other;
  return fill(text, Object.assign({ n: n }, values || {}));
}
