"""What every server-side chart of the portal shares (pygal; inline SVG, no
JavaScript): the palette and type, the size it is drawn at, and the clean-up
of pygal's output.

Charts are drawn at a phone's width (WIDTH units) and scale with their
container (the SVG keeps its viewBox, CSS caps how wide it grows), so their
text reads at about its set size on a phone. Each page prints the same
numbers in a table next to its chart: nothing depends on reading the picture.
"""

from __future__ import annotations

import html
import re

RED, BLUE, GREEN, BROWN = "#a4161a", "#0b4fb8", "#1a7f37", "#8a4b00"
# Drawn about as wide as a phone shows it (a 390 px screen gives a chart
# 320-350 px), and lettered so that its smallest text still reads at 14 px
# or more there (it was 420 units with 12-13 px letters: 10-11 px on a phone).
WIDTH = 360
LABEL_FONT_SIZE = 17


def style():
    from pygal.style import Style

    return Style(
        background="transparent", plot_background="#ffffff", foreground="#1f2328", foreground_strong="#1f2328",
        foreground_subtle="#57606a", colors=(RED, BLUE, GREEN, BROWN), font_family="system-ui, sans-serif",
        label_font_size=LABEL_FONT_SIZE, major_label_font_size=LABEL_FONT_SIZE, legend_font_size=LABEL_FONT_SIZE,
        title_font_size=18, value_font_size=16, value_label_font_size=16, tooltip_font_size=16,
    )


def clean(svg: str) -> str:
    # pygal adds a config <script> for its optional tooltips: the chart is plain SVG.
    svg = re.sub(r"<script.*?</script>", "", svg, flags=re.S)
    # Its inline <style> and style attributes would need 'unsafe-inline' in the
    # Content-Security-Policy: the same rules come from static/portal/css/charts.css.
    svg = re.sub(r"<style.*?</style>", "", svg, flags=re.S)
    svg = re.sub(r'\s+style="[^"]*"', "", svg)
    # Let CSS size it: drop the fixed width/height, keep the viewBox.
    return re.sub(r'(<svg[^>]*?) width="[\d.]+" height="[\d.]+"', r"\1", svg, count=1)


def count_ticks(values) -> list[int]:
    """Whole-number ticks (counts): pygal would label 0.2, 0.4 … as 0, 0, 1."""
    top = max([int(v) for v in values] + [1])
    step = max(1, -(-top // 5))
    magnitude = 10 ** (len(str(step)) - 1)
    step = -(-step // magnitude) * magnitude
    return list(range(0, top + step, step))


STYLESHEET = "portal/css/charts.css"


def stylesheet() -> str:
    """The CSS pygal would inline into each chart (the same for every chart
    drawn with ``style()``), for all charts at once: static/portal/css/charts.css
    is this text (tests/portal/test_security_headers.py keeps them equal)."""
    import pygal

    chart = pygal.Line(style=style(), js=[], disable_xml_declaration=True)
    chart.add("", [1])
    svg = chart.render(is_unicode=True)
    chart_id = re.search(r'id="(chart-[0-9a-f-]+)"', svg).group(1)
    css = "".join(re.findall(r"<style[^>]*>(.*?)</style>", svg, flags=re.S)).replace(f"#{chart_id}", ".pygal-chart")
    # The SVG escapes its style sheet as XML text: ".graph &gt; .background" in
    # a .css file is no selector, and the chart's backgrounds went black.
    css = html.unescape(css)
    # The tooltip group's own style attribute (tooltips are off: no JavaScript).
    return css.strip() + "\n.pygal-chart .tooltip{opacity:0}\n"
