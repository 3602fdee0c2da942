"""Real image files made with Pillow, with properly written EXIF, for tests that need photos."""

from __future__ import annotations

import datetime as dt
import io
from fractions import Fraction

from PIL import ExifTags, Image, ImageDraw
from PIL.TiffImagePlugin import IFDRational

# Colour of the block drawn in the top-left corner of the raw pixels, so tests can tell which way
# an image was rotated, not just that its dimensions swapped.
MARKER_COLOR = (20, 40, 230)


def _rational(value: float) -> IFDRational:
    # 1/10000 of an arc-second is ~3 mm on the ground: far below anything a test compares.
    frac = Fraction(value).limit_denominator(10_000)
    return IFDRational(frac.numerator, frac.denominator)


def dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    """Split an absolute decimal-degree value into EXIF degree/minute/second rationals."""
    value = abs(value)
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    seconds = (minutes_full - minutes) * 60
    return IFDRational(degrees, 1), IFDRational(minutes, 1), _rational(seconds)


def build_exif(
    *,
    lat: float | None = None,
    lon: float | None = None,
    orientation: int | None = None,
    taken_at: dt.datetime | None = None,
) -> Image.Exif:
    """An Exif block with GPS IFD, Orientation and DateTimeOriginal (plus OffsetTimeOriginal if aware)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "FieldOps Test Camera"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if taken_at is not None:
        exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
        exif_ifd[ExifTags.Base.DateTimeOriginal] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
        offset = taken_at.utcoffset()
        if offset is not None:
            total = int(offset.total_seconds())
            sign = "-" if total < 0 else "+"
            hours, minutes = divmod(abs(total) // 60, 60)
            exif_ifd[ExifTags.Base.OffsetTimeOriginal] = f"{sign}{hours:02d}:{minutes:02d}"
    if lat is not None or lon is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSVersionID] = b"\x02\x02\x00\x00"
        if lat is not None:
            gps[ExifTags.GPS.GPSLatitudeRef] = "S" if lat < 0 else "N"
            gps[ExifTags.GPS.GPSLatitude] = dms(lat)
        if lon is not None:
            gps[ExifTags.GPS.GPSLongitudeRef] = "W" if lon < 0 else "E"
            gps[ExifTags.GPS.GPSLongitude] = dms(lon)
    return exif


def make_image(
    *,
    width: int = 1200,
    height: int = 800,
    mode: str = "RGB",
    color: tuple[int, ...] | int = (200, 60, 40),
    marker: bool = True,
) -> Image.Image:
    """A solid image with a marker block in the top-left corner of its raw pixels."""
    img = Image.new(mode, (width, height), color)
    if marker and mode in ("RGB", "RGBA", "CMYK"):
        fill = {"RGB": MARKER_COLOR, "RGBA": (*MARKER_COLOR, 255), "CMYK": (235, 215, 25, 0)}[mode]
        ImageDraw.Draw(img).rectangle((0, 0, max(1, width // 8), max(1, height // 8)), fill=fill)
    return img


def make_jpeg(
    *,
    width: int = 1200,
    height: int = 800,
    lat: float | None = None,
    lon: float | None = None,
    orientation: int | None = None,
    taken_at: dt.datetime | None = None,
    color: tuple[int, int, int] = (200, 60, 40),
) -> bytes:
    """A real JPEG with EXIF GPS (N/S, E/W refs and DMS rationals), Orientation and DateTimeOriginal."""
    img = make_image(width=width, height=height, color=color)
    exif = build_exif(lat=lat, lon=lon, orientation=orientation, taken_at=taken_at)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=90, exif=exif.tobytes())
    return buf.getvalue()


def make_png(
    width: int = 640,
    height: int = 480,
    *,
    mode: str = "RGB",
    color: tuple[int, ...] | int = (40, 120, 200),
) -> bytes:
    """A real PNG; use mode="RGBA" with an alpha in `color` for transparency."""
    img = make_image(width=width, height=height, mode=mode, color=color, marker=False)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()
