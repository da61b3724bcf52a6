"""Upload checks for case photos: real images of an accepted type and size."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

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
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise ValidationError({field: _("%(name)s 不是有效的图片") % {"name": name}}) from None
        finally:
            upload.seek(0)
        if image_format not in ACCEPTED_FORMATS:
            raise ValidationError({field: _("%(name)s 格式不支持，请上传 JPEG、PNG 或 WebP") % {"name": name}})
    return files
