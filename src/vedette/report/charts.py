"""Small SVG charts, written here so a report embeds them inline and needs nothing from
the network (and nothing more to install) to draw them."""

from __future__ import annotations

from html import escape

WIDTH, HEIGHT = 640, 180
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 12, 34
PALETTE = ("#c0392b", "#2e86c1", "#7d3c98", "#28b463")


def _nice_max(value: int) -> int:
    """A round axis maximum at or above `value`."""
    if value <= 5:
        return 5
    step = 10 ** (len(str(value)) - 1)
    return ((value + step - 1) // step) * step


def daily_bars(title: str, days: list[str], series: dict[str, list[int]]) -> str:
    """Side-by-side bars per day, one colour per series, with an axis and a legend."""
    peak = _nice_max(max((v for values in series.values() for v in values), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(days), 1)
    bar = max(slot * 0.8 / max(len(series), 1), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} '
             f'{HEIGHT}" width="{WIDTH}" height="{HEIGHT}" class="chart">',
             f"<title>{escape(title)}</title>"]
    for fraction in (0, 0.5, 1):
        y = TOP + plot_h * (1 - fraction)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                     'stroke="#ddd" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" font-size="10" '
                     f'text-anchor="end">{int(peak * fraction)}</text>')
    for index, (name, values) in enumerate(series.items()):
        colour = PALETTE[index % len(PALETTE)]
        for day_index, value in enumerate(values):
            height = plot_h * value / peak
            x = LEFT + day_index * slot + slot * 0.1 + index * bar
            parts.append(f'<rect x="{x:.1f}" y="{TOP + plot_h - height:.1f}" width="{bar:.1f}" '
                         f'height="{height:.1f}" fill="{colour}"><title>{escape(days[day_index])}'
                         f" {escape(name)}: {value}</title></rect>")
        parts.append(f'<rect x="{LEFT + index * 110}" y="{HEIGHT - 12}" width="10" height="10" '
                     f'fill="{colour}"/><text x="{LEFT + index * 110 + 14}" y="{HEIGHT - 3}" '
                     f'font-size="10">{escape(name)}</text>')
    for day_index in range(0, len(days), 7):
        x = LEFT + day_index * slot + slot / 2
        parts.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 12}" font-size="9" '
                     f'text-anchor="middle">{escape(days[day_index][5:])}</text>')
    parts.append("</svg>")
    return "".join(parts)
