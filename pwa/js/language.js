/* The language menu: send the form as soon as a language is picked (the button is for browsers without
   JavaScript). Pages kept for offline use were saved in the old language, so "Ready for offline" runs again
   on the next page (offline-ready.js refreshes when its stamp is missing). */
import { $all } from "fieldops/dom";
import { forgetReady } from "fieldops/offline-ready";

$all("[data-language-select]").forEach(function (select) {
  const form = select.form;
  const button = form.querySelector("[data-language-submit]");
  if (button) button.hidden = true;
  select.addEventListener("change", function () {
    forgetReady();
    form.submit();
  });
});
