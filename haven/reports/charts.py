"""The report's charts, drawn once with matplotlib and exported two ways: as SVG for the page and as
vector drawing for the PDF.

- For the page, matplotlib's SVG is rewritten so that the strict Content-Security-Policy (`style-src
  'self'`) has nothing to block: every `style="…"` attribute becomes SVG presentation attributes (fill=,
  stroke= …), the `<style>` element goes, ids get a per-chart prefix (several charts share one page), and
  the chart gets `role="img"` with a `<title>` and a `<desc>` as its text alternative.
- For the PDF, a small matplotlib renderer draws the same figure's paths and text onto a reportlab canvas
  (in the PDFs' font, DejaVu Sans — the font matplotlib lays its text out with), so the charts stay vectors.

Only matplotlib's object API is used (no pyplot, no global figure state), with the Agg backend.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib as mpl

mpl.use("Agg")

from matplotlib.backend_bases import GraphicsContextBase, RendererBase
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.path import Path as MplPath
from reportlab.pdfbase.pdfmetrics import getAscentDescent, stringWidth

from haven.core.printing import SANS, SANS_BOLD
from haven.reports.figures import Scope
from haven.reports.layout import Block, label, show

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

    from haven.reports.services import Report

mpl.rcParams.update(
    {
        "svg.fonttype": "none",  # text stays text: selectable, read by screen readers, no embedded font
        "svg.hashsalt": "haven-after-action",  # stable ids, so the same report gives the same SVG
        "text.parse_math": False,  # a reason such as "$200 debt" is text, not mathematics
        "text.usetex": False,
        "font.family": "DejaVu Sans",  # matplotlib's own font, for measuring only: no system font is read
        "font.size": 9,
        "axes.edgecolor": "#57606a",
        "axes.labelcolor": "#1b1f24",
        "xtick.color": "#1b1f24",
        "ytick.color": "#1b1f24",
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)

INK = "#1b1f24"
MUTED = "#57606a"
BRAND = "#1f4e79"
SECOND = "#b35900"
LIMIT = "#b42318"
# the font the labels were measured with, then fonts as wide or narrower: a label never outgrows its room
PAGE_FONTS = "'DejaVu Sans', Verdana, 'Bitstream Vera Sans', Arial, sans-serif"


@dataclass(frozen=True)
class Chart:
    """One chart: what it shows in words (its text alternative), its data as a table, and how to draw it.

    `not_drawn`: why the chart is not drawn — every figure it would draw is withheld or zero (a small
    exercise's shareable report), or nothing was recorded — said in words on the page and in the PDF instead
    of axes with labels and no bars. `withheld_note`: drawn, but some of its figures are withheld and
    written on it rather than drawn."""

    key: str
    title: str
    description: str
    table: Block
    draw: Callable[[], Figure]
    not_drawn: str = ""
    withheld_note: str = ""


def _drawing(
    report: Report, values: Iterable[Any], nothing: str, *, zero_is_drawn: bool = False
) -> tuple[str, str]:
    """`(not_drawn, withheld_note)` of a chart of these values: why it has nothing to draw, or — drawing
    some and writing others — a note saying so; empty strings for a chart drawn whole.

    A value is drawn when it is a number (a count above zero; for minutes, zero too); a marker ("fewer than
    5", "withheld", "not shown") is written, never drawn; None is no data."""
    values = list(values)
    drawn = any((number := _number(v)) is not None and (zero_is_drawn or number > 0) for v in values)
    hidden = any(isinstance(v, str) for v in values)
    threshold = report.threshold
    if not drawn and hidden:
        return (
            "No chart: every figure it would draw is withheld or zero. The shareable report withholds "
            f"counts from 1 to {threshold - 1} (“{report.published.fewer}”) and the statistics of groups "
            f"of fewer than {threshold} people, so that no one can be recognised from them "
            "(de-identification). The table holds what can be shown.",
            "",
        )
    if not drawn:
        return f"No chart: {nothing}.", ""
    if hidden:
        return (
            "",
            f"Figures withheld for de-identification (counts from 1 to {threshold - 1}, statistics of "
            f"fewer than {threshold} people) are written on the chart, not drawn.",
        )
    return "", ""


# --- the charts ---------------------------------------------------------------------------------------


WIDTH = 6.4  # inches: 460 points


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), dpi=72, facecolor="white")


