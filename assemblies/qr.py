"""QR codes of short links (PNG and SVG, with segno), for printed letters and posters."""

from __future__ import annotations

import io

import segno

#: Pixels (PNG) or user units (SVG) per QR module, and the quiet zone in modules.
QR_SCALE = 10
QR_BORDER = 4


def qr_image(*, text: str, kind: str) -> bytes:
    """A QR code of ``text`` (error correction level M) as image bytes.

    Args:
        text: what the code holds, e.g. an absolute URL.
        kind: ``"png"`` or ``"svg"``.

    Returns:
        The PNG or SVG file content; a module is :data:`QR_SCALE` pixels wide, with a quiet
        zone of :data:`QR_BORDER` modules.

    Raises:
        ValueError: another ``kind``.
    """
    if kind not in ("png", "svg"):
        raise ValueError(f"QR kind must be png or svg, not {kind!r}")
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(
        buffer, kind=kind, scale=QR_SCALE, border=QR_BORDER
    )
    return buffer.getvalue()
