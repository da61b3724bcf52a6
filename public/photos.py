"""Photos shown to the public go out re-encoded by Pillow: whatever metadata the stored
file carries (EXIF with the GPS position, the camera, the owner) stays on the server."""

import io

from PIL import Image, ImageOps, UnidentifiedImageError

# Bigger than any phone screen; keeps the page light on a mobile connection.
PUBLIC_PHOTO_MAX_PIXELS = (1600, 1600)


def public_copy(file) -> tuple[bytes, str] | None:
    """(JPEG bytes without metadata, content type), or None if the file is no image."""
    try:
        with Image.open(file) as image:
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail(PUBLIC_PHOTO_MAX_PIXELS)
            if upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            buffer = io.BytesIO()
            # No exif= argument: Pillow writes none unless asked.
            upright.save(buffer, format="JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return buffer.getvalue(), "image/jpeg"