def _left(labels: list[str], size: float = 9) -> float:
    """The share of the figure's width the longest axis label needs (generously: 0.62 em a character),
    so that no label is cut off whatever sans-serif font draws it."""
    longest = max((len(text) for text in labels), default=0)
    return min(0.45, (longest * 0.62 * size + 14) / (WIDTH * 72))


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _bars(title: str, items: list[tuple[str, Any]], unit: str) -> Figure:
    """Horizontal bars; a hidden value is written out instead of drawn."""
    height = 0.9 + 0.32 * max(1, len(items))
    labels = [text for text, _ in items][::-1]
    figure = _figure(WIDTH, height)
    left = _left(labels)
    axes = figure.add_axes((left, 0.55 / height, 0.95 - left, 1 - 0.95 / height))
    values = [_number(v) or 0 for _, v in items][::-1]
    shown = [v for _, v in items][::-1]
    axes.barh(labels, values, color=BRAND, height=0.6)
    top = max([*values, 1])
    axes.set_xlim(0, top * 1.25)
    for y, (value, raw) in enumerate(zip(values, shown, strict=True)):
        text = show(raw) if _number(raw) is None else str(value)
        axes.text(value + top * 0.02, y, text, va="center", ha="left", color=INK, fontsize=8.5)
    axes.set_xlabel(unit, color=MUTED)
    axes.set_title(title, loc="left", fontsize=10, color=INK, fontweight="bold")
    _count_axis(axes, any(values))
    return figure


def _count_axis(axes: Any, drawn: bool) -> None:
    """Whole numbers on a count axis; no scale at all when every bar is hidden or zero."""
    if drawn:
        axes.xaxis.get_major_locator().set_params(integer=True)
    else:
        axes.set_xticks([])


def _needs_chart(report: Report) -> Chart:
    counts: dict[str, Any] = report.figures.get("needs.urgent_by_domain") or {}
    items = [(label(k), v) for k, v in counts.items()]
    text = "; ".join(f"{name}: {show(v)}" for name, v in items)
    return Chart(
        "needs",
        "Urgent needs by domain",
        f"Persons with an urgent need, by domain — {text}.",
        Block("", ("Domain", "Persons"), tuple((name, show(v)) for name, v in items)),
        lambda: _bars("Urgent needs by domain", items, "persons"),
        *_drawing(report, counts.values(), "no urgent need was recorded"),
    )


def _services_chart(report: Report) -> Chart:
    by_kind: dict[str, dict[str, Any]] = report.figures.get("services.by_kind") or {}
    used = [(k, v) for k, v in by_kind.items() if v["provided"] != 0 or v["referred"] != 0]
    description = "; ".join(
        f"{label(k)}: provided {show(v['provided'])}, referred {show(v['referred'])}" for k, v in used
    )

    def draw() -> Figure:
        rows = used or [("none", {"provided": 0, "referred": 0})]
        height = 1.1 + 0.45 * len(rows)
        names = [label(k) if k != "none" else "(no services recorded)" for k, _ in rows][::-1]
        figure = _figure(WIDTH, height)
        left = _left(names)
        axes = figure.add_axes((left, 0.75 / height, 0.95 - left, 1 - 1.15 / height))
        top = max([1, *(_number(v[s]) or 0 for _, v in rows for s in ("provided", "referred"))])
        for offset, status, colour in ((0.18, "provided", BRAND), (-0.18, "referred", SECOND)):
            values = [_number(v[status]) or 0 for _, v in rows][::-1]
            raws = [v[status] for _, v in rows][::-1]
            positions = [i + offset for i in range(len(rows))]
            axes.barh(positions, values, height=0.34, color=colour, label=status)
            for y, value, raw in zip(positions, values, raws, strict=True):
                if raw == 0:
                    continue  # the other status's bar shows the kind; a row of zeros is noise
                text = show(raw) if _number(raw) is None else str(value)
                axes.text(value + top * 0.02, y, text, va="center", ha="left", fontsize=8, color=INK)
        axes.set_yticks(range(len(rows)), names)
        axes.set_xlim(0, top * 1.3)
        _count_axis(axes, top > 1 or any(_number(v[s]) for _, v in rows for s in ("provided", "referred")))
        axes.set_xlabel("persons", color=MUTED)
        axes.set_title("Services by kind", loc="left", fontsize=10, color=INK, fontweight="bold")
        axes.legend(loc="lower right", frameon=False, fontsize=8)
        return figure

    return Chart(
        "services",
        "Services provided and referred, by kind",
        f"Persons provided or referred a service, by kind — {description or 'none recorded'}.",
        Block(
            "",
            ("Kind", "Provided", "Referred"),
            tuple((label(k), show(v["provided"]), show(v["referred"])) for k, v in used),
        ),
        draw,
        *_drawing(
            report,
            (v[status] for v in by_kind.values() for status in ("provided", "referred")),
            "no service was provided or referred",
        ),
    )


