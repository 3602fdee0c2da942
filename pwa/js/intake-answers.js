/* A request form's answers to its service type's own questions (fieldsets data-attributes-for="<type>", inputs
   named <data-attr-prefix><type>.<question>): what outbox-forms.js puts in the outbox item, and the first
   required one left out. */
import { $, $all } from "fieldops/dom";

/** The chosen type's answers as {code: value or [values]} (field.js puts them in the outbox item). */
export function answers(f) {
  var code = f.elements.service_type.value;
  var fs = $("[data-attributes-for='" + code + "']", f);
  var out = {};
  if (!fs) return out;
  var own = (f.dataset.attrPrefix || "attr.") + code + ".";
  $all("input, select, textarea", fs).forEach(function (el) {
    if (!el.name || el.name.indexOf(own) !== 0) return;
    var key = el.name.slice(own.length);
    if (el.type === "checkbox") {
      out[key] = out[key] || [];
      if (el.checked) out[key].push(el.value);
      return;
    }
    var value = (el.value || "").trim();
    if (!value) return;
    if (el.type === "datetime-local") {
      // The server wants a time zone: the tablet's offset (it is in the city).
      var d = new Date(value);
      if (!isNaN(d)) value = d.toISOString();
    }
    out[key] = value;
  });
  Object.keys(out).forEach(function (k) { if (Array.isArray(out[k]) && !out[k].length) delete out[k]; });
  return out;
}

/** The first required question left unanswered, as a message, or null. */
export function missing(f) {
  var code = f.elements.service_type.value;
  var fs = $("[data-attributes-for='" + code + "']", f);
  if (!fs) return null;
  var given = answers(f);
  var unanswered = $all("[data-required]", fs).filter(function (el) { return !given[el.dataset.attribute]; });
  if (!unanswered.length) return null;
  var label = unanswered[0].querySelector("legend") || unanswered[0];
  return label.firstChild ? label.firstChild.textContent.trim() + " — " + ($(".req", unanswered[0]) || { textContent: "" }).textContent : null;
}
