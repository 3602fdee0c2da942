"""Validate an uploaded photo and turn it into a metadata-free stored copy plus a JPEG thumbnail."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import math
import re
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from PIL import ExifTags, Image

__all__ = [
    "DecodeLimiter",
    "DecodesBusy",
    "ImageRejected",
    "ProcessedImage",
    "allowed_content_types",
    "configure_pillow",
    "decode_limiter",
    "process_upload",
]


class ImageRejected(ValueError):
    """The upload cannot be accepted; str(exc) is a sentence meant for the field worker."""


class DecodesBusy(RuntimeError):
    """Every decode slot is taken and the wait queue is full (or the wait timed out): try again shortly."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(_("The server is busy with other photos; send this one again in a moment."))
        self.retry_after = retry_after


class DecodeLimiter:
    """At most `slots` decodes at once; at most `queue` callers waiting, each for at most `wait_seconds`.

    A semaphore alone would let every waitress thread pile up behind it holding its upload in memory; the
    bounded queue turns overload into a fast 503 the tablet's outbox retries, so memory stays bounded and
    the threads stay free for cheap pages such as /status.
    """

    def __init__(self, slots: int, queue: int, wait_seconds: float) -> None:
        self.slots = slots
        self.queue = queue
        self.wait_seconds = wait_seconds
        self._cond = threading.Condition()
        self._active = 0
        self._waiting = 0

    @property
    def retry_after(self) -> int:
        """Seconds a refused client should wait: about one queue's worth of decodes."""
        return max(1, min(60, round(self.wait_seconds / 2)))

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one decode slot for the duration of the block, or raise DecodesBusy."""
        with self._cond:
            if self._active >= self.slots:
                if self._waiting >= self.queue:
                    raise DecodesBusy(self.retry_after)
                self._waiting += 1
                deadline = time.monotonic() + self.wait_seconds
                try:
                    while self._active >= self.slots:
                        remaining = deadline - time.monotonic()
                        if remaining <= 0:
                            raise DecodesBusy(self.retry_after)
                        self._cond.wait(remaining)
                finally:
                    self._waiting -= 1
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify()


_limiters: dict[tuple[int, int, float], DecodeLimiter] = {}
_limiters_lock = threading.Lock()


def decode_limiter(slots: int, queue: int, wait_seconds: float) -> DecodeLimiter:
    """The process-wide limiter for these limits: every app and thread in the process shares one."""
    # Process-wide on purpose: waitress threads of one `fieldops serve` share the machine's memory and cores.
    # Separate processes (one per core behind a proxy) each have their own.
    key = (slots, queue, wait_seconds)
    with _limiters_lock:
        limiter = _limiters.get(key)
        if limiter is None:
            limiter = _limiters[key] = DecodeLimiter(slots, queue, wait_seconds)
        return limiter


def configure_pillow(max_pixels: int) -> None:
    """Set Pillow's own decompression-bomb limit to ours and make its warning an error we turn into a refusal."""
    # Pillow warns above MAX_IMAGE_PIXELS and only raises above twice that; a warning would let the decode go on.
    # Both are process-wide by Pillow's design; our own header check in _probe applies each app's setting anyway.
    Image.MAX_IMAGE_PIXELS = max_pixels
    warnings.simplefilter("error", Image.DecompressionBombWarning)


@dataclasses.dataclass(frozen=True)
class ProcessedImage:
    """A validated upload: the normalised copy to store, its thumbnail, and what we learned from the original."""

    data: bytes
    content_type: str
    extension: str
    width: int
    height: int
    thumbnail: bytes
    sha256: str
    original_size: int
    original_format: str
    taken_at: dt.datetime | None
    latitude: float | None
    longitude: float | None


@dataclasses.dataclass(frozen=True)
class _Output:
    pil_format: str
    content_type: str
    extension: str


_JPEG_OUT = _Output("JPEG", "image/jpeg", "jpg")
# Keyed by Pillow's format name of the upload. MPO is how Pillow names the multi-picture JPEGs many phones
# write; it is still a JPEG to the user. HEIF becomes JPEG because browsers cannot display HEIC.
_OUTPUTS: dict[str, _Output] = {
    "JPEG": _JPEG_OUT,
    "MPO": _JPEG_OUT,
    "PNG": _Output("PNG", "image/png", "png"),
    "WEBP": _Output("WEBP", "image/webp", "webp"),
    "HEIF": _JPEG_OUT,
}
_ORIGINAL_FORMAT_NAMES = {"MPO": "JPEG"}

