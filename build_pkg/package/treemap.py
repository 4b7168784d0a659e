"""`size --html`: one self-contained page with a treemap of what takes the space. Pure:
the zips' entries in, HTML out.

Drawn with Plotly (plotly.py, MIT, maintained by Plotly with releases every few
weeks): its treemap lays out nested rectangles, drills down into a branch on
click and shows a hover box of our own, and `to_html(include_plotlyjs=True)`
inlines plotly.js, so the page loads nothing from the network. Laying a treemap
out by hand (squarified rectangles, zoom, labels that fit) is a library's job.

The tree: the package (and the layer, when the build made one) -> each
dependency (its distribution: all its top-level folders and its dist-info),
worker_lib, each function -> folders -> files, sized by unzipped bytes; the
hover adds zipped bytes, file counts and the share of Lambda's limits. A bar on
top shows the unzipped total (code and layer together, as Lambda counts them)
and each zip against its limit.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from .limits import DIRECT_UPLOAD_LIMIT, DIRECT_UPLOAD_MAX, UNZIPPED_LIMIT, UNZIPPED_MAX, mb, top_level


@dataclass(frozen=True)
class Part:
    """One zip: its name, its entries (path without the layer's python/, unzipped, zipped)
    and its size on disk."""

    name: str
    entries: tuple[tuple[str, int, int], ...]
    zipped: int


@dataclass(frozen=True)
class Groups:
    """What each top-level entry belongs to."""

    dependencies: dict[str, str]  # top-level name -> "requests 2.34.2"
    functions: dict[str, str]  # top-level name -> "function process_checker"


def group_of(top: str, groups: Groups) -> str:
    if top in groups.functions:
        return groups.functions[top]
    if top in groups.dependencies:
        return groups.dependencies[top]
    if top == "worker_lib":
        return "worker_lib"
    return "other files"


def figure_data(parts: list[Part], groups: Groups) -> dict[str, list]:
    """ids, labels, parents, values and hover data for a Plotly treemap (branchvalues=total)."""
    nodes: dict[str, list] = {}  # id -> [label, parent, unzipped, zipped, files]

    def add(node_id: str, label: str, parent: str, size: int, csize: int) -> None:
        node = nodes.setdefault(node_id, [label, parent, 0, 0, 0])
        node[2] += size
        node[3] += csize
        node[4] += 1

    # Plotly draws one root: with a layer, the function's code and its layer share one.
    root = "function + layer" if len(parts) > 1 else ""
    for part in parts:
        for arcname, size, csize in part.entries:
            group = group_of(top_level(arcname), groups)
            if root:
                add(root, root, "", size, csize)
            add(part.name, part.name, root, size, csize)
            add(f"{part.name}/{group}", group, part.name, size, csize)
            parent = f"{part.name}/{group}"
            segments = arcname.split("/")
            for depth in range(1, len(segments) + 1):
                node_id = f"{part.name}/{group}//{'/'.join(segments[:depth])}"
                add(node_id, segments[depth - 1] + ("/" if depth < len(segments) else ""), parent, size, csize)
                parent = node_id
    ids = list(nodes)
    # One colour per dependency, worker_lib and function, shared by everything inside it
    # (Plotly would colour by the root's children: with a layer, one colour for all).
    palette = _palette()
    group_colours: dict[str, str] = {}
    colours = []
    for node_id in ids:
        if "/" not in node_id:
            colours.append("#d9d9d9")
            continue
        group = node_id.split("//", 1)[0]
        colours.append(group_colours.setdefault(group, palette[len(group_colours) % len(palette)]))
    return {
        "colors": colours,
        "ids": ids,
        "labels": [nodes[i][0] for i in ids],
        "parents": [nodes[i][1] for i in ids],
        "values": [nodes[i][2] for i in ids],
        "customdata": [[mb(nodes[i][2]), mb(nodes[i][3]), nodes[i][4], f"{nodes[i][2] / UNZIPPED_MAX:.1%}",
                        f"{nodes[i][3] / DIRECT_UPLOAD_MAX:.1%}"] for i in ids],
    }


def page(title: str, parts: list[Part], groups: Groups) -> str:
    import plotly.graph_objects as go

    data = figure_data(parts, groups)
    treemap = go.Figure(go.Treemap(
        ids=data["ids"], labels=data["labels"], parents=data["parents"], values=data["values"],
        customdata=data["customdata"], branchvalues="total", maxdepth=3, sort=True,
        texttemplate="%{label}<br>%{customdata[0]}",
        hovertemplate=("<b>%{label}</b><br>unzipped %{customdata[0]} (%{customdata[3]} of Lambda's "
                       f"{UNZIPPED_LIMIT})<br>zipped %{{customdata[1]}} (%{{customdata[4]}} of the "
                       f"{DIRECT_UPLOAD_LIMIT} direct upload)<br>%{{customdata[2]}} files<extra></extra>"),
        pathbar={"visible": True}, marker={"line": {"width": 1}, "colors": data["colors"]},
    ))
    treemap.update_layout(margin={"t": 30, "l": 5, "r": 5, "b": 5}, height=720,
                          uniformtext={"minsize": 10, "mode": "hide"})
    bar = _limits_bar(parts)
    config = {"displaylogo": False, "responsive": True}
    first = bar.to_html(full_html=False, include_plotlyjs=True, config=config, div_id="limits")
    second = treemap.to_html(full_html=False, include_plotlyjs=False, config=config, div_id="treemap")
    totals = ", ".join(f"{p.name} {mb(sum(e[1] for e in p.entries))} unzipped, {mb(p.zipped)} zipped" for p in parts)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n"
        "<style>body{font-family:system-ui,sans-serif;margin:16px;color:#222}h1{font-size:20px;margin:0 0 4px}"
        "p{margin:0 0 8px;color:#555}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n<p>{html.escape(totals)}. Click a box to look inside it; "
        "click the path above the map to go back.</p>\n"
        f"{first}\n{second}\n</body>\n</html>\n"
    )


def _palette() -> list[str]:
    from plotly.colors import qualitative

    return qualitative.Plotly + qualitative.Pastel + qualitative.Set3


def _limits_bar(parts: list[Part]):
    import plotly.graph_objects as go

    rows = ["unzipped, function + layers", *[f"zipped, {p.name}" for p in parts]]
    limits = [UNZIPPED_MAX, *[DIRECT_UPLOAD_MAX] * len(parts)]
    figure = go.Figure()
    for index, part in enumerate(parts):
        unzipped = sum(e[1] for e in part.entries)
        values = [unzipped] + [part.zipped if i == index else 0 for i in range(len(parts))]
        figure.add_trace(go.Bar(
            y=rows, x=[v / limit for v, limit in zip(values, limits)], orientation="h", name=part.name,
            customdata=[mb(v) for v in values],
            hovertemplate=f"{part.name}: %{{customdata}} (%{{x:.1%}} of the limit)<extra></extra>"))
    figure.add_vline(x=1.0, line_color="#c00", line_dash="dash", annotation_text="Lambda's limit")
    figure.update_layout(barmode="stack", height=90 + 40 * len(rows), margin={"t": 30, "l": 5, "r": 5, "b": 5},
                         xaxis={"tickformat": ".0%", "range": [0, 1.1]}, legend={"orientation": "h"},
                         title={"text": "Against Lambda's limits", "font": {"size": 14}})
    return figure
