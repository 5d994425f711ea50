"""report.html: one self-contained page per run (images as data: URIs, inline CSS and script, no network)."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass

import pandas as pd

escape = html.escape

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#222;background:#fafafa}
main{max-width:1200px;margin:0 auto;padding:0 1.2em 3em}
header{background:#263238;color:#fff;padding:.8em 1.2em}header h1{margin:0;font-size:1.3em}
nav a{color:#b0bec5;margin-right:1em;font-size:.9em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.85em;margin:.5em 0;background:#fff}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#eceff1;position:sticky;top:0}table.sortable th{cursor:pointer;user-select:none}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td.num{text-align:right;white-space:nowrap}td.best,td.tied{background:#e8f5e9}td small{color:#888}
td.notes{max-width:28em;color:#a33}.status-done{color:#2e7d32}.status-skipped{color:#777}
.status-error,.status-oom,.status-diverged,.status-interrupted{color:#c62828;font-weight:bold}
.note{color:#555;font-size:.9em;max-width:60em}.published{background:#fff8e1}
img{max-width:100%;height:auto}.grid{display:flex;flex-wrap:wrap;gap:.8em}
figure{margin:0;background:#fff;border:1px solid #ddd;padding:.4em}figcaption{font-size:.8em;color:#555}
.pixel img{image-rendering:pixelated}.shots img{width:250px}table.samples img{max-width:380px}td img{display:block}
dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:bold}dd{margin:0}
code{background:#eee;padding:0 .2em;word-break:break-all}
"""

SCRIPT = """
(function () {
  function key(td, type) {
    var v = td.getAttribute('data-sort');
    if (v === null) v = td.textContent;
    if (type === 'num') { var f = parseFloat(v); return isNaN(f) ? null : f; }
    return v.toLowerCase();
  }
  function sortBy(table, index, descending) {
    var th = table.tHead.rows[0].cells[index], type = th.getAttribute('data-type');
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[index], type), y = key(b.cells[index], type);
      if (x === y) return 0; if (x === null) return 1; if (y === null) return -1;
      return (x < y ? -1 : 1) * (descending ? -1 : 1);
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      th.title = (th.title ? th.title + '; ' : '') + 'click to sort';
      th.addEventListener('click', function () { sortBy(table, i, th.getAttribute('aria-sort') === 'ascending'); });
    });
  });
  var m = /sort=([\\w-]+):(\\d+):(asc|desc)/.exec(location.hash);
  if (m) { var t = document.getElementById(m[1]); if (t && t.tHead) sortBy(t, +m[2], m[3] === 'desc'); }
  document.body.setAttribute('data-ready', 'yes');
})();
"""


@dataclass
class Page:
    """Everything the page shows, prepared by ganbench.report from the database."""

    title: str
    facts: list[tuple[str, str]]
    summary_html: str
    statistics_note: str
    trials_html: str
    references: pd.DataFrame
    curves: dict[str, tuple[str, bytes]]  # column -> (label, png)
    throughput: bytes | None
    training: list[tuple[str, bytes]]  # (trial caption, png)
    samples: pd.DataFrame  # rows: seed, columns: configuration, cells: (caption, png) or None
    snapshots: list[tuple[str, list[tuple[str, bytes]]]]  # 2D: (trial caption, [(checkpoint caption, png)])
    interpolations: list[tuple[str, bytes | str]]  # (trial caption, png or why not)
    manifest: dict
    pixelated: bool = False
    tuning_html: str = ""  # a tuned run: its protocol, choices and figures, rendered by ganbench.tuning_report


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def image(png: bytes, alt: str) -> str:
    return f'<img src="{data_uri(png)}" alt="{escape(alt)}" loading="lazy">'


