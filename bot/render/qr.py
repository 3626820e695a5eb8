"""A link drawn as a QR code, a PNG to print or post (segno: pure Python, no Pillow). Pure."""

from __future__ import annotations

import io

import segno

from bot.render.message import Image

SCALE = 10  # pixels per module: a version-3 code is about 330 px, sharp when printed
BORDER = 4  # the quiet zone the QR standard asks for, in modules


def qr_png(text: str) -> bytes:
    """Return `text` as a QR code in PNG, error correction M (15 % of it may be smudged)."""
    code = segno.make(text, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="png", scale=SCALE, border=BORDER)
    return out.getvalue()


def qr_image(text: str, alt: str) -> Image:
    """Return `text` as a QR code picture to send with a message."""
    return Image.of(qr_png(text), alt)
