"""Server-side SVG charts of the dashboards (pygal; inline SVG, no JavaScript).

Each chart is drawn at a phone-friendly aspect ratio and scales with its
container (the SVG keeps its viewBox); the pages print the same numbers in a
table next to it, so nothing depends on reading the picture.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

RED, BLUE, GREEN = "#a4161a", "#0b4fb8", "#1a7f37"


def _style():
    from pygal.style import Style

    return Style(
        background="transparent", plot_background="#ffffff", foreground="#1f2328", foreground_strong="#1f2328",
        foreground_subtle="#57606a", colors=(RED, BLUE, GREEN, "#8a4b00"), font_family="system-ui, sans-serif",
        label_font_size=16, major_label_font_size=16, legend_font_size=17, title_font_size=18, value_font_size=15,
    )


def _clean(svg: str) -> str:
    # pygal adds a config <script> for its optional tooltips: the chart is plain SVG.
    svg = re.sub(r"<script.*?</script>", "", svg, flags=re.S)
    # Let CSS size it: drop the fixed width/height, keep the viewBox.
    return re.sub(r'(<svg[^>]*?) width="[\d.]+" height="[\d.]+"', r"\1", svg, count=1)


def _ticks(values) -> list[int]:
    """Whole-number ticks (counts): pygal would label 0.2, 0.4 … as 0, 0, 1."""
    top = max([int(v) for v in values] + [1])
    step = max(1, -(-top // 5))
    magnitude = 10 ** (len(str(step)) - 1)
    step = -(-step // magnitude) * magnitude
    return list(range(0, top + step, step))


def _label_margin(labels) -> int:
    # pygal sizes the label column for Latin text; CJK glyphs are about one em wide.
    return 16 * max((len(label) for label in labels), default=2) + 8


def trend_svg(points, *, title: str) -> str:
    """Received and completed appeals per bucket (line), from selectors.stats.trend."""
    import pygal

    chart = pygal.Line(
        style=_style(), width=640, height=380, show_dots=True, dots_size=3, x_label_rotation=0, js=[],
        disable_xml_declaration=True, legend_at_bottom=True, legend_at_bottom_columns=2, truncate_label=-1,
        show_minor_x_labels=False, x_labels_major_every=max(1, len(points) // 6), value_formatter=lambda n: f"{n:,.0f}",
        margin=12,
    )
    chart.title = title
    chart.x_labels = [p.label for p in points]
    chart.y_labels = _ticks([p.figures.received for p in points] + [p.figures.completed for p in points])
    chart.add(_("受理量"), [p.figures.received for p in points])
    chart.add(_("办结量"), [p.figures.completed for p in points])
    return _clean(chart.render(is_unicode=True))


def bars_svg(rows, *, title: str, limit: int = 10) -> str:
    """Received appeals of the largest rows of a breakdown (horizontal bars)."""
    import pygal

    rows = rows[:limit]
    rows = list(reversed(rows))
    labels = [str(r.key or _("未分类")) for r in rows]
    chart = pygal.HorizontalBar(
        style=_style(), width=640, height=110 + 40 * max(len(rows), 1), show_legend=False, js=[],
        disable_xml_declaration=True, print_values=True, truncate_label=-1, value_formatter=lambda n: f"{n:,.0f}",
        margin=12, margin_left=_label_margin(labels), show_y_labels=True,
    )
    chart.title = title
    chart.x_labels = labels
    chart.y_labels = _ticks([r.figures.received for r in rows])
    chart.add(_("受理量"), [r.figures.received for r in rows])
    return _clean(chart.render(is_unicode=True))


def weekly_svg(weeks, *, title: str) -> str:
    """Appeals per week of a cluster (bars)."""
    import pygal

    chart = pygal.Bar(
        style=_style(), width=640, height=320, show_legend=False, js=[], disable_xml_declaration=True,
        truncate_label=-1, x_label_rotation=0, value_formatter=lambda n: f"{n:,.0f}", margin=12,
        show_minor_x_labels=False, x_labels_major_every=max(1, len(weeks) // 6),
    )
    chart.title = title
    chart.x_labels = [f"{w.month}/{w.day}" for w, _n in weeks]
    chart.y_labels = _ticks([n for _w, n in weeks])
    chart.add(_("诉求数"), [n for _w, n in weeks])
    return _clean(chart.render(is_unicode=True))