_JPEG_QUALITY = 85
_WEBP_QUALITY = 85
_THUMB_QUALITY = 80
_WHITE = (255, 255, 255)
_BYTES_PER_MB = 1024 * 1024
_HIGH_BIT_DEPTH_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N"})
_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})

_heif_lock = threading.Lock()
_heif_registered: bool | None = None  # None until the first attempt


def _heif_available() -> bool:
    """Register the pillow-heif opener on first use and report whether HEIC/HEIF can be decoded."""
    global _heif_registered
    if _heif_registered is None:
        with _heif_lock:
            if _heif_registered is None:
                try:
                    import pillow_heif
                except ImportError:
                    _heif_registered = False
                else:
                    pillow_heif.register_heif_opener()
                    _heif_registered = True
    return _heif_registered


def _accepted_formats() -> tuple[str, ...]:
    # Passed to Image.open so Pillow never even tries its many other (less hardened) format parsers.
    base = ("JPEG", "PNG", "WEBP")
    return (*base, "HEIF") if _heif_available() else base


def allowed_content_types() -> tuple[str, ...]:
    """MIME types an upload may have (HEIC/HEIF only when pillow-heif is installed)."""
    base = ("image/jpeg", "image/png", "image/webp")
    return (*base, "image/heic", "image/heif") if _heif_available() else base


def _not_a_photo_message() -> str:
    allowed = "JPEG, PNG, WebP, HEIC" if _heif_available() else "JPEG, PNG, WebP"
    return _("This file is not a photo we can read (allowed: %(allowed)s).", allowed=allowed)


# Refusals in the uploader's language (str() of a lazy string, when the exception is raised).
_DAMAGED = _l("This photo is damaged or was only partly uploaded. Please try sending it again.")
_EMPTY = _l("The photo file is empty. Please take or choose the photo again.")


def _too_many_pixels(max_pixels: int, size: tuple[int, int] | None = None, pixels: int | None = None) -> str:
    limit = f"{max_pixels / 1_000_000:.3g}"
    if size is not None:
        return _(
            "This photo has too many pixels for us to process (%(width)s x %(height)s = %(megapixels)s megapixels; the limit is %(limit)s). Please send a smaller photo.",
            width=size[0], height=size[1], megapixels=f"{size[0] * size[1] / 1_000_000:.3g}", limit=limit,
        )
    if pixels is not None:
        return _(
            "This photo has too many pixels for us to process (%(megapixels)s megapixels; the limit is %(limit)s). Please send a smaller photo.",
            megapixels=f"{pixels / 1_000_000:.3g}", limit=limit,
        )
    return _("This photo has too many pixels for us to process (the limit is %(limit)s megapixels). Please send a smaller photo.", limit=limit)


_BOMB_PIXELS = re.compile(r"Image size \((\d+) pixels\)")


def _bomb_refusal(exc: Exception, max_pixels: int) -> ImageRejected:
    # Pillow raises its bomb check inside Image.open, before we can read the size; its message carries the count.
    match = _BOMB_PIXELS.search(str(exc))
    return ImageRejected(_too_many_pixels(max_pixels, pixels=int(match.group(1)) if match else None))


def _mb(n: float) -> str:
    # "10 MB", "12.5 MB"; small limits (tests, odd configs) keep two significant digits instead of "0 MB".
    value = n / _BYTES_PER_MB
    text = f"{value:.1f}".removesuffix(".0") if value >= 1 else f"{value:.2g}"
    return f"{text} MB"


