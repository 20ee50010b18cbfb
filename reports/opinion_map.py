"""The opinion map as SVG, rendered on the server: it needs no JavaScript, scales, and prints.

Participants are dots placed by the opinion-group projection; each group gets a colour, a
shape-distinct outline (its convex hull) and a letter at its centre. The SVG carries a title
and a description; the page next to it lists the same groups in text and tables."""

from xml.sax.saxutils import escape

SIZE = 420
PAD = 24
# Okabe-Ito colours: told apart with the common colour-vision deficiencies, dark enough on white
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#7A5C00"]
DASHES = ["", "6 3", "2 3", "8 3 2 3", "1 2"]


def group_letter(index: int) -> str:
    return "ABCDEFGHIJ"[index] if 0 <= index < 10 else str(index + 1)


def _scale(points):
    low, high = points.min(axis=0), points.max(axis=0)
    span = high - low
    span[span <= 0] = 1.0
    unit = (points - low) / span
    scaled = PAD + unit * (SIZE - 2 * PAD)
    scaled[:, 1] = SIZE - scaled[:, 1]  # y grows upwards on the map
    return scaled


def render(result: dict, *, title: str, description: str) -> str:
    """SVG markup for a stored groups result (reports.analysis); empty when nothing is grouped."""
    import numpy as np  # here, not at import time: web workers load numpy and scipy only to draw a map
    from scipy.spatial import ConvexHull, QhullError

    rows = result.get("points") or []
    if not rows:
        return ""
    coords = _scale(np.array([[row[1], row[2]] for row in rows], dtype=float))
    groups = np.array([row[3] for row in rows], dtype=int)
    parts = [f'<svg class="opinion-map" viewBox="0 0 {SIZE} {SIZE}" role="img" aria-labelledby="map-title map-desc" '
             f'xmlns="http://www.w3.org/2000/svg">',
             f'<title id="map-title">{escape(title)}</title><desc id="map-desc">{escape(description)}</desc>',
             f'<rect x="0" y="0" width="{SIZE}" height="{SIZE}" fill="#ffffff" stroke="#c9d1db"></rect>']
    for index in sorted(set(groups.tolist())):
        members = coords[groups == index]
        colour, dash = COLOURS[index % len(COLOURS)], DASHES[index % len(DASHES)]
        if len(members) >= 3:
            try:
                hull = members[ConvexHull(members).vertices]
                outline = " ".join(f"{x:.1f},{y:.1f}" for x, y in hull)
                dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
                parts.append(f'<polygon points="{outline}" fill="{colour}" fill-opacity="0.08" stroke="{colour}" '
                             f'stroke-width="1.5"{dash_attr}></polygon>')
            except QhullError:  # all on a line: no outline, the dots still show
                pass
        dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2"></circle>' for x, y in members)
        parts.append(f'<g fill="{colour}" fill-opacity="0.75">{dots}</g>')
        cx, cy = members.mean(axis=0)
        parts.append(f'<text x="{cx:.1f}" y="{cy:.1f}" text-anchor="middle" dominant-baseline="middle" '
                     f'font-size="22" font-weight="700" fill="#1b1f24" stroke="#ffffff" stroke-width="4" '
                     f'paint-order="stroke">{group_letter(index)}</text>')
    parts.append("</svg>")
    return "".join(parts)
