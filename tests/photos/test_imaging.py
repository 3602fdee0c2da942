"""Behaviour of photo validation and normalisation (fieldops.photos.imaging)."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import io
import struct
import sys
import zlib

import pytest
from imagefactory import MARKER_COLOR, build_exif, make_image, make_jpeg, make_png
from PIL import ExifTags, Image, ImageCms
from PIL.TiffImagePlugin import IFDRational

from fieldops.photos import imaging
from fieldops.photos.imaging import ImageRejected, ProcessedImage, allowed_content_types, process_upload

MB = 1024 * 1024
SOMERVILLE_CITY_HALL = (42.3876, -71.0995)
SYDNEY_OPERA_HOUSE = (-33.8568, 151.2153)


def process(raw: bytes, **kwargs: int) -> ProcessedImage:
    """process_upload with a generous size limit unless the test sets one."""
    kwargs.setdefault("max_bytes", 20 * MB)
    return process_upload(raw, **kwargs)


def open_image(data: bytes) -> Image.Image:
    """Decode bytes fully, so a broken file fails here rather than later."""
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def close_to(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 12) -> bool:
    """Compare pixel colours with slack for lossy compression."""
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def encode(img: Image.Image, fmt: str, **params: object) -> bytes:
    """Save `img` to bytes in `fmt`."""
    buf = io.BytesIO()
    img.save(buf, format=fmt, **params)
    return buf.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose header claims the given dimensions (pixel data is not needed to open it)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b"")


def heif_encoder_available() -> bool:
    """Whether this machine can write a HEIC for the tests (needs pillow-heif with an HEVC encoder)."""
    try:
        import pillow_heif
    except ImportError:
        return False
    return bool(pillow_heif.libheif_info().get("HEIF"))


needs_heif_encoder = pytest.mark.skipif(
    not heif_encoder_available(), reason="pillow-heif is missing or libheif has no HEVC encoder to make a test HEIC"
)


def make_heic(img: Image.Image, **exif_kwargs: object) -> bytes:
    """Encode `img` as HEIC, with EXIF built by imagefactory.build_exif when keywords are given."""
    import pillow_heif

    buf = io.BytesIO()
    params: dict[str, object] = {"quality": 80}
    if exif_kwargs:
        params["exif"] = build_exif(**exif_kwargs).tobytes()  # type: ignore[arg-type]
    pillow_heif.from_pillow(img).save(buf, format="HEIF", **params)
    return buf.getvalue()


# --- location -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lat, lon", [SOMERVILLE_CITY_HALL, SYDNEY_OPERA_HOUSE, (51.5007, 0.1246), (-0.5, -0.25)])
def test_gps_is_read_back_with_hemisphere_signs(lat: float, lon: float) -> None:
    result = process(make_jpeg(lat=lat, lon=lon))
    assert result.latitude == pytest.approx(lat, abs=1e-5)
    assert result.longitude == pytest.approx(lon, abs=1e-5)


def test_no_gps_gives_no_location() -> None:
    result = process(make_jpeg())
    assert (result.latitude, result.longitude) == (None, None)


@pytest.mark.parametrize("lat, lon", [(0.0, 0.0), (95.0, 10.0), (10.0, 190.0)])
def test_impossible_gps_is_dropped(lat: float, lon: float) -> None:
    result = process(make_jpeg(lat=lat, lon=lon))
    assert (result.latitude, result.longitude) == (None, None)


def _jpeg_with_exif(exif: Image.Exif) -> bytes:
    """A small JPEG carrying exactly the given EXIF."""
    return encode(make_image(width=64, height=48), "JPEG", exif=exif.tobytes())


def test_gps_without_hemisphere_reference_is_dropped() -> None:
    exif = build_exif(lat=SOMERVILLE_CITY_HALL[0], lon=SOMERVILLE_CITY_HALL[1])
    del exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLongitudeRef]
    result = process(_jpeg_with_exif(exif))
    assert (result.latitude, result.longitude) == (None, None)


def test_gps_with_zero_denominator_is_dropped_not_rejected() -> None:
    exif = build_exif(lat=SOMERVILLE_CITY_HALL[0], lon=SOMERVILLE_CITY_HALL[1])
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitude] = (IFDRational(42, 1), IFDRational(23, 0), IFDRational(0, 1))
    result = process(_jpeg_with_exif(exif))
    assert (result.latitude, result.longitude) == (None, None)
    assert result.width == 64


# --- time taken -----------------------------------------------------------------------------------------


def test_taken_at_without_offset_is_naive_local_time() -> None:
    result = process(make_jpeg(taken_at=dt.datetime(2024, 5, 3, 14, 5, 6)))
    assert result.taken_at == dt.datetime(2024, 5, 3, 14, 5, 6)
    assert result.taken_at.tzinfo is None


def test_taken_at_with_offset_is_converted_to_utc() -> None:
    eastern = dt.timezone(dt.timedelta(hours=-4))
    result = process(make_jpeg(taken_at=dt.datetime(2024, 5, 3, 22, 30, 0, tzinfo=eastern)))
    assert result.taken_at == dt.datetime(2024, 5, 4, 2, 30, 0, tzinfo=dt.UTC)
    assert result.taken_at.utcoffset() == dt.timedelta(0)


def test_taken_at_falls_back_to_datetime_tag() -> None:
    exif = build_exif()
    exif[ExifTags.Base.DateTime] = "2023:11:30 07:45:00"
    result = process(_jpeg_with_exif(exif))
    assert result.taken_at == dt.datetime(2023, 11, 30, 7, 45, 0)


@pytest.mark.parametrize("value", ["0000:00:00 00:00:00", "    :  :     :  :  ", "yesterday"])
def test_unusable_taken_at_is_none(value: str) -> None:
    exif = build_exif()
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = value
    assert process(_jpeg_with_exif(exif)).taken_at is None


# --- metadata stripping ---------------------------------------------------------------------------------


def _assert_no_metadata(data: bytes) -> None:
    """Fail if the encoded image still carries EXIF, GPS-adjacent tags or XMP."""
    img = open_image(data)
    assert len(img.getexif()) == 0
    assert "exif" not in img.info and "xmp" not in img.info
    assert b"Exif\x00\x00" not in data
    assert b"FieldOps Test Camera" not in data  # the Make tag written next to the GPS IFD
    assert b"http://ns.adobe.com/xap/1.0/" not in data
    assert b"secret-xmp-marker" not in data


def test_stored_jpeg_and_thumbnail_have_no_exif_gps_or_xmp() -> None:
    exif = build_exif(lat=SOMERVILLE_CITY_HALL[0], lon=SOMERVILLE_CITY_HALL[1], taken_at=dt.datetime(2024, 1, 2))
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><secret-xmp-marker/></x:xmpmeta>'
    raw = encode(make_image(), "JPEG", exif=exif.tobytes(), xmp=xmp)
    assert b"secret-xmp-marker" in raw and b"Exif\x00\x00" in raw  # the test input really carries both

    result = process(raw)

    assert result.latitude is not None  # read from the original...
    _assert_no_metadata(result.data)  # ...but not kept in the stored copy
    _assert_no_metadata(result.thumbnail)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_exif_is_stripped_too(fmt: str) -> None:
    exif = build_exif(lat=SYDNEY_OPERA_HOUSE[0], lon=SYDNEY_OPERA_HOUSE[1])
    raw = encode(make_image(width=300, height=200), fmt, exif=exif.tobytes())
    assert len(open_image(raw).getexif()) > 0

    result = process(raw)

    assert result.latitude == pytest.approx(SYDNEY_OPERA_HOUSE[0], abs=1e-5)
    _assert_no_metadata(result.data)


def test_icc_profile_is_kept_on_stored_copy_only() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    result = process(encode(make_image(), "JPEG", icc_profile=srgb))
    assert open_image(result.data).info.get("icc_profile") == srgb
    assert not open_image(result.thumbnail).info.get("icc_profile")


# --- geometry -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "orientation, marker_corner",
    [(None, "top_left"), (3, "bottom_right"), (6, "top_right"), (8, "bottom_left")],
)
def test_orientation_is_applied(orientation: int | None, marker_corner: str) -> None:
    result = process(make_jpeg(width=1200, height=800, orientation=orientation))
    img = open_image(result.data)
    expected_size = (800, 1200) if orientation in (6, 8) else (1200, 800)
    assert (result.width, result.height) == img.size == expected_size

    w, h = img.size
    corners = {"top_left": (5, 5), "top_right": (w - 6, 5), "bottom_left": (5, h - 6), "bottom_right": (w - 6, h - 6)}
    for name, xy in corners.items():
        assert close_to(img.getpixel(xy), MARKER_COLOR) == (name == marker_corner), name


def test_rotated_photo_is_capped_proportionally() -> None:
    result = process(make_jpeg(width=1200, height=800, orientation=6), max_long_side=600)
    assert (result.width, result.height) == (400, 600)
    assert open_image(result.data).size == (400, 600)


def test_large_photo_is_capped_on_long_side() -> None:
    # Big enough that the JPEG draft (reduced-scale decode) path is taken.
    result = process(make_jpeg(width=5000, height=2500), max_long_side=1000)
    assert open_image(result.data).size == (1000, 500)


def test_small_photo_is_not_enlarged() -> None:
    result = process(make_jpeg(width=300, height=200))
    assert (result.width, result.height) == (300, 200)


def test_thumbnail_is_a_small_upright_jpeg() -> None:
    result = process(make_jpeg(width=1200, height=800, orientation=6), thumb_size=320)
    thumb = open_image(result.thumbnail)
    assert thumb.format == "JPEG"
    assert thumb.width <= 320 and thumb.height <= 320
    assert thumb.height == 320 and thumb.width == pytest.approx(213, abs=1)  # portrait, like the stored copy
    assert close_to(thumb.getpixel((thumb.width - 3, 2)), MARKER_COLOR, tolerance=25)


# --- identity and formats -------------------------------------------------------------------------------


def test_sha256_and_size_describe_the_original_bytes() -> None:
    raw = make_jpeg(lat=SOMERVILLE_CITY_HALL[0], lon=SOMERVILLE_CITY_HALL[1])
    result = process(raw)
    assert result.sha256 == hashlib.sha256(raw).hexdigest()
    assert result.original_size == len(raw)
    assert result.sha256 != hashlib.sha256(result.data).hexdigest()


@pytest.mark.parametrize(
    "raw, pil_format, content_type, extension, original_format",
    [
        (make_jpeg(width=200, height=100), "JPEG", "image/jpeg", "jpg", "JPEG"),
        (make_png(200, 100), "PNG", "image/png", "png", "PNG"),
        (encode(make_image(width=200, height=100), "WEBP", quality=90), "WEBP", "image/webp", "webp", "WEBP"),
    ],
    ids=["jpeg", "png", "webp"],
)
def test_format_is_kept(raw: bytes, pil_format: str, content_type: str, extension: str, original_format: str) -> None:
    result = process(raw)
    assert open_image(result.data).format == pil_format
    assert (result.content_type, result.extension, result.original_format) == (content_type, extension, original_format)
    assert (result.width, result.height) == (200, 100)


def test_multi_picture_jpeg_is_treated_as_jpeg() -> None:
    first, second = make_image(width=400, height=300), make_image(width=400, height=300, color=(0, 200, 0))
    raw = encode(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(raw)).format == "MPO"
    result = process(raw)
    assert (result.original_format, result.content_type) == ("JPEG", "image/jpeg")
    assert close_to(open_image(result.data).getpixel((300, 200)), (200, 60, 40))


def test_png_alpha_is_kept_in_stored_copy_and_flattened_on_white_in_thumbnail() -> None:
    result = process(make_png(400, 300, mode="RGBA", color=(0, 0, 0, 0)))
    stored = open_image(result.data)
    assert stored.mode == "RGBA" and stored.getpixel((10, 10))[3] == 0
    thumb = open_image(result.thumbnail)
    assert thumb.mode == "RGB"
    assert close_to(thumb.getpixel((10, 10)), (255, 255, 255), tolerance=3)


def test_cmyk_jpeg_becomes_rgb() -> None:
    raw = encode(make_image(width=300, height=200, mode="CMYK", color=(0, 255, 255, 0)), "JPEG")
    result = process(raw)
    stored = open_image(result.data)
    assert stored.mode == "RGB"
    red, green, blue = stored.getpixel((250, 150))
    assert red > 200 and green < 60 and blue < 60


def test_sixteen_bit_greyscale_is_scaled_not_clipped_in_thumbnail() -> None:
    raw = encode(Image.new("I;16", (200, 100), 32768), "PNG")
    result = process(raw)
    assert open_image(result.data).format == "PNG"
    assert close_to(open_image(result.thumbnail).getpixel((10, 10)), (128, 128, 128), tolerance=4)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_animated_image_keeps_first_frame(fmt: str) -> None:
    red, green = Image.new("RGB", (120, 80), (220, 0, 0)), Image.new("RGB", (120, 80), (0, 220, 0))
    raw = encode(red, fmt, save_all=True, append_images=[green], duration=100, loop=0)
    assert getattr(Image.open(io.BytesIO(raw)), "n_frames", 1) == 2
    result = process(raw)
    assert close_to(open_image(result.data).getpixel((60, 40)), (220, 0, 0))


# --- rejections -----------------------------------------------------------------------------------------


def test_empty_upload_is_rejected() -> None:
    with pytest.raises(ImageRejected, match="empty"):
        process(b"")


def test_upload_over_size_limit_names_the_limit_in_mb() -> None:
    with pytest.raises(ImageRejected, match=r"The limit is 10 MB per photo\.") as excinfo:
        process_upload(b"\xff\xd8" + b"\x00" * (10 * MB), max_bytes=10 * MB)
    assert "too large" in str(excinfo.value)


def test_upload_exactly_at_size_limit_is_accepted() -> None:
    raw = make_jpeg(width=64, height=64)
    assert process_upload(raw, max_bytes=len(raw)).original_size == len(raw)


NOT_A_PHOTO = r"This file is not a photo we can read \(allowed: JPEG, PNG, WebP"
DAMAGED = "This photo is damaged or was only partly uploaded"
TOO_MANY_PIXELS = "This photo has too many pixels for us to process"


@pytest.mark.parametrize(
    "raw",
    [
        b"Work order 1234: pothole on Highland Ave, 3 ft wide.\n" * 20,  # a text file renamed photo.jpg
        encode(Image.new("RGB", (50, 50), (1, 2, 3)), "GIF"),
        encode(Image.new("RGB", (50, 50), (1, 2, 3)), "BMP"),
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 200,
    ],
    ids=["text", "gif", "bmp", "pdf"],
)
def test_non_photos_are_rejected(raw: bytes) -> None:
    with pytest.raises(ImageRejected, match=NOT_A_PHOTO):
        process(raw)


@pytest.mark.parametrize("raw", [make_jpeg(), make_png(400, 300)], ids=["jpeg", "png"])
def test_truncated_photo_is_rejected(raw: bytes) -> None:
    with pytest.raises(ImageRejected, match=DAMAGED):
        process(raw[: len(raw) // 2])


def test_decompression_bomb_is_rejected_before_decoding() -> None:
    bomb = png_declaring(20_000, 20_000)  # 400 MP declared in ~100 bytes
    assert len(bomb) < 200
    with pytest.raises(ImageRejected, match=TOO_MANY_PIXELS):
        process(bomb, max_pixels=1_000)


def test_pillows_own_bomb_warning_becomes_a_rejection() -> None:
    # 100 MP: above Pillow's warning threshold but below its hard error; warnings are errors in this suite.
    with pytest.raises(ImageRejected, match=TOO_MANY_PIXELS):
        process(png_declaring(10_000, 10_000), max_pixels=200_000_000)


def test_pixel_limit_is_checked_against_declared_size() -> None:
    with pytest.raises(ImageRejected, match=TOO_MANY_PIXELS + r" \(1200 x 800 = "):
        process(make_jpeg(width=1200, height=800), max_pixels=1200 * 800 - 1)
    assert process(make_jpeg(width=1200, height=800), max_pixels=1200 * 800).width == 1200


# --- HEIC -----------------------------------------------------------------------------------------------


@needs_heif_encoder
def test_heic_becomes_jpeg_with_location_and_orientation() -> None:
    raw = make_heic(make_image(width=600, height=400), lat=SOMERVILLE_CITY_HALL[0], lon=SOMERVILLE_CITY_HALL[1])
    result = process(raw)
    assert (result.content_type, result.extension, result.original_format) == ("image/jpeg", "jpg", "HEIF")
    stored = open_image(result.data)
    assert stored.format == "JPEG" and stored.size == (600, 400)
    assert result.latitude == pytest.approx(SOMERVILLE_CITY_HALL[0], abs=1e-5)
    assert result.longitude == pytest.approx(SOMERVILLE_CITY_HALL[1], abs=1e-5)
    _assert_no_metadata(result.data)
    assert open_image(result.thumbnail).format == "JPEG"


@needs_heif_encoder
def test_heic_orientation_is_applied() -> None:
    result = process(make_heic(make_image(width=600, height=400), orientation=6))
    img = open_image(result.data)
    assert img.size == (400, 600)
    assert close_to(img.getpixel((img.width - 6, 5)), MARKER_COLOR, tolerance=25)


@needs_heif_encoder
def test_heic_is_rejected_clearly_without_pillow_heif(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = make_heic(make_image(width=60, height=40))
    monkeypatch.setitem(sys.modules, "pillow_heif", None)  # makes `import pillow_heif` raise ImportError
    monkeypatch.setattr(imaging, "_heif_registered", None)

    assert "image/heic" not in allowed_content_types()
    with pytest.raises(ImageRejected, match=r"not a photo we can read \(allowed: JPEG, PNG, WebP\)\.$"):
        process(raw)


def test_allowed_content_types() -> None:
    types = allowed_content_types()
    assert types[:3] == ("image/jpeg", "image/png", "image/webp")
    heif_installed = importlib.util.find_spec("pillow_heif") is not None
    assert ("image/heic" in types) is heif_installed