def process_upload(
    raw: bytes,
    *,
    max_bytes: int,
    max_pixels: int = 25_000_000,
    max_long_side: int = 2048,
    thumb_size: int = 320,
    limiter: DecodeLimiter | None = None,
) -> ProcessedImage:
    """Validate `raw` and return a re-encoded, metadata-free copy, a thumbnail and the original's EXIF facts.

    Raises ImageRejected (with a message for the field worker) for anything we cannot safely accept, and
    DecodesBusy when `limiter` has no slot free: the header checks run first, so a refusal never waits.
    `taken_at` is timezone-aware UTC only when the EXIF carries an offset (OffsetTimeOriginal/OffsetTime);
    otherwise it is a NAIVE datetime in the camera's local clock, because EXIF itself has no zone.
    """
    if not raw:
        raise ImageRejected(str(_EMPTY))
    if len(raw) > max_bytes:
        raise ImageRejected(_("This photo is too large (%(size)s). The limit is %(limit)s per photo.", size=_mb(len(raw)), limit=_mb(max_bytes)))

    formats = _accepted_formats()
    source_format = _probe(raw, formats, max_pixels)
    output = _OUTPUTS[source_format]

    with limiter.slot() if limiter is not None else _no_limit():
        upright, icc, taken_at, latitude, longitude = _decode(raw, formats, max_pixels, max_long_side)
        stored, icc = _prepare_for(output.pil_format, upright, icc)
        del upright
        stored = _cap_long_side(stored, max_long_side)
        data = _encode(stored, output.pil_format, icc)
        thumbnail = _make_thumbnail(stored, icc, thumb_size)

    return ProcessedImage(
        data=data,
        content_type=output.content_type,
        extension=output.extension,
        width=stored.width,
        height=stored.height,
        thumbnail=thumbnail,
        sha256=hashlib.sha256(raw).hexdigest(),
        original_size=len(raw),
        original_format=_ORIGINAL_FORMAT_NAMES.get(source_format, source_format),
        taken_at=taken_at,
        latitude=latitude,
        longitude=longitude,
    )


@contextmanager
def _no_limit() -> Iterator[None]:
    yield


def _decode(
    raw: bytes, formats: tuple[str, ...], max_pixels: int, max_long_side: int
) -> tuple[Image.Image, bytes | None, dt.datetime | None, float | None, float | None]:
    """Decode the first frame, at most ~2x the size we keep, upright; return it with its ICC profile and EXIF facts."""
    try:
        with Image.open(io.BytesIO(raw), formats=formats) as im:
            if im.width * im.height > max_pixels:  # re-checked: the bytes are the probed ones, the rule is here too
                raise ImageRejected(_too_many_pixels(max_pixels, im.size))
            if im.format in ("JPEG", "MPO"):
                # libjpeg decodes at 1/2..1/8 scale when the photo is far bigger than we keep: a 25 MP photo then
                # costs ~10 MB instead of 75 MB. draft() never goes below the requested size.
                im.draft(im.mode if im.mode in ("RGB", "L") else None, (max_long_side, max_long_side))
            # Animated WebP/PNG, multi-picture JPEG and multi-image HEIC: Image.open selects the first frame and
            # load() decodes only that one; we never seek, so no other frame is ever held.
            im.load()
            taken_at, latitude, longitude = _read_metadata(im)
            icc = im.info.get("icc_profile") or None
            factor = max(im.size) // (2 * max_long_side)
            # Formats without draft (PNG, WebP, HEIC) decode at full size; shrink by a whole factor straight away
            # (cheap box filter) so the full frame is freed on leaving this block and later steps work on less.
            small = im.reduce(factor) if factor >= 2 else im
            upright = _exif_transpose(small, im)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _bomb_refusal(exc, max_pixels) from exc
    except MemoryError as exc:
        raise ImageRejected(_too_many_pixels(max_pixels)) from exc
    except Exception as exc:  # any decoder failure on untrusted bytes means the same thing to the user
        raise ImageRejected(str(_DAMAGED)) from exc
    return upright, icc, taken_at, latitude, longitude


def _probe(raw: bytes, formats: tuple[str, ...], max_pixels: int) -> str:
    """Identify and structurally verify the upload without decoding pixels; return Pillow's format name."""
    try:
        probe = Image.open(io.BytesIO(raw), formats=formats)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # The warning arrives as an exception because configure_pillow made it one; otherwise our check below does.
        raise _bomb_refusal(exc, max_pixels) from exc
    except Exception as exc:  # UnidentifiedImageError, SyntaxError, struct.error...: all "not a photo"
        raise ImageRejected(_not_a_photo_message()) from exc
    with probe:
        fmt = probe.format
        if fmt not in _OUTPUTS:
            raise ImageRejected(_not_a_photo_message())
        width, height = probe.size
        # Checked from the header before any pixel is decoded, so a tiny file declaring huge dimensions is cheap.
        if width <= 0 or height <= 0:
            raise ImageRejected(str(_DAMAGED))
        if width * height > max_pixels:
            raise ImageRejected(_too_many_pixels(max_pixels, (width, height)))
        try:
            probe.verify()
        except Exception as exc:
            raise ImageRejected(str(_DAMAGED)) from exc
    return fmt