_MEASURES = (
    ("minutes_to_provider_contact", "To first provider contact"),
    ("minutes_to_interview", "To first interview"),
)


def _waits_chart(report: Report) -> Chart:
    figures = report.figures
    limit = report.limit_minutes
    nothing = "no potential victim has been reached by a provider or interviewed yet"
    if report.internal:
        each = {name: list(figures.get(f"{name}.each") or []) for name, _ in _MEASURES}
        drawing = _drawing(
            report, (m for minutes in each.values() for m in minutes), nothing, zero_is_drawn=True
        )
        description = "; ".join(
            f"{text.lower()}: {len(each[name])} potential victims, "
            f"median {show(figures.get(f'{name}.median'), 'min')}, longest {show(figures.get(f'{name}.max'), 'min')}"
            for name, text in _MEASURES
        )
        table = Block(
            "",
            ("Wait", "Minutes, each potential victim"),
            tuple((text, ", ".join(map(str, each[name])) or "—") for name, text in _MEASURES),
        )

        def draw() -> Figure:
            figure = _figure(WIDTH, 2.3)
            left = _left([text for _, text in _MEASURES])
            axes = figure.add_axes((left, 0.24, 0.95 - left, 0.62))
            for row, (name, _) in enumerate(_MEASURES[::-1]):
                values = each[name]
                jitter = [((i % 5) - 2) * 0.06 for i in range(len(values))]
                axes.scatter(
                    values, [row + j for j in jitter], s=26, color=BRAND, alpha=0.85, edgecolors="white"
                )
                median = _number(figures.get(f"{name}.median"))
                if median is not None:
                    axes.plot([median, median], [row - 0.3, row + 0.3], color=INK, linewidth=2)
            axes.axvline(limit, color=LIMIT, linestyle="--", linewidth=1.2)
            axes.text(limit, 1.42, f" limit {limit} min", color=LIMIT, fontsize=8, va="bottom")
            axes.set_yticks([0, 1], [text for _, text in _MEASURES[::-1]])
            axes.set_ylim(-0.6, 1.6)
            axes.set_xlim(left=0)
            axes.set_xlabel("minutes from the encounter (bar: median)", color=MUTED)
            axes.set_title(
                "Wait of each potential victim", loc="left", fontsize=10, color=INK, fontweight="bold"
            )
            return figure

    else:
        stats = ("median", "p90", "max")
        drawing = _drawing(
            report,
            (figures.get(f"{name}.{s}") for name, _ in _MEASURES for s in stats),
            nothing,
            zero_is_drawn=True,
        )
        description = "; ".join(
            f"{text.lower()}: " + ", ".join(f"{s} {show(figures.get(f'{name}.{s}'), 'min')}" for s in stats)
            for name, text in _MEASURES
        )
        table = Block(
            "",
            ("Wait", "Median", "90th percentile", "Longest"),
            tuple(
                (text, *(show(figures.get(f"{name}.{s}"), "min") for s in stats)) for name, text in _MEASURES
            ),
        )

        def draw() -> Figure:
            figure = _figure(WIDTH, 2.5)
            left = _left([text for _, text in _MEASURES])
            axes = figure.add_axes((left, 0.22, 0.95 - left, 0.64))
            top = max([limit, *(_number(figures.get(f"{n}.{s}")) or 0 for n, _ in _MEASURES for s in stats)])
            colours = {"median": BRAND, "p90": SECOND, "max": MUTED}
            names = {"median": "median", "p90": "90th percentile", "max": "longest"}
            for row, (name, _) in enumerate(_MEASURES[::-1]):
                for k, statistic in enumerate(stats):
                    y = row + 0.25 - k * 0.25
                    raw = figures.get(f"{name}.{statistic}")
                    value = _number(raw) or 0
                    axes.barh(
                        [y],
                        [value],
                        height=0.22,
                        color=colours[statistic],
                        label=names[statistic] if row == 0 else None,
                    )
                    axes.text(value + top * 0.02, y, show(raw, "min"), va="center", fontsize=8, color=INK)
            axes.axvline(limit, color=LIMIT, linestyle="--", linewidth=1.2)
            axes.set_yticks([0, 1], [text for _, text in _MEASURES[::-1]])
            axes.set_xlim(0, top * 1.35)
            axes.set_xlabel("minutes from the encounter (dashed: the limit)", color=MUTED)
            axes.set_title(
                "Waits of potential victims", loc="left", fontsize=10, color=INK, fontweight="bold"
            )
            axes.legend(loc="lower right", frameon=False, fontsize=8)
            return figure

    return Chart(
        "waits",
        "Waits from the encounter",
        f"Minutes from the encounter, for potential victims — {description}. The limit for a provider's "
        f"first contact is {limit} minutes.",
        table,
        draw,
        *drawing,
    )


