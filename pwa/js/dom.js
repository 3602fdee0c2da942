/* DOM helpers every page module shares: query, delegated events, "when the page is parsed", custom events,
   and the page's message area (#flash), which screen readers announce (role=status / alert). */

export function $(selector, root) { return (root || document).querySelector(selector); }
export function $all(selector, root) { return Array.from((root || document).querySelectorAll(selector)); }

/** Listen on target for type; with a selector, only for events from inside a matching element (delegation):
    handler(evt, matched). Returns a function that removes the listener. */
export function on(target, type, selector, handler, options) {
  if (typeof selector === "function") { options = handler; handler = selector; selector = null; }
  const listener = selector
    ? function (evt) {
      const matched = evt.target && evt.target.closest ? evt.target.closest(selector) : null;
      if (matched && (target === document || target.contains(matched))) handler(evt, matched);
    }
    : handler;
  target.addEventListener(type, listener, options);
  return function () { target.removeEventListener(type, listener, options); };
}

/** Run fn once the document is parsed (at once if it already is). */
export function ready(fn) {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn, { once: true });
  else fn();
}

/** Dispatch a bubbling CustomEvent (the modules' own events: "outbox:added", "checkin:changed", ...). */
export function emit(target, type, detail) {
  return (target || document).dispatchEvent(new CustomEvent(type, { bubbles: true, detail: detail }));
}

/** Show one message in #flash (replacing the previous one): kind is info, success, warning or error. */
export function flash(message, kind) {
  const area = document.getElementById("flash");
  if (!area) return;
  const p = document.createElement("p");
  p.className = "flash " + (kind || "info");
  p.setAttribute("role", kind === "error" ? "alert" : "status");
  p.textContent = message; // text, never markup
  area.replaceChildren(p);
}

/** A polite announcement (what flash() does for kind "info"). */
export function announce(message) { flash(message, "info"); }

/** Parse the JSON in an element (a <script type="application/json"> or a data attribute's text); fallback if none. */
export function jsonOf(text, fallback) {
  if (text == null || text === "") return fallback;
  try { return JSON.parse(text); } catch (e) { return fallback; }
}