def _exif_transpose(im: Image.Image, original: Image.Image) -> Image.Image:
    # reduce() drops the EXIF, so the orientation is read from the original and applied to the smaller image.
    # A corrupt Orientation tag must not cost the worker their photo; keep the pixels as they are instead.
    try:
        orientation = original.getexif().get(ExifTags.Base.Orientation, 1)
    except Exception:
        orientation = 1
    method = {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_270,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_90,
    }.get(orientation if isinstance(orientation, int) else 1)
    if method is None:
        return im if im is not original else im.copy()
    return im.transpose(method)


def _read_metadata(im: Image.Image) -> tuple[dt.datetime | None, float | None, float | None]:
    # Metadata is a bonus: malformed EXIF (common from cheap cameras and editing apps) yields None, never a
    # rejection. Pillow reports some EXIF damage as warnings, which become exceptions under `-W error`.
    try:
        exif = im.getexif()
    except Exception:
        return None, None, None
    try:
        taken_at = _read_taken_at(exif)
    except Exception:
        taken_at = None
    try:
        latitude, longitude = _read_gps(exif)
    except Exception:
        latitude, longitude = None, None
    return taken_at, latitude, longitude


def _read_taken_at(exif: Image.Exif) -> dt.datetime | None:
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    candidates = (
        (ExifTags.Base.DateTimeOriginal, ExifTags.Base.OffsetTimeOriginal),
        (ExifTags.Base.DateTime, ExifTags.Base.OffsetTime),
    )
    for value_tag, offset_tag in candidates:
        # DateTime officially lives in IFD0 and the others in the Exif IFD, but writers disagree; look in both.
        local = _parse_exif_datetime(exif_ifd.get(value_tag) or exif.get(value_tag))
        if local is None:
            continue
        offset = _parse_exif_offset(exif_ifd.get(offset_tag) or exif.get(offset_tag))
        if offset is None:
            return local
        return local.replace(tzinfo=offset).astimezone(dt.UTC)
    return None


_EXIF_DATETIME = re.compile(r"(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_EXIF_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")


def _exif_text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", errors="replace")
    if not isinstance(value, str):
        return None
    return value.strip("\x00 \t\r\n")


def _parse_exif_datetime(value: Any) -> dt.datetime | None:
    text = _exif_text(value)
    match = _EXIF_DATETIME.fullmatch(text) if text else None
    if match is None:
        return None  # also covers the "    :  :     :  :  " placeholder cameras write when the clock is unset
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        return dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def _parse_exif_offset(value: Any) -> dt.timezone | None:
    text = _exif_text(value)
    match = _EXIF_OFFSET.fullmatch(text) if text else None
    if match is None:
        return None
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3))
    if hours > 23 or minutes > 59:
        return None
    delta = dt.timedelta(hours=hours, minutes=minutes)
    return dt.timezone(-delta if sign == "-" else delta)


def _read_gps(exif: Image.Exif) -> tuple[float | None, float | None]:
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    if not gps:
        return None, None
    lat = _dms_to_degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "N", "S")
    lon = _dms_to_degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "E", "W")
    if lat is None or lon is None:
        return None, None
    # 0,0 ("null island") is what devices write when they had no fix; it is never a real work site.
    if abs(lat) > 90 or abs(lon) > 180 or (lat == 0 and lon == 0):
        return None, None
    return lat, lon


def _dms_to_degrees(value: Any, ref: Any, positive: str, negative: str) -> float | None:
    ref_text = (_exif_text(ref) or "").upper()
    # Without a reference the hemisphere is a guess, and a pin on the wrong continent is worse than none.
    if value is None or ref_text not in (positive, negative):
        return None
    parts = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if not 1 <= len(parts) <= 3:
        return None
    try:
        numbers = [float(part) for part in parts]  # IFDRational with a zero denominator becomes NaN here
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if any(not math.isfinite(n) or n < 0 for n in numbers):
        return None
    if any(n >= 60 for n in numbers[1:]):
        return None
    degrees = sum(n / 60.0**i for i, n in enumerate(numbers))
    return -degrees if ref_text == negative else degrees


def _has_alpha(img: Image.Image) -> bool:
    return img.mode in _ALPHA_MODES or (img.mode in ("P", "L", "RGB") and "transparency" in img.info)


def _flatten_on_white(img: Image.Image) -> Image.Image:
    rgba = img.convert("RGBA")
    background = Image.new("RGB", rgba.size, _WHITE)
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _to_8bit(img: Image.Image) -> Image.Image:
    # Pillow's plain convert() clips 16-bit greyscale to white instead of scaling it down.
    if img.mode in _HIGH_BIT_DEPTH_MODES:
        return img.convert("I").point(lambda v: v / 256).convert("L")
    return img