def _timeline_chart(report: Report) -> Chart:
    rows = list(report.timeline)
    limit = report.limit_minutes

    def draw() -> Figure:
        height = 1.5 + 0.3 * max(1, len(rows))
        ordered = rows[::-1]
        names = [f"{r.code} ({label(r.designation).lower()})" for r in ordered]
        figure = _figure(WIDTH, height)
        left = _left(names)
        axes = figure.add_axes((left, 0.65 / height, 0.96 - left, 1 - 1.45 / height))
        top = max(
            [
                limit,
                *(r.minutes_to_interview or 0 for r in rows),
                *(r.minutes_to_provider_contact or 0 for r in rows),
            ]
        )
        for y, row in enumerate(ordered):
            end = max(row.minutes_to_interview or 0, row.minutes_to_provider_contact or 0)
            axes.plot([0, end], [y, y], color=MUTED, linewidth=1)
            axes.scatter([0], [y], marker="o", s=22, color=MUTED, zorder=3)
            if row.minutes_to_provider_contact is not None:
                axes.scatter([row.minutes_to_provider_contact], [y], marker="s", s=30, color=BRAND, zorder=3)
            if row.minutes_to_interview is not None:
                axes.scatter([row.minutes_to_interview], [y], marker="D", s=30, color=SECOND, zorder=3)
        axes.axvline(limit, color=LIMIT, linestyle="--", linewidth=1)
        axes.set_yticks(range(len(ordered)), names)
        axes.set_xlim(-top * 0.03, top * 1.08)
        axes.set_ylim(-0.7, len(ordered) - 0.3)
        axes.set_xlabel(
            "minutes from the encounter (dashed: the limit for a first provider contact)", color=MUTED
        )
        axes.legend(
            handles=[
                Line2D([], [], marker="o", color=MUTED, linestyle="", label="encounter"),
                Line2D([], [], marker="s", color=BRAND, linestyle="", label="first provider contact"),
                Line2D([], [], marker="D", color=SECOND, linestyle="", label="first interview"),
            ],
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            ncol=3,
            frameon=False,
            fontsize=8,
            borderaxespad=0.2,
        )
        axes.set_title("Timeline by person", loc="left", fontsize=10, color=INK, fontweight="bold", pad=22)
        return figure

    described = "; ".join(
        f"{r.code}: provider contact "
        + (
            f"after {r.minutes_to_provider_contact} min"
            if r.minutes_to_provider_contact is not None
            else "none"
        )
        + ", interview "
        + (f"after {r.minutes_to_interview} min" if r.minutes_to_interview is not None else "none")
        for r in rows
    )
    return Chart(
        "timeline",
        "Timeline by person",
        f"For each person, minutes from the encounter to the first provider contact and to the first interview — {described}.",
        Block(
            "",
            ("Person", "Provider contact (min)", "Interview (min)"),
            tuple((r.code, show(r.minutes_to_provider_contact), show(r.minutes_to_interview)) for r in rows),
        ),
        draw,
    )


