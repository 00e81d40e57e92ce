"""``schw swamping``: the swamping figure of chunk-based accumulation (FP32, binary16 RNE,
binary16 stochastic rounding and binary16 chunked accumulation vs accumulation length), from
the hfp8 golden models."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import ParamError
from ..units.hfp8.golden import swamping
from ..units.hfp8.params import FORMATS

DEFAULT_LENGTHS = "16,64,256,1024,2048,4096,8192,12256,16336,16384"
DEFAULT_CHUNKS = "1,2,4,8,16,32,64,128,256"


def _ints(name: str, text: str, what: str, ok) -> list[int]:
    try:
        vals = [int(t, 0) for t in text.split(",") if t.strip()]
    except ValueError:
        vals = []
    if not vals or not all(ok(v) for v in vals):
        raise ParamError(name, what, text)
    return vals


def table(rows: list[dict]) -> str:
    lengths = sorted({r["length"] for r in rows})
    out = []
    for setup in dict.fromkeys(r["setup"] for r in rows):
        sub = [r for r in rows if r["setup"] == setup]
        methods = list(dict.fromkeys(r["method"] for r in sub))
        val = {(r["method"], r["length"]): r["value"] for r in sub}
        exact = {r["length"]: r["exact"] for r in sub}
        out.append(f"setup {setup}: accumulated value after n products")
        out.append(f"{'method':<16}" + "".join(f"{n:>10}" for n in lengths))
        out.append(f"{'exact':<16}" + "".join(f"{exact[n]:>10.6g}" for n in lengths))
        for m in methods:
            out.append(f"{m:<16}" + "".join(f"{val[(m, n)]:>10.6g}" for n in lengths))
        out.append("")
    return "\n".join(out).rstrip()


def draw(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    setups = list(dict.fromkeys(r["setup"] for r in rows))
    fig, axes = plt.subplots(1, len(setups), figsize=(6.5 * len(setups), 4.8), squeeze=False)
    for ax, setup in zip(axes[0], setups):
        sub = [r for r in rows if r["setup"] == setup]
        exact = sorted({(r["length"], r["exact"]) for r in sub})
        ax.plot([e[0] for e in exact], [e[1] for e in exact], "k:", lw=1, label="exact")
        for i, m in enumerate(dict.fromkeys(r["method"] for r in sub)):
            pts = sorted((r["length"], r["value"]) for r in sub if r["method"] == m)
            style = "--" if m in ("fp16-rn", "fp16-sr") else "-"
            ax.plot([p[0] for p in pts], [p[1] for p in pts], style, lw=1.4, color=plt.cm.tab20(i % 20), label=m)
        ax.set_xlabel("accumulation length")
        ax.set_ylabel("accumulated value")
        ax.set_title(f"swamping: {setup}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


@click.command("swamping")
@click.option("--lengths", default=DEFAULT_LENGTHS, show_default=True,
              help="accumulation lengths, comma separated (1..1048576)")
@click.option("--chunks", default=DEFAULT_CHUNKS, show_default=True,
              help="chunk lengths CL of the chunked binary16 accumulation (powers of two 1..4096)")
@click.option("--setup", default="same,dot", show_default=True,
              help="same: one value accumulated (--value * 1.0); dot: products of seeded random FP8 operands in [0, 2)")
@click.option("--format", "fmt", default="e4m3b11", show_default=True,
              help=f"FP8 format of the operands ({', '.join(FORMATS)})")
@click.option("--value", default=1.0, show_default=True, type=float,
              help="the value accumulated in setup 'same' (rounded to the FP8 format)")
@click.option("--rounding", default="rn,sr", show_default=True,
              help="unchunked binary16 methods to include: rn (fp16-rn), sr (fp16-sr)")
@click.option("--seed", default=1, show_default=True, type=int, help="LFSR seed (SR) and operand seed (dot)")
@click.option("--json", "as_json", is_flag=True, help="print the rows as JSON")
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="write the figure (PNG)")
def command(lengths, chunks, setup, fmt, value, rounding, seed, as_json, plot):
    """Accumulated value vs accumulation length: FP32, binary16 round-to-nearest, binary16
    stochastic rounding and binary16 chunk-based accumulation at each chunk length, for FP8
    products (numbers from the hfp8 golden models; fp16-chunk-* round to nearest)."""
    lens = _ints("lengths", lengths, "a comma-separated list of integers in 1..1048576, e.g. 256,4096,16384",
                 lambda n: 1 <= n <= 1 << 20)
    cls = _ints("chunks", chunks, "a comma-separated list of powers of two in 1..4096, e.g. 1,8,64,256",
                lambda n: 1 <= n <= 4096 and n & (n - 1) == 0)
    if fmt not in FORMATS:
        raise ParamError("format", "one of " + ", ".join(FORMATS), fmt)
    setups = [s.strip() for s in setup.split(",") if s.strip()]
    if not setups or any(s not in ("same", "dot") for s in setups):
        raise ParamError("setup", "a comma list of: same, dot", setup)
    modes = [s.strip() for s in rounding.split(",") if s.strip()]
    if any(m not in ("rn", "sr") for m in modes):
        raise ParamError("rounding", "a comma list of: rn, sr", rounding)
    if not (value == value) or abs(value) > 65504:
        raise ParamError("value", "a finite binary16 value", value)
    if seed < 0 or seed >= 2**32:
        raise ParamError("seed", "an integer in 0..2^32-1", seed)
    rows = []
    for s in setups:
        rows += swamping(lens, cls, s, fmt, value, seed)
    drop = {f"fp16-{m}" for m in ("rn", "sr") if m not in modes}
    rows = [r for r in rows if r["method"] not in drop]
    if plot is not None:
        from ..output import prepare_dir
        prepare_dir(plot.parent if str(plot.parent) else Path("."), "plot")
        draw(rows, plot)
    click.echo(json.dumps(rows, indent=2) if as_json else table(rows))
    if plot is not None and not as_json:
        click.echo(f"wrote {plot}")

