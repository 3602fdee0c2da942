/* The one place page scripts turn text into markup. Residents' and staff's words reach the page as data
   (JSON, outbox items, server answers); anything built as an HTML string goes through fieldopsHtml.html,
   which escapes every interpolated value, so nothing else in pwa/js assigns a built string to innerHTML. */
(function () {
  "use strict";
  var ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" };
  function escape(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"'`]/g, function (c) { return ENTITIES[c]; });
  }
  function Markup(text) { this.text = text; }
  Markup.prototype.toString = function () { return this.text; };
  // A tagged template: html`<p class="${cls}">${message}</p>`; values already Markup are kept as they are.
  function html(strings) {
    var out = strings[0];
    for (var i = 1; i < strings.length; i++) {
      var value = arguments[i];
      out += (value instanceof Markup ? value.text : escape(value)) + strings[i];
    }
    return new Markup(out);
  }
  // Replace an element's content; only Markup from html`` is accepted, so a raw string cannot slip in.
  function set(element, markup) {
    if (!(markup instanceof Markup)) throw new TypeError("fieldopsHtml.set takes html`` markup");
    element.innerHTML = markup.text;
  }
  window.fieldopsHtml = { escape: escape, html: html, set: set, Markup: Markup };
})();
