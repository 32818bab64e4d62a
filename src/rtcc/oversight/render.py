"""The council report's three forms, made from ``figures.gather``'s figures: an HTML page with SVG charts, a PDF
(matplotlib's PDF backend: the same charts and tables, no system packages) and a CSV annex (one row per figure).

Charts are drawn by matplotlib with the non-interactive ``Agg``/``svg``/``pdf`` backends; nothing is fetched at run
time. A demo contract is labelled as demo on every page.
"""

from __future__ import annotations

import csv
import html
import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure


def _fmt_s(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{int(v) // 60}:{int(v) % 60:02d}"


def _service_chart(f: dict[str, Any]) -> Figure:
    fig, ax = plt.subplots(figsize=(6.5, 2.8))
    rows = f["service"]
    x = range(len(rows))
    ax.bar([i - 0.2 for i in x], [r["bought"] / 60 for r in rows], width=0.4, label="bought", color="#9aa7b8")
    ax.bar([i + 0.2 for i in x], [r["delivered"] / 60 for r in rows], width=0.4, label="delivered", color="#1f5fa8")
    ax.set_xticks(list(x), [r["shift"] for r in rows])
    ax.set_ylabel("deputy-hours")
    ax.set_title("Service delivered against bought, by shift")
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def _targets_chart(f: dict[str, Any]) -> Figure:
    fig, ax = plt.subplots(figsize=(6.5, 2.8))
    rows = [r for r in f["targets"] if r["median_s"] is not None]
    x = list(range(len(rows)))
    med = [r["median_s"] / 60 for r in rows]
    err = [
        [(r["median_s"] - (r["median_low"] or r["median_s"])) / 60 for r in rows],
        [((r["median_high"] or r["median_s"]) - r["median_s"]) / 60 for r in rows],
    ]
    ax.bar(x, med, yerr=err, capsize=4, color="#1f5fa8", label="median response (95% CI)")
    for i, r in enumerate(rows):
        if r["target_s"]:
            ax.hlines(
                r["target_s"] / 60, i - 0.4, i + 0.4, colors="#c0392b", label="target" if i == 0 else "_nolegend_"
            )
    ax.set_xticks(x, [r["priority"] for r in rows])
    ax.set_ylabel("minutes")
    ax.set_title("Response time by priority")
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.find("<svg") :]


def _rows(f: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(section, item, value, compared with) rows: the CSV annex and the tables of the HTML and PDF."""
    out: list[tuple[str, str, str, str]] = []
    for r in f["service"]:
        out.append(("service", f"deputy-minutes, {r['shift']}", str(r["delivered"]), str(r["bought"])))
    for r in f["targets"]:
        met = "-" if r["met_share"] is None else f"{r['met_share']:.1%}"
        req = "-" if r["required_share"] is None else f"{r['required_share']:.0%} within {_fmt_s(r['target_s'])}"
        out.append(("targets", f"{r['priority']}: calls {r['calls']}, median {_fmt_s(r['median_s'])}", met, req))
    ot = f["overtime"]
    budget = "-" if ot["budget_cents"] is None else f"${ot['budget_cents'] / 100:,.2f}"
    out.append(("overtime", "overtime used", f"${ot['used_cents'] / 100:,.2f}", budget))
    cg = f["cso_guard"]
    out.append(("cso_guard", "CSO hours", str(cg["cso_hours"]), str(cg["cso_hours_bought"] or "-")))
    out.append(("cso_guard", "guard hours", str(cg["guard_hours"]), str(cg["guard_hours_bought"] or "-")))
    for k, n in sorted(cg["calls_taken"].items()):
        out.append(("cso_guard", f"calls taken off deputies by {k}", str(n), ""))
    out.append(("alpr", "ALPR hits", str(f["alpr"]["hits"]), ""))
    for k, n in sorted(f["alpr"]["by_state"].items()):
        out.append(("alpr", f"hits {k}", str(n), ""))
    for k, n in sorted(f["alpr"]["rejected_by_reason"].items()):
        out.append(("alpr", f"rejected: {k}", str(n), ""))
    d = f["drones"]
    out.append(("drones", "drone flights", str(d["flights"]) if d["available"] else d["note"], ""))
    if d["available"]:
        median = d["median_to_scene_s"]
        out.append(("drones", "flights that reached the scene", str(d["reached_scene"]), ""))
        out.append(("drones", "median time to scene (s)", "-" if median is None else f"{median:.0f}", ""))
        out.append(("drones", "cleared without patrol", str(d["cleared_without_patrol"]), ""))
        out.append(("drones", "flagged (geofence breach)", str(d["flagged"]), ""))
    q = f["quality"]
    out.append(("quality", "calls with complete, in-order stamps", f"{q['score']:.1%}", f"{q['calls']} calls"))
    return out


def _title(f: dict[str, Any]) -> tuple[str, str]:
    c = f["contract"]
    label = "no contract on file" if c is None else c["name"] + (" (DEMO values)" if c["demo"] else "")
    return f"{f['city']}: law enforcement services, {f['month']}", label


def to_csv(f: dict[str, Any]) -> str:
    """The CSV annex: section, item, value, compared with."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["section", "item", "value", "compared_with"])
    w.writerows(_rows(f))
    return buf.getvalue()


def to_html(f: dict[str, Any]) -> str:
    """The report page (self-contained: inline CSS and SVG)."""
    title, label = _title(f)
    e = html.escape
    body = "".join(f"<tr><td>{e(s)}</td><td>{e(i)}</td><td>{e(v)}</td><td>{e(c)}</td></tr>" for s, i, v, c in _rows(f))
    demo = (
        '<p class="demo">DEMO contract values: not the real agreement.</p>' if (f["contract"] or {}).get("demo") else ""
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{e(title)}</title><style>body{{font-family:sans-serif;max-width:60em;margin:auto}}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}.demo{color:#a00}</style>"
        f"</head><body><h1>{e(title)}</h1><p>{e(label)}</p>{demo}"
        f"<h2>Service delivered</h2>{_svg(_service_chart(f))}"
        f"<h2>Response times</h2>{_svg(_targets_chart(f))}"
        "<h2>Figures</h2><table><tr><th>section</th><th>item</th><th>value</th><th>compared with</th></tr>"
        f"{body}</table></body></html>"
    )


def to_pdf(f: dict[str, Any]) -> bytes:
    """The report as a PDF: a title page with the figures table, then the charts."""
    title, label = _title(f)
    buf = io.BytesIO()
    with PdfPages(buf, metadata={"Title": title, "Creator": "OpenRTCC"}) as pdf:
        fig = plt.figure(figsize=(8.5, 11))
        fig.text(0.06, 0.95, title, fontsize=14, weight="bold")
        fig.text(0.06, 0.925, label, fontsize=9, color="#a00" if (f["contract"] or {}).get("demo") else "black")
        rows = _rows(f)
        ax = fig.add_axes((0.06, 0.05, 0.88, 0.85))
        ax.axis("off")
        table = ax.table(
            cellText=[list(r) for r in rows] or [["", "", "", ""]],
            colLabels=["section", "item", "value", "compared with"],
            loc="upper left",
            colWidths=[0.12, 0.5, 0.16, 0.22],
        )
        table.auto_set_font_size(False)
        table.set_fontsize(7)
        pdf.savefig(fig)
        plt.close(fig)
        for chart in (_service_chart(f), _targets_chart(f)):
            pdf.savefig(chart)
            plt.close(chart)
    return buf.getvalue()
