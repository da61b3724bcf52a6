"""Upload checks for case photos: real images of an accepted type and size; and a
metadata-free copy of a photo with the GPS position it carried."""

import io
import math
from uuid import uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}


def validate_photos(files, field="photos"):
    files = list(files or [])
    if len(files) > settings.CASE_MAX_PHOTOS:
        raise ValidationError({field: _("最多上传 %(n)d 张照片") % {"n": settings.CASE_MAX_PHOTOS}})
    for upload in files:
        name = getattr(upload, "name", "") or _("照片")
        if upload.size > settings.CASE_PHOTO_MAX_BYTES:
            raise ValidationError(
                {
                    field: _("%(name)s 超过 %(mb)d MB")
                    % {"name": name, "mb": settings.CASE_PHOTO_MAX_BYTES // (1024 * 1024)}
                }
            )
        try:
            upload.seek(0)
            with Image.open(upload) as image:
                image_format = image.format
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            raise ValidationError({field: _("%(name)s 不是有效的图片") % {"name": name}}) from None
        finally:
            upload.seek(0)
        if image_format not in ACCEPTED_FORMATS:
            raise ValidationError({field: _("%(name)s 格式不支持，请上传 JPEG、PNG 或 WebP") % {"name": name}})
    return files


_EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
_CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def without_metadata(upload):
    """A copy of an uploaded photo without its metadata (EXIF: GPS position, camera,
    owner), under a random file name, and the position it was taken at as (lon, lat) or
    None. The picture is turned upright first, since its orientation tag goes too.

    Anything validate_photos would reject comes back unchanged, for it to say why."""
    try:
        if upload.size > settings.CASE_PHOTO_MAX_BYTES:
            return upload, None
        upload.seek(0)
        with Image.open(upload) as image:
            image_format = image.format
            if image_format not in _EXTENSIONS:
                return upload, None
            position = _gps_position(image.getexif())
            upright = ImageOps.exif_transpose(image)
            if image_format == "JPEG" and upright.mode not in ("RGB", "L", "CMYK"):
                upright = upright.convert("RGB")
            buffer = io.BytesIO()
            upright.save(buffer, format=image_format, **({"quality": 90} if image_format == "JPEG" else {}))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return upload, None
    finally:
        upload.seek(0)
    # The sender's file name can say more than the picture (a name, an address): not kept.
    name = f"{uuid4().hex}{_EXTENSIONS[image_format]}"
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=_CONTENT_TYPES[image_format]), position


def _gps_position(exif):
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    try:
        lat = _degrees(gps[ExifTags.GPS.GPSLatitude], gps.get(ExifTags.GPS.GPSLatitudeRef), "S")
        lon = _degrees(gps[ExifTags.GPS.GPSLongitude], gps.get(ExifTags.GPS.GPSLongitudeRef), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return lon, lat


def _degrees(dms, ref, negative_ref):
    degrees, minutes, seconds = (float(part) for part in dms)
    value = degrees + minutes / 60 + seconds / 3600
    if isinstance(ref, bytes):
        ref = ref.decode(errors="replace")
    return -value if (ref or "").strip().upper() == negative_ref else value
