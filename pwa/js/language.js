/*
 * The language menu: send the form as soon as a language is picked (the button is for browsers without
 * JavaScript). Pages kept for offline use were saved in the old language, so "Ready for offline" runs again
 * on the next page (field.js refreshes when its stamp is missing).
 */
(function () {
  "use strict";
  document.querySelectorAll("[data-language-select]").forEach(function (select) {
    var form = select.form;
    var button = form.querySelector("[data-language-submit]");
    if (button) button.hidden = true;
    select.addEventListener("change", function () {
      try { localStorage.removeItem("fieldops.ready"); } catch (e) { /* private mode */ }
      form.submit();
    });
  });
})();
