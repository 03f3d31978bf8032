"""Server-side SVG charts of the appeals dashboards and cluster pages
(the shared look and size: portal.charts)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal.charts import LABEL_FONT_SIZE, WIDTH, clean, count_ticks, style


def _label_margin(labels) -> int:
    # pygal sizes the label column for Latin text; CJK glyphs are about one em wide.
    return LABEL_FONT_SIZE * max((len(label) for label in labels), default=2) + 8


def trend_svg(points, *, title: str) -> str:
    """Received and completed appeals per bucket (line), from selectors.stats.trend."""
    import pygal

    chart = pygal.Line(
        style=style(), width=WIDTH, height=300, show_dots=True, dots_size=3, x_label_rotation=0, js=[],
        disable_xml_declaration=True, legend_at_bottom=True, legend_at_bottom_columns=2, truncate_label=-1,
        show_minor_x_labels=False, x_labels_major_every=max(1, len(points) // 6), value_formatter=lambda n: f"{n:,.0f}",
        margin=12,
    )
    chart.title = title
    chart.x_labels = [p.label for p in points]
    chart.y_labels = count_ticks([p.figures.received for p in points] + [p.figures.completed for p in points])
    chart.add(_("受理量"), [p.figures.received for p in points])
    chart.add(_("办结量"), [p.figures.completed for p in points])
    return clean(chart.render(is_unicode=True))


def bars_svg(rows, *, title: str, limit: int = 10) -> str:
    """Received appeals of the largest rows of a breakdown (horizontal bars)."""
    import pygal

    rows = rows[:limit]
    rows = list(reversed(rows))
    labels = [str(r.key or _("未分类")) for r in rows]
    chart = pygal.HorizontalBar(
        style=style(), width=WIDTH, height=90 + 30 * max(len(rows), 1), show_legend=False, js=[],
        disable_xml_declaration=True, print_values=True, truncate_label=-1, value_formatter=lambda n: f"{n:,.0f}",
        margin=12, margin_left=_label_margin(labels), show_y_labels=True,
    )
    chart.title = title
    chart.x_labels = labels
    chart.y_labels = count_ticks([r.figures.received for r in rows])
    chart.add(_("受理量"), [r.figures.received for r in rows])
    return clean(chart.render(is_unicode=True))


def weekly_svg(weeks, *, title: str) -> str:
    """Appeals per week of a cluster (bars)."""
    import pygal

    chart = pygal.Bar(
        style=style(), width=WIDTH, height=260, show_legend=False, js=[], disable_xml_declaration=True,
        truncate_label=-1, x_label_rotation=0, value_formatter=lambda n: f"{n:,.0f}", margin=12,
        show_minor_x_labels=False, x_labels_major_every=max(1, len(weeks) // 6),
    )
    chart.title = title
    chart.x_labels = [f"{w.month}/{w.day}" for w, _n in weeks]
    chart.y_labels = count_ticks([n for _w, n in weeks])
    chart.add(_("诉求数"), [n for _w, n in weeks])
    return clean(chart.render(is_unicode=True))
