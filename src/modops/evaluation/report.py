"""JSON + HTML evaluation reports with embedded plots (matplotlib, Agg)."""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any


def figure_to_base64(fig: Any) -> str:
    """Render a matplotlib figure to a base64 PNG and close it."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _table_html(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p><em>empty</em></p>"
    cols = list(rows[0])
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(r.get(c)))}</td>" for c in cols) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4f}"
    return "" if v is None else str(v)


def write_report(
    out_dir: Path,
    name: str,
    payload: dict[str, Any],
    figures: dict[str, Any] | None = None,
    tables: dict[str, list[dict[str, Any]]] | None = None,
    title: str | None = None,
) -> tuple[Path, Path]:
    """Write ``<name>.json`` (the payload) and ``<name>.html`` (tables + figures) into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"{name}.json"
    json_path.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title or name)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;"
        "text-align:right}th{background:#f4f4f4}img{max-width:100%}</style></head><body>",
        f"<h1>{html.escape(title or name)}</h1>",
    ]
    for heading, rows in (tables or {}).items():
        parts.append(f"<h2>{html.escape(heading)}</h2>{_table_html(rows)}")
    for heading, fig in (figures or {}).items():
        parts.append(
            f"<h2>{html.escape(heading)}</h2><img alt='{html.escape(heading)}' "
            f"src='data:image/png;base64,{figure_to_base64(fig)}'>"
        )
    parts.append(f"<h2>Raw</h2><pre>{html.escape(json.dumps(payload, indent=2, default=str))}</pre>")
    parts.append("</body></html>")
    html_path = out_dir / f"{name}.html"
    html_path.write_text("".join(parts), encoding="utf-8")
    return json_path, html_path