def render_page(page: Page) -> str:
    sections: list[tuple[str, str, str]] = []  # (id, heading, body)
    facts = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in page.facts)
    sections.append(("overview", "Overview", f"<dl>{facts}</dl>"))
    sections.append(
        (
            "results",
            "Results over seeds",
            f'<p class="note">{escape(page.statistics_note)} Click a column heading to sort.</p>'
            f'<div class="scroll">{page.summary_html}</div>',
        )
    )
    if page.tuning_html:
        sections.append(("tuning", "Tuning", page.tuning_html))
    if len(page.references):
        sections.append(("published", "Published numbers beside measured ones", _references(page.references)))
    sections.append(
        (
            "trials",
            "Every trial",
            '<p class="note">Each trial at its last checkpoint; trials that were '
            "skipped or did not finish are listed with their reason.</p>"
            f'<div class="scroll">{page.trials_html}</div>',
        )
    )
    if page.curves:
        body = "".join(
            f"<figure>{image(png, label)}<figcaption>{escape(label)}</figcaption></figure>"
            for label, png in page.curves.values()
        )
        sections.append(
            (
                "curves",
                "Metrics against training time",
                '<p class="note">Line: mean over seeds per configuration; shaded: the seeds\' min-max range.</p>'
                f'<div class="grid">{body}</div>',
            )
        )
    if page.throughput:
        sections.append(
            (
                "throughput",
                "Throughput and budget used",
                '<p class="note">Red bars: trials that did not finish.</p>' + image(page.throughput, "throughput"),
            )
        )
    if page.training:
        body = "".join(
            f"<figure>{image(png, cap)}<figcaption>{escape(cap)}</figcaption></figure>" for cap, png in page.training
        )
        sections.append(("training", "Losses and discriminator outputs per trial", f'<div class="grid">{body}</div>'))
    if len(page.samples):
        sections.append(("samples", "Samples at the last checkpoint", _samples(page.samples, page.pixelated)))
    if page.snapshots:
        body = "".join(
            f'<h3>{escape(cap)}</h3><div class="grid shots">'
            + "".join(f"<figure>{image(png, c)}<figcaption>{escape(c)}</figcaption></figure>" for c, png in shots)
            + "</div>"
            for cap, shots in page.snapshots
        )
        sections.append(("snapshots", "Generated points at every checkpoint", body))
    if page.interpolations:
        body = "".join(
            f'<figure class="{"pixel" if page.pixelated else ""}">'
            + (image(item, cap) if isinstance(item, bytes) else f'<p class="note">{escape(item)}</p>')
            + f"<figcaption>{escape(cap)}</figcaption></figure>"
            for cap, item in page.interpolations
        )
        sections.append(
            (
                "interpolation",
                "Latent interpolation",
                '<p class="note">Between the same two latent points: straight line (top row, or blue) '
                "and spherical interpolation, slerp (bottom row, or orange).</p>"
                f'<div class="grid">{body}</div>',
            )
        )
    sections.append(("manifest", "Manifest", _manifest(page.manifest)))
    nav = "".join(f'<a href="#{sid}">{escape(heading)}</a>' for sid, heading, _ in sections)
    body = "".join(
        f'<section id="{sid}"><h2>{escape(heading)}</h2>{content}</section>' for sid, heading, content in sections
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(page.title)}</title><style>{STYLE}</style></head>"
        f"<body><header><h1>{escape(page.title)}</h1><nav>{nav}</nav></header><main>{body}</main>"
        f"<script>{SCRIPT}</script></body></html>\n"
    )


def _references(frame: pd.DataFrame) -> str:
    rows = []
    for r in frame.itertuples():
        cls = ' class="published"' if r.kind == "published" else ""
        kind = "<strong>published</strong>" if r.kind == "published" else "measured"
        rows.append(
            f"<tr{cls}><td>{escape(r.metric)}</td><td>{escape(str(r.entry))}</td><td>{kind}</td>"
            f'<td class="num">{escape(str(r.value))}</td><td>{escape(str(r.n))}</td>'
            f"<td>{escape(r.source)}</td><td>{escape(r.protocol)}</td></tr>"
        )
    head = "".join(f"<th>{h}</th>" for h in ("metric", "method", "", "value", "seeds", "source", "protocol difference"))
    return (
        '<p class="note">Published figures come from registries/references.toml, each with its source; they '
        "were measured under the paper's protocol, not this run's, so read them as context, not as a contest.</p>"
        f'<div class="scroll"><table id="references-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
    )


def _samples(frame: pd.DataFrame, pixelated: bool) -> str:
    head = "<th>seed</th>" + "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for seed, cells in frame.iterrows():
        tds = [f"<td>{escape(str(seed))}</td>"]
        for cell in cells:
            if isinstance(cell, tuple):
                caption, png = cell
                tds.append(
                    f'<td class="{"pixel" if pixelated else ""}">{image(png, caption)}<small>{escape(caption)}</small></td>'
                )
            else:
                tds.append(f'<td class="notes">{escape(str(cell)) if isinstance(cell, str) else ""}</td>')
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return (
        '<p class="note">One column per configuration, one row per seed, so variants sit side by side.</p>'
        f'<div class="scroll"><table class="samples"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
    )


def _manifest(manifest: dict) -> str:
    if not manifest:
        return '<p class="note">No manifest was stored for this run.</p>'
    facts = [
        ("command", f"<code>{escape(str(manifest.get('command', '?')))}</code>"),
        ("device", escape(str(manifest.get("device", "?")))),
        ("platform", escape(str(manifest.get("platform", "?")))),
        ("git revision", f"<code>{escape(str(manifest.get('git_revision') or 'unknown'))}</code>"),
    ]
    versions = ", ".join(f"{escape(k)} {escape(str(v))}" for k, v in (manifest.get("versions") or {}).items())
    facts.append(("versions", versions))
    items = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    plugins = "".join(
        f"<tr><td>{escape(str(p.get('name')))}</td><td>{escape(str(p.get('distribution')))}</td>"
        f"<td>{escape(str(p.get('version')))}</td><td>{'built-in' if p.get('builtin') else 'external'}</td></tr>"
        for p in manifest.get("plugins", [])
    )
    failures = "".join(f"<li>{escape(str(f))}</li>" for f in manifest.get("plugin_failures", []))
    return (
        f'<dl>{items}</dl><h3>Plugins</h3><table id="plugins-table"><thead><tr><th>plugin</th><th>distribution</th>'
        f"<th>version</th><th>kind</th></tr></thead><tbody>{plugins}</tbody></table>"
        + (f"<h3>Plugins that failed to load</h3><ul>{failures}</ul>" if failures else "")
    )
