/* The field app on every signed-in page. Split by job:
 *   location-picker.js  the point of a new request or event (map tap, GPS)
 *   offline-ready.js    "Ready for offline": this user's pages and data cached for use without signal
 *   outbox-forms.js     forms saved to the outbox instead of posted, with the server's checks made first
 *   job.js              the job page and job lists as the tablet sees them (changes not yet sent)
 *   sync-panel.js       the pending-sync indicator, its panel, and sign-out
 * The last three need the outbox (IndexedDB through Dexie): they are loaded on their own, so a browser where it
 * cannot load keeps the picker and "Ready for offline", and its forms are posted as plain forms.
 */
import "fieldops/location-picker";
import "fieldops/offline-ready";

Promise.all(["fieldops/outbox-forms", "fieldops/job", "fieldops/sync-panel"].map(function (name) {
  return import(name).catch(function (e) { console.warn("fieldops: " + name + " not loaded; forms are sent as plain posts", e); });
})).then(function () {
  // Every part of the page that works without signal is loaded (or has given up): a test, or a person, may drop it.
  document.documentElement.setAttribute("data-field-loaded", "");
});
