/* Dispatch forms: the assignee list shows only members of the chosen crew (the server checks it too). */
import { ready } from "fieldops/dom";

function sync(form) {
  var crewSelect = form.querySelector("[data-crew-select]");
  var assignee = form.querySelector("[data-assignee-select]");
  if (!crewSelect || !assignee) return;
  var crew = crewSelect.value;
  assignee.querySelectorAll("optgroup[data-crew]").forEach(function (group) {
    var match = group.dataset.crew === crew;
    group.hidden = !match;
    group.disabled = !match;
  });
  var chosen = assignee.selectedOptions[0];
  if (chosen && chosen.dataset.crew && chosen.dataset.crew !== crew) assignee.value = "";
}
function syncAll(root) {
  (root || document).querySelectorAll("[data-assign-form]").forEach(sync);
}
document.addEventListener("change", function (evt) {
  if (evt.target.matches && evt.target.matches("[data-crew-select]")) {
    var form = evt.target.closest("form");
    if (form) sync(form);
  }
});
document.addEventListener("htmx:afterSwap", function (evt) { syncAll(evt.target); });
ready(function () { syncAll(document); });