def charts_for(report: Report) -> list[Chart]:
    """The charts of a report: the timeline (internal), the waits, needs by domain, services by kind."""
    if report.scope is Scope.SERVICE_AGENCY:
        return [_needs_chart(report), _services_chart(report)]
    charts = [_waits_chart(report), _needs_chart(report), _services_chart(report)]
    if report.internal and report.timeline:
        charts.insert(0, _timeline_chart(report))
    return charts


# --- SVG for the page -----------------------------------------------------------------------------------

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG)
ET.register_namespace("xlink", XLINK)

PRESENTATION = frozenset(
    {
        "fill",
        "fill-opacity",
        "fill-rule",
        "stroke",
        "stroke-width",
        "stroke-opacity",
        "stroke-dasharray",
        "stroke-dashoffset",
        "stroke-linecap",
        "stroke-linejoin",
        "stroke-miterlimit",
        "opacity",
        "font-size",
        "font-family",
        "font-weight",
        "font-style",
        "text-anchor",
        "dominant-baseline",
        "clip-rule",
        "visibility",
    }
)
_URL = re.compile(r"url\(#([^)]+)\)")


def svg_of(chart: Chart) -> str:
    """The chart as an inline SVG element the page's CSP allows: no style attribute, no <style>."""
    figure = chart.draw()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return clean_svg(
        buffer.getvalue(), prefix=f"chart-{chart.key}", title=chart.title, description=chart.description
    )


def clean_svg(text: str, *, prefix: str, title: str, description: str) -> str:
    """Rewrite matplotlib's SVG for inline use under a strict CSP, with its text alternative."""
    root = ET.fromstring(text)  # noqa: S314 - our own matplotlib output, no external entities
    for parent in root.iter():
        for child in list(parent):
            if child.tag in (f"{{{SVG}}}metadata", f"{{{SVG}}}style"):
                parent.remove(child)
    for element in root.iter():
        style = element.attrib.pop("style", "")
        for declaration in style.split(";"):
            name, _, value = declaration.partition(":")
            name, value = name.strip(), value.strip()
            if name in PRESENTATION and value:
                element.set(name, PAGE_FONTS if name == "font-family" else value)
        if "id" in element.attrib:
            element.set("id", f"{prefix}-{element.attrib['id']}")
        for attribute, value in list(element.attrib.items()):
            if attribute == f"{{{XLINK}}}href" and value.startswith("#"):
                element.set(attribute, f"#{prefix}-{value[1:]}")
            elif "url(#" in value:
                element.set(attribute, _URL.sub(lambda m: f"url(#{prefix}-{m.group(1)})", value))
    # what the removed <style> said, as inherited presentation attributes
    root.set("stroke-linejoin", "round")
    root.set("stroke-linecap", "butt")
    for attribute in ("width", "height"):
        root.attrib.pop(attribute, None)
    root.set("class", "chart__svg")
    root.set("role", "img")
    root.set("aria-labelledby", f"{prefix}-title {prefix}-desc")
    title_element = ET.Element(f"{{{SVG}}}title", {"id": f"{prefix}-title"})
    title_element.text = title
    desc_element = ET.Element(f"{{{SVG}}}desc", {"id": f"{prefix}-desc"})
    desc_element.text = description
    root.insert(0, desc_element)
    root.insert(0, title_element)
    return ET.tostring(root, encoding="unicode")


# --- vector drawing for the PDF ----------------------------------------------------------------------


def _pdf_font(prop: Any) -> str:
    return SANS_BOLD if prop.get_weight() in ("bold", 700, "heavy", "semibold", 600) else SANS


