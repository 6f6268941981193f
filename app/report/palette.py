"""One fixed, colour-blind-safe colour per category of a dimension: a category looks the same in every chart.

The colours are the Okabe–Ito set followed by Paul Tol's "muted" set (both chosen to stay apart for the common
colour-vision deficiencies), minus near-duplicates; tests/report/test_chart_colours.py checks that any two are
at least ΔE 18 apart in CIELAB. A category's colour follows its place in the reference order (sort_order),
so it does not depend on which categories have cases in the period. "Not recorded" is a grey outside the set.
"""

from __future__ import annotations

PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#332288",  # indigo
    "#117733",  # green
    "#882255",  # wine
    "#999933",  # olive
    "#44AA99",  # teal
    "#AA4499",  # purple
    "#DDCC77",  # sand
    "#661100",  # brown
    "#000000",  # black
)
NOT_RECORDED_COLOR = "#BBBBBB"


def colour_at(index: int) -> str:
    """The colour of the index-th category of a dimension (repeats only past len(PALETTE) categories)."""
    return PALETTE[index % len(PALETTE)]
