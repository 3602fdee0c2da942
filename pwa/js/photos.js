/* Photos as the outbox stores them: big JPEGs shrunk first (browser-image-compression, a classic vendored
   script: window.imageCompression), then kept as ArrayBuffers (Safari loses Blobs in IndexedDB). */
import { uuid } from "fieldops/ids";

const SHRINK_ABOVE_BYTES = 1.5 * 1024 * 1024;

// browser-image-compression (57 KB) is loaded the first time a big photo needs it, not by every page: its URL is on
// <body data-image-compression-src> (base.html), and the service worker precaches it, so it loads offline too.
var compressor = null;
function loadCompressor() {
  if (window.imageCompression) return Promise.resolve(window.imageCompression);
  var src = document.body && document.body.dataset.imageCompressionSrc;
  if (!src) return Promise.resolve(null);
  if (!compressor) compressor = new Promise(function (resolve) {
    var script = document.createElement("script");
    script.src = src;
    script.onload = function () { resolve(window.imageCompression || null); };
    script.onerror = function () { compressor = null; resolve(null); };
    document.head.appendChild(script);
  });
  return compressor;
}

/** {id, kind, name, type, size, data: ArrayBuffer, uploaded: false} for a chosen file. */
export async function readPhoto(file, kind) {
  var blob = file;
  // Big phone photos are shrunk before they are stored (less to keep, less to send on one bar of
  // signal); EXIF (GPS, time) is kept so the server can still read where the photo was taken.
  var shrink = /^image\/jpe?g$/.test(file.type) && file.size > SHRINK_ABOVE_BYTES ? await loadCompressor() : null;
  if (shrink) {
    try {
      blob = await shrink(file, { maxWidthOrHeight: 2048, useWebWorker: false, preserveExif: true, initialQuality: 0.85 });
    } catch (e) {
      blob = file; // the original is still a photo; the server will resize it
    }
  }
  var data = await blob.arrayBuffer();
  return { id: uuid(), kind: kind, name: file.name || "photo.jpg", type: file.type || "image/jpeg", size: data.byteLength, data: data, uploaded: false };
}
