"""QR codes for resident links (posters, invitations, join links): a plain function any screen may call."""

from __future__ import annotations

import io

import segno


def qr_svg(url: str) -> str:
    """A QR code of `url` as SVG, with medium error correction so a slightly worn poster still scans."""
    out = io.BytesIO()
    segno.make(url, error="m").save(
        out, kind="svg", scale=6, border=4, light="white", omitsize=True, xmldecl=False, title=url
    )
    return out.getvalue().decode()
