/* Jobs as the tablet sees them: the job page's status, buttons and pending list, and job lists' "not sent"
   badges, from the server's view plus the changes still in the outbox; the server's view again once it has
   taken them. htmx is a classic script (window.htmx). */
import { $, $all, flash } from "fieldops/dom";
import { outbox } from "fieldops/outbox";
import { plural, t } from "fieldops/i18n";

export const STATUS_LABELS = {
  en_route: t("status_en_route", "En route"), on_site: t("status_on_site", "On site"), completed: t("status_completed", "Completed"),
  unable_to_complete: t("status_unable_to_complete", "Unable to complete"), assigned: t("status_assigned", "Assigned"),
  "new": t("status_new", "New"), cancelled: t("status_cancelled", "Cancelled")
};
var LABELS = STATUS_LABELS;

var STATUS_OF = { close: "completed", unable: "unable_to_complete" };

/** Show the outbox's changes on the job page (#status-panel) and on job lists (li.wo[data-work-order]). */
function applyPending(all) {
  var panel = $("#status-panel");
  if (panel) {
    var items = all.filter(function (it) { return String(it.workOrderId) === panel.dataset.workOrder; });
    var status = panel.dataset.status;
    var has = (panel.dataset.has || "").split(",").filter(Boolean);
    var pendingCount = 0;
    items.forEach(function (it) {
      if (it.status !== "pending") return;
      pendingCount++;
      if (it.kind === "status") status = it.fields.to;
      if (STATUS_OF[it.kind]) status = STATUS_OF[it.kind];
      it.photos.forEach(function (p) { has.push(p.kind); });
    });
    var badge = $("[data-status-badge]", panel);
    if (badge) {
      badge.textContent = LABELS[status] || status;
      badge.className = "badge status-" + status;
      badge.dataset.localStatus = status;
    }
    var note = $("[data-pending-note]", panel);
    if (note) note.hidden = pendingCount === 0;
    $all("[data-from]", panel).forEach(function (el) {
      el.hidden = el.dataset.from.split(",").indexOf(status) === -1;
    });
    var missing = $("[data-missing-photos]", panel);
    if (missing) {
      var required = (panel.dataset.requires || "").split(",").filter(Boolean);
      missing.hidden = required.every(function (k) { return has.indexOf(k) !== -1; });
    }
    var list = $("[data-pending-list]", panel);
    if (list) {
      var ul = $("ul", list);
      ul.innerHTML = "";
      items.forEach(function (it) {
        var li = document.createElement("li");
        li.className = "outbox-item " + it.status;
        li.textContent = it.label + (it.status === "pending" ? "" : " — " + it.lastError);
        ul.appendChild(li);
      });
      list.hidden = items.length === 0;
    }
  }
  // Lists: mark jobs with changes still on the tablet.
  var rows = $all("[data-work-order]").filter(function (el) { return el.matches("li.wo"); });
  if (rows.length) {
    rows.forEach(function (row) {
      var n = all.filter(function (it) { return String(it.workOrderId) === row.dataset.workOrder; }).length;
      var tag = $(".badge.unsent", row);
      if (n && !tag) {
        tag = document.createElement("span");
        tag.className = "badge unsent";
        $(".meta", row) && $(".meta", row).appendChild(tag);
      }
      if (tag) { tag.textContent = plural("not_sent_count", n, { one: "%(n)s not sent", other: "%(n)s not sent" }); tag.hidden = !n; }
    });
  }
}

// When the server has taken this job's changes, show its view of the job again.
document.addEventListener("outbox:acknowledged", async function (evt) {
  var panel = $("#status-panel");
  if (!panel || String(evt.detail.item.workOrderId) !== panel.dataset.workOrder || !window.htmx) return;
  var left = (await outbox.forWorkOrder(panel.dataset.workOrder)).filter(function (it) { return it.status === "pending"; });
  if (left.length) return;
  window.htmx.ajax("GET", "/work-orders/" + panel.dataset.workOrder, { target: "#job", swap: "innerHTML" });
});
document.addEventListener("outbox:attention", function (evt) { flash(evt.detail.item.label + ": " + (evt.detail.response.error || t("refused_by_server", "refused by the server")), "error"); });
document.addEventListener("outbox:conflict", function (evt) { flash(evt.detail.response.error || t("job_conflict", "This job was changed by someone else while you were offline; your work was kept for a supervisor."), "warning"); });
// Whenever the outbox changes (this tab or another), and when htmx swaps in a fresh copy of the job.
var latest = [];
outbox.watch(function (items) { latest = items; applyPending(items); });
document.addEventListener("htmx:afterSwap", function () { applyPending(latest); });

