"""The QR code of a link: a PNG whose modules are the link's code, with its quiet zone."""

from __future__ import annotations

import io

import segno
from PIL import Image as PILImage

from bot.render.qr import BORDER, SCALE, qr_image, qr_png

LINK = "https://t.me/SoireeBot?start=D02A"


def test_the_png_draws_the_links_code_module_by_module() -> None:
    png = qr_png(LINK)
    picture = PILImage.open(io.BytesIO(png)).convert("L")
    matrix = segno.make(LINK, error="m", micro=False).matrix
    side = (len(matrix) + 2 * BORDER) * SCALE
    assert picture.size == (side, side)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            centre = ((x + BORDER) * SCALE + SCALE // 2, (y + BORDER) * SCALE + SCALE // 2)
            assert (picture.getpixel(centre) < 128) == bool(dark), (x, y)
    assert picture.getpixel((1, 1)) > 128  # the quiet zone is light


def test_the_same_link_gives_the_same_picture() -> None:
    first, second = qr_image(LINK, "QR"), qr_image(LINK, "QR")
    assert first.key == second.key
    assert first.data == second.data
    assert qr_image(LINK + "x", "QR").key != first.key
