/* Photos as the outbox stores them: big JPEGs shrunk first (browser-image-compression, a classic vendored
   script: window.imageCompression), then kept as ArrayBuffers (Safari loses Blobs in IndexedDB). */
import { uuid } from "fieldops/ids";

const SHRINK_ABOVE_BYTES = 1.5 * 1024 * 1024;

/** {id, kind, name, type, size, data: ArrayBuffer, uploaded: false} for a chosen file. */
export async function readPhoto(file, kind) {
  var blob = file;
  // Big phone photos are shrunk before they are stored (less to keep, less to send on one bar of
  // signal); EXIF (GPS, time) is kept so the server can still read where the photo was taken.
  if (window.imageCompression && /^image\/jpe?g$/.test(file.type) && file.size > SHRINK_ABOVE_BYTES) {
    try {
      blob = await window.imageCompression(file, { maxWidthOrHeight: 2048, useWebWorker: false, preserveExif: true, initialQuality: 0.85 });
    } catch (e) {
      blob = file; // the original is still a photo; the server will resize it
    }
  }
  var data = await blob.arrayBuffer();
  return { id: uuid(), kind: kind, name: file.name || "photo.jpg", type: file.type || "image/jpeg", size: data.byteLength, data: data, uploaded: false };
}
