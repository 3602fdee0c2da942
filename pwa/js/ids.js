/* Identifiers made on the tablet: item and photo ids (the Idempotency-Key) and residents' tracking numbers. */

/** A random (v4) UUID. */
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  var b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
  return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
}

// Same alphabet as the server (Crockford base32 without I, L, O, U).
var TRACKING_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** A tracking number, XXXX-XXXX, in the server's alphabet. */
export function trackingNumber() {
  var bytes = crypto.getRandomValues(new Uint8Array(8));
  var s = "";
  for (var i = 0; i < 8; i++) s += TRACKING_ALPHABET[bytes[i] % 32];
  return s.slice(0, 4) + "-" + s.slice(4);
}
