/* Page glue: CSRF header for htmx, and small conveniences. */
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function (evt) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) evt.detail.headers["X-CSRFToken"] = meta.content;
  });
  // A session that expired mid-shift: htmx gets 401 with HX-Redirect and goes to the sign-in page.
  document.addEventListener("htmx:responseError", function (evt) {
    if (evt.detail.xhr.status === 0) {
      var flash = document.getElementById("flash");
      if (flash) flash.innerHTML = '<p class="flash error">No connection. Nothing was sent; try again when you have signal.</p>';
    }
  });
  document.addEventListener("htmx:sendError", function () {
    var flash = document.getElementById("flash");
    if (flash) flash.innerHTML = '<p class="flash error">No connection. Nothing was sent; try again when you have signal.</p>';
  });
})();
