/* Page glue: CSRF and CSP nonce headers for htmx (a classic script: it reaches us through its DOM events),
   and the "no connection" message. */
import { flash } from "fieldops/dom";
import { t } from "fieldops/i18n";

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
  flash(t("no_connection", "No connection. Nothing was sent; try again when you have signal."), "error");
}
// A refusal or a result the server sent to the message area (HX-Retarget: #flash) is read out and kept in view:
// the area sticks to the top of the screen (app.css), wherever on a long page the button was.
document.addEventListener("htmx:afterSwap", function (evt) {
  const area = document.getElementById("flash");
  if (evt.detail.target !== area) return;
  const message = area.querySelector(".flash");
  if (message && !message.hasAttribute("role")) message.setAttribute("role", message.classList.contains("error") ? "alert" : "status");
});
// A session that expired mid-shift: htmx gets 401 with HX-Redirect and goes to the sign-in page.
document.addEventListener("htmx:responseError", function (evt) {
  if (evt.detail.xhr.status === 0) offline();
});
document.addEventListener("htmx:sendError", offline);
// A message that is read can be put away with a tap (it stays until then: nobody misses a refusal).
document.addEventListener("click", function (evt) {
  const message = evt.target.closest && evt.target.closest("#flash .flash");
  if (message && !evt.target.closest("a, button")) message.remove();
});
