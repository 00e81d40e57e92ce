"""Per-cycle stimulus of the gradient-descent counters (NumPy): a directed prologue that drives
each counter into both saturation limits and holds it there, then seeded random cycles with
loads, idle cycles and corner operands. Arrays are (T,) per cycle or (T, M) per counter;
:func:`schw.units.gdc.golden.split_ports` turns them into Verilog ports."""

from __future__ import annotations

import numpy as np

from .golden import to_pattern
from .params import FxpAccParams, ScGdcParams, ScGdmParams, limits


def gdc_cycle_vectors(p: ScGdcParams, seed: int, count: int) -> dict[str, np.ndarray]:
    """Per-cycle stimulus as (T, M) arrays: a directed prologue that drives every counter into
    both limits and holds it there (saturation, no wrap), then ``count`` seeded random cycles
    with loads (half of them near the limits), idle cycles, corner operands and drifting
    segments that walk the counters towards a limit."""
    rng = np.random.default_rng(seed)
    mw, n = p.weights, p.operand_width
    nx, nd = getattr(p, "outer", None) or (mw, mw)
    size = {"w_in": mw, "x": nx, "x_sign": nx, "dp": nd, "dn": nd}
    lo, hi = limits(p.width)
    top = (1 << n) - 1
    cols = {k: [] for k in ("load", "en", "w_in", "x", "dp", "dn", "x_sign")}

    def cyc(load, en, w_in, x, dp, dn, xs):
        for k, v in zip(cols, (load, en, w_in, x, dp, dn, xs)):
            cols[k].append(np.broadcast_to(np.asarray(v, dtype=np.int64), () if k in ("load", "en") else (size[k],)))

    # bipolar: A=1,B=0 needs x=1 and dp=1 and dn=0, all as 1-streams / 0-streams -> use max and 0
    up = dict(x=top, dp=top, dn=0, xs=0)
    down = dict(x=top, dp=0, dn=top, xs=0)
    for start, push in ((hi - 1, up), (lo + 1, down), (hi, up), (lo, down)):
        cyc(1, 0, start, 0, 0, 0, 0)
        for _ in range(6):
            cyc(0, 1, 0, push["x"], push["dp"], push["dn"], push["xs"])
    cyc(1, 1, 0, 0, 0, 0, 0)  # load wins over en
    cyc(0, 0, 0, top, top, 0, 0)  # idle: holds
    corners = np.array([0, 1, top, 1 << (n - 1)])
    drift = 0
    for t in range(count):
        if t % 24 == 0:
            drift = rng.integers(-1, 2)
        if rng.random() < 0.04:
            near = rng.choice([lo, lo + 1, lo + 2, hi - 2, hi - 1, hi], size=mw)
            rand = rng.integers(lo, hi + 1, size=mw)
            cyc(1, rng.random() < 0.5, np.where(rng.random(mw) < 0.5, near, rand), 0, 0, 0, 0)
            continue
        x, dp, dn = (np.where(rng.random(k) < 0.2, corners[rng.integers(0, 4, size=k)], rng.integers(0, top + 1, size=k))
                     for k in (nx, nd, nd))
        if drift > 0:
            dp, dn = np.maximum(dp, dn), np.minimum(dp, dn) >> 2
        elif drift < 0:
            dp, dn = np.minimum(dp, dn) >> 2, np.maximum(dp, dn)
        if drift and p.coding == "bipolar":
            x = np.maximum(x, top - (top >> 3))
        cyc(0, rng.random() < 0.9, 0, x, dp, dn, rng.integers(0, 2, size=nx))
    out = {k: np.stack(v) for k, v in cols.items()}
    out["w_in"] = to_pattern(out["w_in"], p.width)
    if p.coding != "signed":
        del out["x_sign"]
    return out


def gdm_cycle_vectors(p: ScGdmParams, seed: int, count: int) -> dict[str, np.ndarray]:
    """Directed prologue (drive the counter into both limits with the largest gradients and
    hold it there, load wins over en, idle), then ``count`` seeded random cycles: drifting
    gradient segments, corner gradients, loads (half near the limits) and idle cycles."""
    rng = np.random.default_rng(seed)
    n = p.operand_width
    lo, hi = limits(p.width)
    gmin, gmax = -(1 << n), (1 << n) - 1
    rows = []  # (load, en, w_in, g)
    for start, g in ((hi - 1, gmin), (lo + 1, gmax), (hi, gmin), (lo, gmax)):
        rows.append((1, 0, start, 0))
        rows += [(0, 1, 0, g)] * 40
    rows += [(1, 1, 5, gmax), (0, 0, 0, gmax)]
    corners = np.array([gmin, gmin + 1, -1, 0, 1, gmax])
    drift = 0
    for t in range(count):
        if t % 32 == 0:
            drift = int(rng.integers(-1, 2))
        if rng.random() < 0.03:
            w = int(rng.choice([lo, lo + 1, hi - 1, hi])) if rng.random() < 0.5 else int(rng.integers(lo, hi + 1))
            rows.append((1, int(rng.random() < 0.5), w, 0))
            continue
        g = int(rng.integers(gmin, gmax + 1))
        if rng.random() < 0.15:
            g = int(rng.choice(corners))
        elif drift:
            g = drift * abs(g)
        rows.append((0, int(rng.random() < 0.9), 0, max(gmin, min(gmax, g))))
    a = np.array(rows, dtype=np.int64)
    return {"load": a[:, 0], "en": a[:, 1], "w_in": to_pattern(a[:, 2], p.width),
            "g": to_pattern(a[:, 3], n + 1)}


def fxp_cycle_vectors(p: FxpAccParams, seed: int, count: int) -> dict[str, np.ndarray]:
    """Prologue into both limits with the extreme products (incl. -2^N * -2^N), load over en,
    idle; then ``count`` seeded random cycles with corner operands and loads near the limits."""
    rng = np.random.default_rng(seed)
    n = p.operand_width
    lo, hi = limits(p.width)
    omin, omax = -(1 << n), (1 << n) - 1
    rows = []
    for start, x, d in ((hi - 1, omin, omin), (lo + 1, omax, omin), (hi, omax, omax), (lo, omin, omax)):
        rows.append((1, 0, start, 0, 0))
        rows += [(0, 1, 0, x, d)] * 4
    rows += [(1, 1, 3, omax, omax), (0, 0, 0, omax, omax)]
    # products on the rounding boundary: x * d = +-2^(s-1) (ties round up)
    half = 1 << max(p.shift - 1, 0)
    for x in (1, -1):
        if half <= omax:
            rows.append((0, 1, 0, x, half))
            rows.append((0, 1, 0, -x, half))
    corners = np.array([omin, omin + 1, -1, 0, 1, omax])
    for _ in range(count):
        if rng.random() < 0.04:
            w = int(rng.choice([lo, lo + 1, hi - 1, hi])) if rng.random() < 0.5 else int(rng.integers(lo, hi + 1))
            rows.append((1, int(rng.random() < 0.5), w, 0, 0))
            continue
        x, d = (int(rng.choice(corners)) if rng.random() < 0.2 else int(rng.integers(omin, omax + 1)) for _ in "xd")
        rows.append((0, int(rng.random() < 0.9), 0, x, d))
    a = np.array(rows, dtype=np.int64)
    n1 = n + 1
    return {"load": a[:, 0], "en": a[:, 1], "w_in": to_pattern(a[:, 2], p.width),
            "x": to_pattern(a[:, 3], n1), "d": to_pattern(a[:, 4], n1)}