def _icc_colour_space(icc: bytes) -> bytes:
    return icc[16:20] if len(icc) >= 20 else b""


def _icc_fits(icc: bytes | None, mode: str) -> bytes | None:
    # A profile is only meaningful for pixels in its colour space; a CMYK or grey profile on RGB data
    # makes browsers render wildly wrong colours, so drop it rather than keep a lie.
    if not icc:
        return None
    wanted = {"L": b"GRAY", "LA": b"GRAY", "RGB": b"RGB ", "RGBA": b"RGB "}.get(mode)
    return icc if wanted is not None and _icc_colour_space(icc) == wanted else None


def _to_srgb(img: Image.Image, icc: bytes | None, output_mode: str) -> Image.Image | None:
    """Convert through the embedded profile to sRGB; None when there is no usable profile or no LittleCMS."""
    if not icc:
        return None
    try:
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(img, source, ImageCms.createProfile("sRGB"), outputMode=output_mode)
    except Exception:  # colour management is best effort: unknown/broken profiles fall back to a plain convert
        return None
    return converted


def _prepare_for(pil_format: str, img: Image.Image, icc: bytes | None) -> tuple[Image.Image, bytes | None]:
    """Bring `img` into a mode the output format can store and return the ICC profile that still applies."""
    if img.mode == "CMYK":
        # Browsers handle CMYK JPEGs badly or not at all; going via the profile keeps the colours right.
        converted = _to_srgb(img, icc if _icc_colour_space(icc or b"") == b"CMYK" else None, "RGB")
        return (converted if converted is not None else img.convert("RGB")), None

    if pil_format == "PNG":
        if img.mode in ("L", "LA", "RGB", "RGBA") or img.mode in _HIGH_BIT_DEPTH_MODES:
            if _has_alpha(img) and img.mode in ("L", "RGB"):
                img = img.convert("RGBA")  # a tRNS colour key would not survive resampling
        elif img.mode == "1":
            img = img.convert("L")
        else:
            # Palette images are expanded so resizing can use a proper filter instead of nearest-neighbour.
            img = img.convert("RGBA" if _has_alpha(img) else "RGB")
    else:
        img = _to_8bit(img)
        if pil_format == "JPEG":
            if _has_alpha(img):
                img = _flatten_on_white(img)
            elif img.mode not in ("L", "RGB"):
                img = img.convert("RGB")
        else:  # WEBP stores only RGB and RGBA
            img = img.convert("RGBA" if _has_alpha(img) else "RGB")
    return img, _icc_fits(icc, img.mode)


def _cap_long_side(img: Image.Image, max_long_side: int) -> Image.Image:
    width, height = img.size
    long_side = max(width, height)
    if long_side <= max_long_side:
        return img
    scale = max_long_side / long_side
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return img.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _without_metadata(img: Image.Image) -> Image.Image:
    # Pillow carries EXIF/XMP/comments along in .info through copy() and resize(); a fresh info dict
    # guarantees nothing but what we pass to save() explicitly reaches the file.
    clean = img.copy()
    clean.info = {}
    return clean


def _encode(img: Image.Image, pil_format: str, icc: bytes | None) -> bytes:
    params: dict[str, Any] = {}
    if icc:
        params["icc_profile"] = icc
    if pil_format == "JPEG":
        params.update(quality=_JPEG_QUALITY, optimize=True)
    elif pil_format == "WEBP":
        params.update(quality=_WEBP_QUALITY, method=4)
    buf = io.BytesIO()
    _without_metadata(img).save(buf, format=pil_format, **params)
    return buf.getvalue()


def _make_thumbnail(img: Image.Image, icc: bytes | None, thumb_size: int) -> bytes:
    """A small sRGB JPEG without metadata; transparency is flattened on white."""
    if _has_alpha(img):
        img = _flatten_on_white(img)
    img = _to_8bit(img)
    # Thumbnails carry no profile, so wide-gamut (Display P3) photos are converted to sRGB to look right.
    srgb = _to_srgb(img, icc, "RGB") if img.mode in ("RGB", "L") and _icc_fits(icc, img.mode) else None
    thumb = srgb if srgb is not None else img.convert("RGB")
    thumb.thumbnail((thumb_size, thumb_size), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    _without_metadata(thumb).save(buf, format="JPEG", quality=_THUMB_QUALITY, optimize=True)
    return buf.getvalue()
