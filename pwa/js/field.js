/*
 * Field UI on top of the outbox: forms that work offline, the "pending sync" indicator and list,
 * "Ready for offline", and the location picker for new requests.
 */
(function () {
  "use strict";
  var outbox = window.fieldopsOutbox;
  var body = document.body;
  var userId = body.dataset.userId ? Number(body.dataset.userId) : null;
  var READY_KEY = "fieldops.ready";
  var LABELS = { en_route: "En route", on_site: "On site", completed: "Completed", unable_to_complete: "Unable to complete", assigned: "Assigned", "new": "New", cancelled: "Cancelled" };

  // The page's words for scripts, in its language (base.html: #fieldops-messages, fieldops/i18n.py JS_MESSAGES).
  var MESSAGES = (function () {
    var el = document.getElementById("fieldops-messages");
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  })();
  function t(key, fallback, values) {
    var text = MESSAGES[key] || fallback;
    Object.keys(values || {}).forEach(function (k) { text = text.split("%(" + k + ")s").join(String(values[k])); });
    return text;
  }
  window.fieldopsT = t;

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  function flash(message, kind) {
    var area = document.getElementById("flash");
    if (!area) return;
    var p = document.createElement("p");
    p.className = "flash " + (kind || "info");
    p.setAttribute("role", kind === "error" ? "alert" : "status");
    p.textContent = message;
    area.innerHTML = "";
    area.appendChild(p);
  }

  // ---------------------------------------------------------------- forms through the outbox
  function itemFromForm(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) data.set(submitter.name, submitter.value);
    var kind = form.dataset.outbox;
    var spec = { kind: kind, workOrderId: form.dataset.workOrder || null, baseVersion: data.get("version"), fields: {}, files: [], userId: userId };
    if (kind === "status") {
      var to = data.get("to");
      if (to === "completed") {
        spec.kind = "close";
        spec.fields.resolution = (data.get("resolution") || "").trim();
        spec.label = "Complete: " + spec.fields.resolution;
      } else if (to === "unable_to_complete") {
        spec.kind = "unable";
        spec.fields.reason = (data.get("reason") || "").trim();
        spec.label = "Unable to complete: " + spec.fields.reason;
      } else {
        spec.fields.to = to;
        spec.label = LABELS[to] || to;
      }
    } else if (kind === "photos") {
      var photoKind = data.get("kind") || "before";
      data.getAll("photos").forEach(function (f) { if (f && f.size) spec.files.push({ file: f, kind: photoKind }); });
      spec.label = spec.files.length + " " + photoKind + " photo" + (spec.files.length === 1 ? "" : "s");
    } else if (kind === "request") {
      ["service_type", "description", "address", "resident_name", "resident_phone", "resident_email", "resident_language"].forEach(function (k) {
        spec.fields[k] = (data.get(k) || "").trim();
      });
      var lat = data.get("latitude"), lon = data.get("longitude");
      spec.fields.latitude = lat ? Number(lat) : null;
      spec.fields.longitude = lon ? Number(lon) : null;
      spec.fields.contact_consent = !!data.get("contact_consent");
      spec.fields.channel = form.dataset.channel || "staff";
      spec.fields.tracking_number = outbox.trackingNumber();
      // Outreach context (intake.js keeps these inputs up to date): the event, the type's answers, a joined request.
      var eventId = data.get("event_id");
      if (eventId) { spec.fields.event_id = Number(eventId); spec.fields.channel = "outreach"; }
      spec.fields.duplicate_of = (data.get("duplicate_of") || "").trim();
      spec.fields.description_language = data.get("description_language") || "";
      spec.fields.attributes = window.fieldopsIntake ? window.fieldopsIntake.answers(form) : {};
      data.getAll("photos").forEach(function (f) { if (f && f.size) spec.files.push({ file: f, kind: "intake" }); });
      var select = form.querySelector("select[name=service_type]");
      spec.label = "New request " + spec.fields.tracking_number + ": " + (select && select.selectedOptions[0] ? select.selectedOptions[0].textContent : spec.fields.service_type);
      if (spec.fields.duplicate_of) spec.label += " → " + spec.fields.duplicate_of;
    } else {
      // Event actions ("checkin", "residents"): the form's hidden fields; ids and counts are numbers.
      data.forEach(function (value, key) {
        if (key === "csrf_token" || value instanceof File) return;
        spec.fields[key] = (key === "event_id" || key === "count") ? Number(value) : value;
      });
      spec.label = form.dataset.label || kind;
    }
    return spec;
  }

  // Checks the server would make, made here too so a crew member offline hears about them at once.
  async function precheck(form, spec) {
    if (spec.kind === "close") {
      if (!spec.fields.resolution) return "Say how the job was resolved before completing it.";
      var panel = $("#status-panel");
      var required = (panel && panel.dataset.requires ? panel.dataset.requires.split(",") : []).filter(Boolean);
      if (required.length) {
        var have = (panel.dataset.has || "").split(",").filter(Boolean);
        var pending = await outbox.forWorkOrder(spec.workOrderId);
        pending.forEach(function (it) { if (it.status === "pending") it.photos.forEach(function (p) { have.push(p.kind); }); });
        var missing = required.filter(function (k) { return have.indexOf(k) === -1; });
        if (missing.length) {
          var type = panel.closest("main") && $("h1") ? $("h1").textContent.split("·").pop().trim() : "This";
          return type + " jobs need " + missing.map(function (k) { return "an “" + k + "” photo"; }).join(" and ") + " before they can be completed.";
        }
      }
    }
    if (spec.kind === "unable" && !spec.fields.reason) return "Give the reason the job could not be completed.";
    if (spec.kind === "photos" && !spec.files.length) return "Choose at least one photo to upload.";
    if (spec.kind === "request") {
      if (!spec.fields.service_type) return t("choose_type", "Choose what the request is about.");
      if (spec.fields.latitude == null && !spec.fields.address) return t("give_location", "Give a location: use GPS, tap the map, or type an address.");
      var missingAnswer = window.fieldopsIntake ? window.fieldopsIntake.missing(form) : null;
      if (missingAnswer) return missingAnswer;
    }
    return null;
  }

  document.addEventListener("submit", async function (evt) {
    var form = evt.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.outbox || !outbox) return;
    // Before htmx sees it: the change goes to the outbox, whether or not there is signal.
    evt.preventDefault();
    evt.stopImmediatePropagation();
    var spec = itemFromForm(form, evt.submitter);
    var problem = await precheck(form, spec);
    if (problem) { flash(problem, "error"); return; }
    var buttons = $all("button[type=submit]", form);
    buttons.forEach(function (b) { b.disabled = true; });
    try {
      await outbox.add(spec);
    } catch (e) {
      // Storage full or blocked: say so, and keep the form as it is so nothing typed is lost.
      flash("This tablet could not save the change (" + (e && e.message ? e.message : e) + "). Nothing was lost from the form; free some space and try again.", "error");
      buttons.forEach(function (b) { b.disabled = false; });
      return;
    }
    buttons.forEach(function (b) { b.disabled = false; });
    if (spec.kind === "request") {
      // A report added to an existing request: the resident follows the existing request's number.
      showTracking(spec.fields.duplicate_of || spec.fields.tracking_number, { joined: !!spec.fields.duplicate_of, language: spec.fields.resident_language });
      form.reset();
      clearPicker();
    } else {
      $all("textarea, input[type=file]", form).forEach(function (el) { el.value = ""; });
    }
    document.dispatchEvent(new CustomEvent("outbox:added", { detail: { spec: spec, form: form } }));
    flash(navigator.onLine ? t("saved_sending", "Saved on this tablet; sending now.") : t("saved_offline", "Saved on this tablet. It will be sent when there is signal."), "success");
    applyPending();
  }, true);

  function showTracking(number, opts) {
    var panel = $("[data-tracking-panel]");
    if (!panel) return;
    panel.hidden = false;
    $("[data-tracking-number]", panel).textContent = number;
    $("[data-tracking-state]", panel).textContent = navigator.onLine ? t("tracking_sending", "Sending to the city now.") : t("tracking_offline", "Saved on this tablet; it will be sent when there is signal. The number is already valid.");
    // The QR code and the intro line: intake.js (it knows the status page's address and the resident's language).
    document.dispatchEvent(new CustomEvent("intake:tracking", { detail: { number: number, joined: !!(opts && opts.joined), language: opts && opts.language } }));
  }

  // ---------------------------------------------------------------- local view of pending changes
  var STATUS_OF = { close: "completed", unable: "unable_to_complete" };

  async function applyPending() {
    if (!outbox) return;
    var panel = $("#status-panel");
    if (panel) {
      var items = await outbox.forWorkOrder(panel.dataset.workOrder);
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
      var all = await outbox.items();
      rows.forEach(function (row) {
        var n = all.filter(function (it) { return String(it.workOrderId) === row.dataset.workOrder; }).length;
        var tag = $(".badge.unsent", row);
        if (n && !tag) {
          tag = document.createElement("span");
          tag.className = "badge unsent";
          $(".meta", row) && $(".meta", row).appendChild(tag);
        }
        if (tag) { tag.textContent = n + " not sent"; tag.hidden = !n; }
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
  document.addEventListener("outbox:attention", function (evt) { flash(evt.detail.item.label + ": " + (evt.detail.response.error || "refused by the server"), "error"); });
  document.addEventListener("outbox:conflict", function (evt) { flash(evt.detail.response.error || "This job was changed by someone else while you were offline; your work was kept for a supervisor.", "warning"); });
  document.addEventListener("htmx:afterSwap", function () { applyPending(); });

  // ---------------------------------------------------------------- the pending-sync indicator and list
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

  async function renderPanel() {
    if (!panelEl) return;
    var list = $("[data-outbox-list]", panelEl);
    var items = await outbox.items();
    list.innerHTML = "";
    if (!items.length) {
      var empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = "Nothing waiting: everything you did has reached the server.";
      list.appendChild(empty);
    }
    items.forEach(function (it) {
      var li = document.createElement("li");
      li.className = "outbox-item " + it.status;
      li.dataset.outboxItem = it.id;
      var text = document.createElement("span");
      var when = new Date(it.createdAt).toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
      text.textContent = when + " · " + it.label + (it.workOrderId ? " (job #" + it.workOrderId + ")" : "") + (it.photos.length ? " · " + it.photos.length + " photo(s)" : "");
      li.appendChild(text);
      var state = document.createElement("small");
      state.textContent = it.status === "pending" ? (it.lastError || "waiting to send") : (it.status === "attention" ? "Needs attention: " : "Conflict: ") + it.lastError;
      li.appendChild(state);
      if (it.status !== "pending" || it.attempts) {
        var retry = document.createElement("button");
        retry.type = "button";
        retry.textContent = "Retry";
        retry.addEventListener("click", function () { outbox.retry(it.id); });
        li.appendChild(retry);
      }
      if (it.status === "attention" || it.status === "conflict") {
        var dismiss = document.createElement("button");
        dismiss.type = "button";
        dismiss.textContent = "Dismiss";
        dismiss.addEventListener("click", function () {
          if (confirm("Remove this item from the tablet? The server did not take it" + (it.status === "conflict" ? " as a change, but kept your photos and notes for a supervisor." : "."))) outbox.dismiss(it.id);
        });
        li.appendChild(dismiss);
      }
      list.appendChild(li);
    });
  }

  if (outbox && indicator) {
    outbox.onChange(function (c, st) {
      indicator.hidden = false;
      indicator.textContent = describe(c, st);
      indicator.dataset.count = String(c.total);
      indicator.className = "sync " + (c.total ? (c.attention || c.conflict ? "warn" : "pending") : "clear");
      var auth = $("[data-signin-again]");
      if (auth) auth.hidden = st.paused !== "auth";
      renderPanel();
      applyPending();
    });
    indicator.addEventListener("click", function () { panelEl.hidden = !panelEl.hidden; });
    var syncNow = $("[data-sync-now]");
    if (syncNow) syncNow.addEventListener("click", function () { outbox.replay(true); });
    window.addEventListener("online", function () { outbox.counts().then(function (c) { indicator.textContent = describe(c, outbox.state); }); });
    window.addEventListener("offline", function () { outbox.counts().then(function (c) { indicator.textContent = describe(c, outbox.state); }); });
  }

  // Signing out keeps the outbox (it is the user's unsent work) but drops this user's cached pages.
  var signout = $("form.signout");
  var lastCounts = { total: 0 };
  if (outbox) outbox.onChange(function (c) { lastCounts = c; });
  if (signout) {
    signout.addEventListener("submit", function (evt) {
      if (lastCounts.total && !confirm(lastCounts.total + " change(s) have not reached the server yet. They stay on this tablet and are sent when you sign in again. Sign out?")) {
        evt.preventDefault();
        return;
      }
      try { localStorage.removeItem(READY_KEY); } catch (e) { /* private mode */ }
      if (window.caches) { caches.delete("fieldops-pages"); caches.delete("fieldops-data"); }
      if (navigator.serviceWorker && navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage({ type: "CLEAR_USER_CACHES" });
    });
  }

  // ---------------------------------------------------------------- ready for offline
  function readyInfo() {
    try { return JSON.parse(localStorage.getItem(READY_KEY) || "null"); } catch (e) { return null; }
  }

  function showReady() {
    var el = $("[data-ready-status]");
    if (!el) return;
    var info = readyInfo();
    if (info && info.userId === userId) {
      var when = new Date(info.at);
      el.textContent = t("ready_at", "Ready for offline · refreshed %(when)s (%(pages)s pages)", { when: when.toLocaleString(document.documentElement.lang || [], { weekday: "short", hour: "numeric", minute: "2-digit" }), pages: info.pages });
      el.dataset.readyAt = info.at;
    } else {
      el.textContent = t("not_ready", "Not ready for offline yet");
      delete el.dataset.readyAt;
    }
  }

  async function getReady() {
    if (!userId || !window.caches || !navigator.onLine) return null;
    var button = $("[data-get-ready]");
    if (button) { button.disabled = true; button.textContent = t("getting_ready", "Getting ready…"); }
    try {
      if (navigator.storage && navigator.storage.persist) {
        // Ask the browser not to evict the outbox and caches under storage pressure.
        try { await navigator.storage.persist(); } catch (e) { /* the user may refuse */ }
      }
      var resp = await fetch("/api/offline/manifest", { credentials: "same-origin", cache: "no-store" });
      if (!resp.ok) throw new Error("manifest " + resp.status);
      var manifest = await resp.json();
      var pages = await caches.open("fieldops-pages");
      var data = await caches.open("fieldops-data");
      var stored = 0;
      var store = async function (cache, url) {
        var r = await fetch(url, { credentials: "same-origin", cache: "no-store" });
        // Never keep a sign-in redirect or an error page in place of the real page.
        if (r.ok && !r.redirected) { await cache.put(url, r); stored++; }
      };
      for (var i = 0; i < manifest.pages.length; i++) await store(pages, manifest.pages[i]);
      for (var j = 0; j < manifest.data.length; j++) await store(data, manifest.data[j]);
      var info = { at: new Date().toISOString(), userId: userId, pages: manifest.pages.length, stored: stored };
      localStorage.setItem(READY_KEY, JSON.stringify(info));
      showReady();
      document.dispatchEvent(new CustomEvent("fieldops:ready", { detail: info }));
      return info;
    } catch (e) {
      var el = $("[data-ready-status]");
      if (el) el.textContent = "Could not get ready for offline (" + e.message + "); will try again.";
      return null;
    } finally {
      if (button) { button.disabled = false; button.textContent = t("ready_button", "Ready for offline"); }
    }
  }
  window.fieldopsGetReady = getReady;

  if (userId) {
    showReady();
    var b = $("[data-get-ready]");
    if (b) b.addEventListener("click", getReady);
    var info = readyInfo();
    // After sign-in (a different or no user recorded) and when the copy is over an hour old.
    if (!info || info.userId !== userId || Date.now() - Date.parse(info.at) > 3600 * 1000) {
      if (document.readyState === "complete") getReady();
      else window.addEventListener("load", function () { getReady(); });
    }
  }

  // ---------------------------------------------------------------- location picker for new requests
  var pickerMarker = null, pickerMap = null, pickerForm = null;
  function setLocation(lat, lon, how) {
    if (!pickerForm) return;
    pickerForm.elements.latitude.value = lat.toFixed(6);
    pickerForm.elements.longitude.value = lon.toFixed(6);
    var status = $("[data-location-status]", pickerForm);
    if (status) status.textContent = how + ": " + lat.toFixed(5) + ", " + lon.toFixed(5);
    pickerForm.dispatchEvent(new CustomEvent("location:set", { bubbles: true, detail: { lat: lat, lon: lon, how: how } }));
    if (pickerMap) {
      if (!pickerMarker) pickerMarker = L.marker([lat, lon]).addTo(pickerMap);
      else pickerMarker.setLatLng([lat, lon]);
      pickerMap.setView([lat, lon], Math.max(pickerMap.getZoom(), 16));
    }
  }
  function clearPicker() {
    if (pickerMarker && pickerMap) { pickerMap.removeLayer(pickerMarker); pickerMarker = null; }
    // Hidden inputs keep their value through form.reset(): clear the point so the next report does not inherit it.
    if (pickerForm) { pickerForm.elements.latitude.value = ""; pickerForm.elements.longitude.value = ""; }
    var status = pickerForm && $("[data-location-status]", pickerForm);
    if (status) status.textContent = t("no_location", "No location yet.");
  }
  window.fieldopsPicker = {
    attach: function (map, form) {
      pickerMap = map; pickerForm = form;
      map.on("click", function (e) { setLocation(e.latlng.lat, e.latlng.lng, t("map_point", "Map")); });
      var gps = $("[data-use-gps]", form);
      if (gps) gps.addEventListener("click", function () {
        var status = $("[data-location-status]", form);
        if (!navigator.geolocation) { status.textContent = t("no_gps", "This device has no GPS; tap the map or type an address."); return; }
        status.textContent = t("finding_location", "Finding your location…");
        navigator.geolocation.getCurrentPosition(
          function (pos) { setLocation(pos.coords.latitude, pos.coords.longitude, t("gps_fix", "GPS (±%(metres)s m)", { metres: Math.round(pos.coords.accuracy) })); },
          function (err) { status.textContent = t("no_fix", "No GPS fix (%(error)s); tap the map or type an address.", { error: err.message }); },
          { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
        );
      });
    },
    set: setLocation,
    clear: clearPicker,
    map: function () { return pickerMap; }
  };
})();