class CanvasRenderer(RendererBase):
    """Draws a matplotlib figure onto a reportlab canvas, in points (the figure's dpi is 72)."""

    def __init__(self, canvas: Canvas, width: float, height: float) -> None:
        super().__init__()
        self.canvas = canvas
        self.width = width
        self.height = height

    def flipy(self) -> bool:
        return False

    def get_canvas_width_height(self) -> tuple[float, float]:
        return self.width, self.height

    def points_to_pixels(self, points: Any) -> Any:
        return points

    def new_gc(self) -> GraphicsContextBase:
        return GraphicsContextBase()

    def option_image_nocomposite(self) -> bool:
        return True

    def get_text_width_height_descent(self, s: str, prop: Any, ismath: Any) -> tuple[float, float, float]:
        font, size = _pdf_font(prop), prop.get_size_in_points()
        ascent, descent = getAscentDescent(font, size)
        return stringWidth(s, font, size), ascent - descent, -descent

    def _clip(self, gc: GraphicsContextBase) -> None:
        box = gc.get_clip_rectangle()
        if box is not None:
            x0, y0, width, height = box.bounds
            clip = self.canvas.beginPath()
            clip.rect(x0, y0, width, height)
            self.canvas.clipPath(clip, stroke=0, fill=0)

    def draw_path(self, gc: GraphicsContextBase, path: MplPath, transform: Any, rgbFace: Any = None) -> None:  # noqa: N803 - matplotlib's name
        canvas = self.canvas
        canvas.saveState()
        self._clip(gc)
        shape = canvas.beginPath()
        last = (0.0, 0.0)
        for vertices, code in path.iter_segments(transform, remove_nans=True, simplify=False, curves=True):
            if code == MplPath.MOVETO:
                shape.moveTo(*vertices)
            elif code == MplPath.LINETO:
                shape.lineTo(*vertices)
            elif code == MplPath.CURVE3:
                (cx, cy), (x, y) = vertices[:2], vertices[2:]
                shape.curveTo(
                    last[0] + 2 / 3 * (cx - last[0]),
                    last[1] + 2 / 3 * (cy - last[1]),
                    x + 2 / 3 * (cx - x),
                    y + 2 / 3 * (cy - y),
                    x,
                    y,
                )
            elif code == MplPath.CURVE4:
                shape.curveTo(*vertices)
            elif code == MplPath.CLOSEPOLY:
                shape.close()
            if len(vertices) >= 2:
                last = (float(vertices[-2]), float(vertices[-1]))
        alpha = gc.get_alpha()
        fill = rgbFace is not None and (len(rgbFace) < 4 or rgbFace[3] > 0)
        if fill:
            red, green, blue = rgbFace[:3]
            canvas.setFillColorRGB(red, green, blue, alpha=(rgbFace[3] if len(rgbFace) > 3 else 1) * alpha)
        red, green, blue, stroke_alpha = gc.get_rgb()
        stroke = gc.get_linewidth() > 0 and stroke_alpha > 0
        if stroke:
            canvas.setStrokeColorRGB(red, green, blue, alpha=stroke_alpha * alpha)
            canvas.setLineWidth(gc.get_linewidth())
            canvas.setLineCap({"butt": 0, "round": 1, "projecting": 2}.get(gc.get_capstyle(), 0))
            canvas.setLineJoin({"miter": 0, "round": 1, "bevel": 2}.get(gc.get_joinstyle(), 1))
            offset, dashes = gc.get_dashes()
            pattern: Any = dashes
            if pattern is not None and len(pattern):
                canvas.setDash([float(d) for d in pattern], offset or 0)
        canvas.drawPath(shape, stroke=1 if stroke else 0, fill=1 if fill else 0)
        canvas.restoreState()

    def draw_text(  # noqa: PLR0917 - matplotlib's signature
        self,
        gc: GraphicsContextBase,
        x: float,
        y: float,
        s: str,
        prop: Any,
        angle: float,
        ismath: Any = False,
        mtext: Any = None,
    ) -> None:
        canvas = self.canvas
        canvas.saveState()
        self._clip(gc)
        red, green, blue, alpha = gc.get_rgb()
        canvas.setFillColorRGB(red, green, blue, alpha=alpha)
        canvas.setFont(_pdf_font(prop), prop.get_size_in_points())
        canvas.translate(x, y)
        canvas.rotate(angle)
        canvas.drawString(0, 0, s)
        canvas.restoreState()

    def draw_image(self, gc: GraphicsContextBase, x: float, y: float, im: Any, transform: Any = None) -> None:
        return  # the report's charts hold no raster images


def draw_on_canvas(chart: Chart, canvas: Canvas, x: float, y: float) -> tuple[float, float]:
    """Draw the chart with its lower left corner at (x, y); returns its size in points."""
    figure = chart.draw()
    width, height = figure.get_size_inches() * 72
    canvas.saveState()
    canvas.translate(x, y)
    figure.draw(CanvasRenderer(canvas, width, height))
    canvas.restoreState()
    return float(width), float(height)


def chart_size(chart: Chart) -> tuple[float, float]:
    width, height = chart.draw().get_size_inches() * 72
    return float(width), float(height)
