/* The pending-sync indicator in the top bar and its panel: what is waiting, what needs attention, retry and
   dismiss; "Sync now"; and sign-out, which keeps the outbox but drops this user's cached pages. Rendered from
   the outbox's liveQuery (outbox.watch), so another tab's changes show here too. */
import { $ } from "fieldops/dom";
import { t, plural } from "fieldops/i18n";
import { outbox } from "fieldops/outbox";
import { forgetReady } from "fieldops/offline-ready";
import { clearUserCaches } from "fieldops/sw-register";

var indicator = $("#sync-indicator");
var panelEl = $("#sync-panel");

function describe(c, st) {
  if (!c.total) return navigator.onLine ? t("all_sent", "All changes sent") : t("offline_nothing", "Offline · nothing waiting");
  if (st.paused === "auth") return t("sign_in_to_send", "Sign in to send (%(n)s)", { n: c.total });
  if (st.paused === "user") return t("waiting_owner", "Waiting for its owner (%(n)s)", { n: c.total });
  var waiting = c.pending;
  var parts = [];
  if (waiting) {
    if (!navigator.onLine) parts.push(t("offline_pending", "Offline · pending sync (%(n)s)", { n: waiting }));
    else if (st.lastResult === "offline") parts.push(t("unreachable_pending", "Server unreachable · pending sync (%(n)s)", { n: waiting }));
    else parts.push(t("pending_sync", "Pending sync (%(n)s)", { n: waiting }));
  }
  if (c.attention) parts.push(t("needs_attention", "needs attention (%(n)s)", { n: c.attention }));
  if (c.conflict) parts.push(t("conflict", "conflict (%(n)s)", { n: c.conflict }));
  return parts.join(" · ");
}

function renderPanel(items) {
  if (!panelEl) return;
  var list = $("[data-outbox-list]", panelEl);
  list.replaceChildren();
  if (!items.length) {
    var empty = document.createElement("li");
    empty.className = "empty";
    empty.textContent = t("nothing_waiting", "Nothing waiting: everything you did has reached the server.");
    list.appendChild(empty);
  }
  items.forEach(function (it) {
    var li = document.createElement("li");
    li.className = "outbox-item " + it.status;
    li.dataset.outboxItem = it.id;
    var text = document.createElement("span");
    var when = new Date(it.createdAt).toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
    text.textContent = when + " · " + it.label + (it.workOrderId ? " " + t("job_number", "(job #%(id)s)", { id: it.workOrderId }) : "") + (it.photos.length ? " · " + plural("photo_count", it.photos.length, { one: "%(n)s photo", other: "%(n)s photos" }) : "");
    li.appendChild(text);
    var state = document.createElement("small");
    state.textContent = it.status === "pending" ? (it.lastError || t("waiting_to_send", "waiting to send")) : (it.status === "attention" ? t("item_attention", "Needs attention: %(error)s", { error: it.lastError }) : t("item_conflict", "Conflict: %(error)s", { error: it.lastError }));
    li.appendChild(state);
    if (it.status !== "pending" || it.attempts) {
      var retry = document.createElement("button");
      retry.type = "button";
      retry.textContent = t("retry", "Retry");
      retry.addEventListener("click", function () { outbox.retry(it.id); });
      li.appendChild(retry);
    }
    if (it.status === "attention" || it.status === "conflict") {
      var dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.textContent = t("dismiss", "Dismiss");
      dismiss.addEventListener("click", function () {
        if (confirm(it.status === "conflict" ? t("dismiss_conflict", "Remove this item from the tablet? The server did not take it as a change, but kept your photos and notes for a supervisor.") : t("dismiss_refused", "Remove this item from the tablet? The server did not take it."))) outbox.dismiss(it.id);
      });
      li.appendChild(dismiss);
    }
    list.appendChild(li);
  });
}

var lastCounts = { total: 0 };
outbox.watch(function (items, c) { lastCounts = c; });
if (indicator) {
  outbox.watch(function (items, c, st) {
    indicator.hidden = false;
    indicator.textContent = describe(c, st);
    indicator.dataset.count = String(c.total);
    indicator.className = "sync " + (c.total ? (c.attention || c.conflict ? "warn" : "pending") : "clear");
    var auth = $("[data-signin-again]");
    if (auth) auth.hidden = st.paused !== "auth";
    renderPanel(items);
  });
  indicator.addEventListener("click", function () {
    panelEl.hidden = !panelEl.hidden;
    indicator.setAttribute("aria-expanded", String(!panelEl.hidden));
  });
  var syncNow = $("[data-sync-now]");
  if (syncNow) syncNow.addEventListener("click", function () { outbox.replay(true); });
  window.addEventListener("online", function () { outbox.counts().then(function (c) { indicator.textContent = describe(c, outbox.state); }); });
  window.addEventListener("offline", function () { outbox.counts().then(function (c) { indicator.textContent = describe(c, outbox.state); }); });
}

// Signing out keeps the outbox (it is the user's unsent work) but drops this user's cached pages.
var signout = $("form.signout");
if (signout) {
  signout.addEventListener("submit", function (evt) {
    if (lastCounts.total && !confirm(plural("sign_out_unsent", lastCounts.total, { one: "%(n)s change has not reached the server yet. It stays on this tablet and is sent when you sign in again. Sign out?", other: "%(n)s changes have not reached the server yet. They stay on this tablet and are sent when you sign in again. Sign out?" }))) {
      evt.preventDefault();
      return;
    }
    forgetReady();
    clearUserCaches(); // not awaited: the sign-out goes at once; the worker and the page drop the caches meanwhile
  });
}

