"""Accuracy analysis: error vs stream length from a unit's golden model, as rows, a terminal
table and a log-log plot.

``schw accuracy UNIT [params, comma lists allowed] --lengths 16,64,256,1024 [--json] [--plot F]``
calls :func:`rows_for` once per parameter set, then :func:`render_table` and :func:`plot`.
A row is the unit's accuracy row (``length``, ``mae``, ``rmse``, ``max_error``, ``bias``,
``cases``, ...) plus ``label`` (the parameters that name the configuration, without the
stream length) and ``params`` (the full parameter set).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .units.base import Unit

#: parameters that a row's length replaces; they never appear in labels
LENGTH_FIELDS = ("length",)
COLUMNS = (("length", "L", "d"), ("mae", "MAE", ".3e"), ("rmse", "RMSE", ".3e"),
           ("max_error", "max error", ".3e"), ("bias", "bias", "+.2e"), ("cases", "cases", "d"))


def label_for(unit: Unit, params) -> str:
    """``unit key=value ...`` over every parameter but the stream length, in field order."""
    parts = [f"{k}={v}" for k, v in params.as_dict().items() if k not in LENGTH_FIELDS]
    return " ".join([unit.name, *parts])


def rows_for(unit: Unit, params, lengths, seed: int = 1) -> list[dict]:
    """The unit's accuracy rows for ``lengths`` with ``label`` and ``params`` added.
    Raises NotImplementedError for units without a statistical error."""
    rows = unit.accuracy(params, [int(n) for n in lengths], seed=seed)
    label = label_for(unit, params)
    out = []
    for row in rows:
        out.append({"label": label, **row, "params": {k: v for k, v in params.as_dict().items()
                                                     if k not in LENGTH_FIELDS}})
    return out


def _fmt(value, spec: str) -> str:
    if value is None:
        return "-"
    try:
        return format(value, spec)
    except (TypeError, ValueError):
        return str(value)


def render_table(rows: list[dict]) -> str:
    """A plain-text table, one block per label (its rows in the given order)."""
    if not rows:
        return "(no rows)"
    heads = [h for _, h, _ in COLUMNS]
    body: list[tuple[str, list[str]]] = []
    for row in rows:
        body.append((row.get("label", ""), [_fmt(row.get(k), spec) for k, _, spec in COLUMNS]))
    widths = [max(len(h), *(len(cells[i]) for _, cells in body)) for i, h in enumerate(heads)]
    line = lambda cells: "  ".join(c.rjust(w) for c, w in zip(cells, widths))  # noqa: E731
    out, current = [], None
    for label, cells in body:
        if label != current:
            if out:
                out.append("")
            out += [label, line(heads), line(["-" * w for w in widths])]
            current = label
        out.append(line(cells))
    return "\n".join(out)


def plot(rows: list[dict], path) -> None:
    """Log-log RMSE (solid) and MAE (dotted) vs length per label, with 1/L and 1/sqrt(L)
    reference lines through the first RMSE point; written atomically (PNG by extension)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    if not rows:
        raise ValueError("no rows to plot")
    labels = list(dict.fromkeys(r["label"] for r in rows))
    fig, ax = plt.subplots(figsize=(7, 5), dpi=120)
    lengths_all = sorted({r["length"] for r in rows})
    lo, hi = lengths_all[0], lengths_all[-1]
    anchor = None
    for label in labels:
        rs = sorted((r for r in rows if r["label"] == label), key=lambda r: r["length"])
        xs = [r["length"] for r in rs]
        line, = ax.loglog(xs, [max(r["rmse"], 1e-12) for r in rs], "o-", label=f"{label} (RMSE)")
        ax.loglog(xs, [max(r["mae"], 1e-12) for r in rs], ":", color=line.get_color(), alpha=0.7)
        if anchor is None:
            anchor = (xs[0], max(rs[0]["rmse"], 1e-12))
    if anchor is not None and hi > lo:
        x0, y0 = anchor
        xs = [lo, hi]
        ax.loglog(xs, [y0 * x0 / x for x in xs], "k--", lw=0.8, label="1/L")
        ax.loglog(xs, [y0 * (x0 / x) ** 0.5 for x in xs], "k-.", lw=0.8, label="1/sqrt(L)")
    ax.set_xlabel("stream length L (cycles)")
    ax.set_ylabel("error (RMSE solid, MAE dotted)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    suffix = path.suffix or ".png"
    fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    try:
        fig.savefig(tmp, format=suffix.lstrip(".") or "png")
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
