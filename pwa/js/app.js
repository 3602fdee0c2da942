/* Page glue: CSRF and CSP nonce headers for htmx (a classic script: it reaches us through its DOM events),
   and the "no connection" message. */
import { html, set } from "fieldops/html";

// The nonce this page's policy allows, read from the property (browsers hide the attribute once parsed).
const nonced = document.getElementById("fieldops-messages");
const pageNonce = nonced ? nonced.nonce : "";
document.addEventListener("htmx:configRequest", function (evt) {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) evt.detail.headers["X-CSRFToken"] = meta.content;
  // The server writes the fragment's own <script> tags with this page's nonce (fieldops/web/csp.py), so they
  // run when htmx swaps them in, and a script tag anyone else got into the fragment does not.
  if (pageNonce) evt.detail.headers["X-Fieldops-Nonce"] = pageNonce;
});
function offline() {
  const flash = document.getElementById("flash");
  if (flash) set(flash, html`<p class="flash error">No connection. Nothing was sent; try again when you have signal.</p>`);
}
// A session that expired mid-shift: htmx gets 401 with HX-Redirect and goes to the sign-in page.
document.addEventListener("htmx:responseError", function (evt) {
  if (evt.detail.xhr.status === 0) offline();
});
document.addEventListener("htmx:sendError", offline);
