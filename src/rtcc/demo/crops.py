"""Simulated plate crops for the demo: the simulated cameras send a ``crop_ref`` that points here, and this renders a
deterministic SVG "camera crop" of the plate the vehicle really carries.

A crop is named by a short opaque token that encodes ``<STATE>:<PLATE>``: a known US state code (the 50 states and
DC) and a plate of 1-8 characters ``[A-Z0-9]``, base64url-encoded, then ``.`` and a 6-hex check tag (a fixed-key
digest: it makes every token validated, not secret). Anything else is 404 problem+json, so the route renders only
plate-like text. The token is opaque so that the crop's URL (which the alert queue prints under the image) does not
spell out the plate: for a misread it holds the *true* plate while the read's OCR text differs, and the analyst is
meant to see that in the picture before rejecting the misread.

The picture is a California-style plate (white plate, dark-blue characters, the state name in red script) on a dark
bumper, slightly rotated and skewed, with sensor grain, a little blur, a few specks of dirt and a glare band, all drawn
from a seed derived from the token (the same token always gives the same bytes). A corner badge says SIMULATED.
The SVG has no script, no external reference and no embedded image; every text is XML-escaped, and the response
carries its own restrictive Content-Security-Policy in case someone opens it directly.

The route needs the permission that reading alerts needs (``alerts:read_verified``): the crop is shown beside the
hotlist record in the alert queue.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import random
import re
from typing import Annotated
from xml.sax.saxutils import escape, quoteattr

from fastapi import APIRouter, Response

from rtcc.core.errors import NotFound
from rtcc.identity.deps import require
from rtcc.identity.logic import Perm, Principal

#: Where the crops are served; a crop's reference is ``CROPS_PATH/<token>``.
CROPS_PATH = "/api/v1/demo/crops"
#: Longest plate a crop renders.
MAX_CROP_PLATE_LEN = 8
#: US state codes (and DC) a crop may name, with the name printed on the plate.
STATE_NAMES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas",
    "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington", "WV": "West Virginia",
    "WI": "Wisconsin", "WY": "Wyoming",
}  # fmt: skip

_PLATE = re.compile(rf"[A-Z0-9]{{1,{MAX_CROP_PLATE_LEN}}}")
_PAYLOAD = re.compile(rf"(?P<state>[A-Z]{{2}}):(?P<plate>[A-Z0-9]{{1,{MAX_CROP_PLATE_LEN}}})")
_TOKEN = re.compile(r"(?P<data>[A-Za-z0-9_-]{4,16})\.(?P<tag>[0-9a-f]{6})")
_TAG_KEY = b"openrtcc-demo-crop-v1:"

#: Headers of a crop: an image that runs nothing and loads nothing, cacheable by the signed-in browser only.
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, max-age=86400",
}

W, H = 360, 180  # the crop's size in px (a 2:1 plate with a margin of bumper)
_PLATE_W, _PLATE_H = 288, 144
_BLUE = "#1b2a6b"  # plate characters
_RED = "#c8102e"  # the state name


def _tag(payload: bytes) -> str:
    return hashlib.sha256(_TAG_KEY + payload).hexdigest()[:6]


def crop_token(plate: str, region: str) -> str:
    """The token of the crop of ``plate`` in ``region``; raises ``ValueError`` when either is not renderable."""
    if region not in STATE_NAMES:
        raise ValueError(f"unknown state code {region!r}")
    if not _PLATE.fullmatch(plate):
        raise ValueError(f"plate {plate!r} is not 1-{MAX_CROP_PLATE_LEN} characters A-Z, 0-9")
    payload = f"{region}:{plate}".encode("ascii")
    return f"{base64.urlsafe_b64encode(payload).rstrip(b'=').decode('ascii')}.{_tag(payload)}"


def crop_ref(plate: str, region: str) -> str | None:
    """The relative URL of the crop of ``plate`` in ``region``, or None when it cannot be rendered."""
    try:
        return f"{CROPS_PATH}/{crop_token(plate, region)}"
    except ValueError:
        return None


def parse_token(token: str) -> tuple[str, str]:
    """(plate, state) of a crop token; raises ``ValueError`` for anything that is not a valid token."""
    m = _TOKEN.fullmatch(token)
    if m is None:
        raise ValueError("not a crop token")
    data = m["data"]
    try:
        payload = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not a crop token") from None
    p = _PAYLOAD.fullmatch(payload.decode("latin-1"))
    if p is None or p["state"] not in STATE_NAMES or m["tag"] != _tag(payload):
        raise ValueError("not a crop token")
    if crop_token(p["plate"], p["state"]) != token:  # one canonical spelling per crop
        raise ValueError("not a crop token")
    return p["plate"], p["state"]


def _seed(token: str) -> int:
    return int.from_bytes(hashlib.sha256(token.encode("ascii")).digest()[:8], "big")


def render_svg(plate: str, state: str) -> str:
    """The SVG crop of ``plate`` (validated) in ``state``: deterministic for a given pair."""
    token = crop_token(plate, state)
    rng = random.Random(_seed(token))
    angle = rng.uniform(-4.0, 4.0)
    skew = rng.uniform(-7.0, 7.0)
    dx, dy = rng.uniform(-8.0, 8.0), rng.uniform(-6.0, 6.0)
    blur = rng.uniform(0.45, 0.9)
    grain_seed = rng.randrange(1, 10_000)
    shade = rng.randrange(28, 62)
    bumper = f"#{shade:02x}{shade:02x}{shade + 6:02x}"
    glare_x = rng.uniform(40.0, 260.0)
    glare_o = rng.uniform(0.10, 0.25)
    # Plate text fits the plate: condensed glyphs, squeezed further for long plates.
    text_len = min(248.0, 36.0 * len(plate))
    specks = "".join(
        f'<circle cx="{rng.uniform(-140, 140):.1f}" cy="{rng.uniform(-68, 68):.1f}" r="{rng.uniform(0.6, 2.2):.1f}" '
        f'fill="#5a5040" opacity="{rng.uniform(0.25, 0.6):.2f}"/>'
        for _ in range(rng.randrange(6, 14))
    )
    name = STATE_NAMES[state]
    label = f"Simulated camera crop of plate {plate} ({name})"
    name_size = 34 if len(name) <= 11 else max(18, int(34 * 11 / len(name)))
    cx, cy = W / 2 + dx, H / 2 + dy
    pw, ph = _PLATE_W, _PLATE_H
    footer = (
        f'<text x="0" y="{ph / 2 - 10}" text-anchor="middle" fill="{_BLUE}" font-size="12" '
        'font-family="Arial,sans-serif" letter-spacing="1">dmv.ca.gov</text>'
        if state == "CA"
        else ""
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" role="img" '
        f"aria-label={quoteattr(label)}>"
        f"<title>{escape(label)}</title>"
        "<defs>"
        f'<linearGradient id="bumper" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="{bumper}"/>'
        '<stop offset="1" stop-color="#15161a"/></linearGradient>'
        '<linearGradient id="glare" x1="0" y1="0" x2="1" y2="0"><stop offset="0" stop-color="#fff" stop-opacity="0"/>'
        f'<stop offset="0.5" stop-color="#fff" stop-opacity="{glare_o:.2f}"/>'
        '<stop offset="1" stop-color="#fff" stop-opacity="0"/></linearGradient>'
        f'<filter id="soft"><feGaussianBlur stdDeviation="{blur:.2f}"/></filter>'
        '<filter id="grain" x="0" y="0" width="100%" height="100%">'
        f'<feTurbulence type="fractalNoise" baseFrequency="0.85" numOctaves="2" seed="{grain_seed}"/>'
        '<feColorMatrix type="saturate" values="0"/></filter>'
        "</defs>"
        f'<rect width="{W}" height="{H}" fill="url(#bumper)"/>'
        f'<g filter="url(#soft)" transform="translate({cx:.1f} {cy:.1f}) rotate({angle:.2f}) skewX({skew:.2f})">'
        f'<rect x="{-pw / 2 - 5}" y="{-ph / 2 - 5}" width="{pw + 10}" height="{ph + 10}" rx="12" fill="#0d0d0f"/>'
        f'<rect x="{-pw / 2}" y="{-ph / 2}" width="{pw}" height="{ph}" rx="9" fill="#f4f4ee" stroke="#9a9a94" '
        'stroke-width="2"/>'
        f'<ellipse cx="-88" cy="{-ph / 2 + 14}" rx="6" ry="4" fill="#6b6b66"/>'
        f'<ellipse cx="88" cy="{-ph / 2 + 14}" rx="6" ry="4" fill="#6b6b66"/>'
        f'<text x="0" y="{-ph / 2 + 40}" text-anchor="middle" fill="{_RED}" font-size="{name_size}" '
        "font-family=\"'Brush Script MT','URW Chancery L','Z003','Comic Sans MS',cursive\" font-style=\"italic\">"
        f"{escape(name)}</text>"
        f'<text x="0" y="{ph / 2 - 30}" text-anchor="middle" fill="{_BLUE}" font-size="76" font-weight="bold" '
        "font-family=\"'Arial Narrow','Liberation Sans Narrow','DejaVu Sans Condensed','Nimbus Sans Narrow',"
        f'Arial,sans-serif" textLength="{text_len:.0f}" lengthAdjust="spacingAndGlyphs">{escape(plate)}</text>'
        f"{footer}"
        f"{specks}"
        f'<rect x="{glare_x - pw / 2 - 60:.1f}" y="{-ph / 2}" width="120" height="{ph}" fill="url(#glare)" '
        'transform="skewX(-20)"/>'
        "</g>"
        f'<rect width="{W}" height="{H}" filter="url(#grain)" opacity="0.22"/>'
        '<rect x="0" y="0" width="86" height="18" fill="#000" opacity="0.75"/>'
        '<text x="6" y="13" fill="#fff" font-size="11" font-family="Arial,sans-serif" font-weight="bold" '
        'letter-spacing="1">SIMULATED</text>'
        "</svg>"
    )


router = APIRouter(prefix=CROPS_PATH, tags=["demo"])


@router.get(
    "/{token}",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "The simulated plate crop (SVG)."}},
)
def get_crop(token: str, _p: Annotated[Principal, require(Perm.alerts_read_verified)]) -> Response:
    """A simulated camera's plate crop (demo); ``token`` encodes the state and plate (see ``crop_token``)."""
    try:
        plate, state = parse_token(token)
    except ValueError:
        raise NotFound(
            "no such simulated crop (the token encodes a US state code and a plate of up to "
            f"{MAX_CROP_PLATE_LEN} characters A-Z 0-9)"
        ) from None
    return Response(render_svg(plate, state), media_type="image/svg+xml", headers=_HEADERS)
