"""sc-gdc and sc-gdc-array: stochastic-computing gradient-descent counters (SC-GDC).

After Liu, Jiang, Liu & Han, "Gradient Descent Using Stochastic Circuits for Efficient
Training of Learning Machines", IEEE TCAD 37(11), 2018. A weight is a saturating signed
W-bit up/down counter whose LSB is the step size 2^-k. Each enabled cycle the update term
``delta = x * (dp - dn)`` (= -gradient) becomes two stream bits A (``x * dp``) and B
(``x * dn``) from comparator SNGs, and the counter steps by A - B in {-1, 0, +1}, so
E[dw] = 2^-k * delta = -2^-k * g. See :mod:`schw.gdc` for the codings and the golden model.

Interface (per clock cycle, also in the manifest): ``load`` puts ``w_in`` into the counter
(the SNGs hold); else ``en`` makes one update and steps the SNGs; ``w`` is the counter
(two's complement, LSB 2^-k) after the edge. Synchronous reset: counter 0, SNGs at their
initial state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from amaranth.hdl import Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .. import gdc
from ..errors import ParamError
from ..params import Params, boolean, choice, int_range, param
from schw.sc.spec import COMPARATOR_RULE, SngSpec, SOBOL_MAX_DIM
from schw.sc.rtl import SngBank
from schw.registry import register
from .base import Unit

CODINGS = ("unipolar", "bipolar", "signed")


@dataclass(frozen=True)
class ScGdcParams(Params):
    width: int = param(16, int_range(4, 32), "counter width W in bits (signed, saturating)")
    step_exp: int = param(10, int_range(0, 32), "k: the counter LSB is the step size 2^-k")
    operand_width: int = param(8, int_range(2, 16), "N: operand and SNG code width (p = code / 2^N)")
    coding: str = param("unipolar", choice(*CODINGS),
                        "unipolar (AND), bipolar (XNOR, value 2p-1) or signed (sign-magnitude x steers A/B)")
    shared: bool = param(True, boolean(), "delta+ and delta- share one random source (else independent)")
    sng: str = param("lfsr", choice("lfsr", "sobol"), "stochastic number generator")
    seed: int = param(0, int_range(0, 2**32 - 1), "SNG seed")

    @property
    def spec(self) -> SngSpec:
        return SngSpec(self.sng, self.operand_width, self.seed)

    @property
    def weights(self) -> int:
        return 1

    @property
    def source_sets(self) -> int:
        return 1

    @property
    def channels(self) -> int:
        return gdc.gdc_channels_per_set(self.shared) * self.source_sets


@dataclass(frozen=True)
class ScGdcArrayParams(ScGdcParams):
    weights: int = param(4, int_range(1, 64), "M: number of counters updated in parallel")
    source_sets: int = param(1, int_range(1, 64),
                             "independent random-source sets shared across the array (counter i uses set i mod S)")
    cols: int = param(0, int_range(0, 64), "0: operands per counter; C: outer-product layout of M/C rows x C "
                      "columns, x per row and dp/dn per column (one comparator per row/column)")

    def check(self):
        if self.cols and self.weights % self.cols:
            raise ParamError("cols", f"0 or a divisor of --weights {self.weights}", self.cols)
        most = max(self.rows, self.cols) if self.cols else self.weights
        if self.source_sets > most:
            what = "rows or columns" if self.cols else "--weights"
            raise ParamError("source_sets", f"an integer in 1..{most} (at most the number of {what})", self.source_sets)
        if self.sng == "sobol" and self.channels > SOBOL_MAX_DIM:
            per = gdc.gdc_channels_per_set(self.shared)
            raise ParamError("source_sets", f"an integer in 1..{SOBOL_MAX_DIM // per} with sobol "
                             f"({per} Sobol dimensions per set, {SOBOL_MAX_DIM} available)", self.source_sets)

    @property
    def rows(self) -> int:
        return self.weights // self.cols if self.cols else self.weights

    @property
    def outer(self):
        return (self.rows, self.cols) if self.cols else None


class ScGdcArray(wiring.Component):
    """M SC-GDC counters with a shared SNG bank. Parameters: validated params, ``scalar``
    (one counter with scalar ports ``x``, ``w``... instead of arrays ``x__i``, ``w__i``).
    In the outer-product layout ``x``/``x_sign`` have one entry per row, ``dp``/``dn`` one
    per column, and counter ``i = r * cols + c``."""

    def __init__(self, p: ScGdcParams, scalar: bool = False):
        self.p, self.scalar = p, scalar
        n, w = p.operand_width, p.width
        outer = getattr(p, "outer", None)
        nx, nd = outer if outer else (p.weights, p.weights)

        def port(flow, shape, count):
            return flow(shape) if scalar else flow(shape).array(count)

        sig = {"load": In(1), "en": In(1), "w_in": port(In, signed(w), p.weights),
               "x": port(In, n, nx), "dp": port(In, n, nd), "dn": port(In, n, nd)}
        if p.coding == "signed":
            sig["x_sign"] = port(In, 1, nx)
        sig["w"] = port(Out, signed(w), p.weights)
        super().__init__(sig)

    def _each(self, name):
        v = getattr(self, name)
        return [v] if self.scalar else list(v)

    def elaborate(self, platform):
        p = self.p
        m = Module()
        per = gdc.gdc_channels_per_set(p.shared)
        m.submodules.sng = sng = SngBank(p.spec, p.channels, 1 << p.operand_width)
        update = Signal()
        m.d.comb += [update.eq(self.en & ~self.load), sng.step.eq(update)]
        outer = getattr(p, "outer", None)

        def chan(index, j):
            return sng.codes[(index % p.source_sets) * per + (j if not p.shared else j % 2)]

        # comparators: one per row (x) and per column (dp, dn) in the outer layout, else per counter
        xs_in = self._each("x")
        signs = self._each("x_sign") if p.coding == "signed" else [None] * len(xs_in)
        xa, xb = [], []
        for r, x in enumerate(xs_in):
            sa, sb = Signal(name=f"xa{r}"), Signal(name=f"xb{r}")
            m.d.comb += [sa.eq(chan(r, 0) < x), sb.eq(chan(r, 2) < x)]
            xa.append(sa)
            xb.append(sb)
        pa, pb = [], []
        for c, (dp, dn) in enumerate(zip(self._each("dp"), self._each("dn"))):
            sa, sb = Signal(name=f"pa{c}"), Signal(name=f"pb{c}")
            m.d.comb += [sa.eq(chan(c, 1) < dp), sb.eq(chan(c, 3) < dn)]
            pa.append(sa)
            pb.append(sb)
        for i, (w_in, w) in enumerate(zip(self._each("w_in"), self._each("w"))):
            r, c = divmod(i, outer[1]) if outer else (i, i)
            a, b = Signal(name=f"a{i}"), Signal(name=f"b{i}")
            if p.coding == "bipolar":
                m.d.comb += [a.eq(~(xa[r] ^ pa[c])), b.eq(~(xb[r] ^ pb[c]))]
            elif p.coding == "unipolar":
                m.d.comb += [a.eq(xa[r] & pa[c]), b.eq(xb[r] & pb[c])]
            else:
                m.d.comb += [a.eq(Mux(signs[r], xb[r] & pb[c], xa[r] & pa[c])),
                             b.eq(Mux(signs[r], xa[r] & pa[c], xb[r] & pb[c]))]
            cnt = Signal(signed(p.width), name=f"cnt{i}")
            m.d.comb += w.eq(cnt)
            with m.If(self.load):
                m.d.sync += cnt.eq(w_in)
            with m.Elif(update):
                m.d.sync += cnt.eq(step_saturating(m, cnt, a & ~b, b & ~a, f"{i}"))
        return m


def step_saturating(m: Module, cnt: Signal, up, down, tag: str = ""):
    """``cnt + 1`` if ``up``, ``cnt - 1`` if ``down``, else ``cnt``; never past the limits.

    An up/down counter rather than an adder: counting up toggles every bit below and at the
    lowest 0, counting down every bit below and at the lowest 1, so with ``f = cnt`` (up) or
    ``~cnt`` (down) bit i toggles when ``f[0..i-1]`` are all 1 (a prefix AND). The step would
    wrap exactly when the toggle reaches the sign bit and ``f``'s sign bit is 0 (up from the
    maximum, down from the minimum); then the counter holds.
    """
    width = len(cnt)
    flip = Signal(width, name=f"flip{tag}")
    m.d.comb += flip.eq(Mux(down, ~cnt, cnt))
    carry = Signal(width, name=f"carry{tag}")  # carry[i]: bits 0..i-1 of flip all 1
    m.d.comb += carry[0].eq(1)
    for i in range(1, width):
        m.d.comb += carry[i].eq(carry[i - 1] & flip[i - 1])
    wraps = Signal(name=f"wraps{tag}")
    m.d.comb += wraps.eq(carry[width - 1] & ~flip[width - 1])
    move = Signal(name=f"move{tag}")
    m.d.comb += move.eq((up | down) & ~wraps)
    return cnt ^ (carry & move.replicate(width))


# -- vectors --------------------------------------------------------------------------------

def gdc_cycle_vectors(p, seed: int, count: int) -> dict[str, np.ndarray]:
    """Per-cycle stimulus as (T, M) arrays: a directed prologue that drives every counter into
    both limits and holds it there (saturation, no wrap), then ``count`` seeded random cycles
    with loads (half of them near the limits), idle cycles, corner operands and drifting
    segments that walk the counters towards a limit."""
    rng = np.random.default_rng(seed)
    mw, n = p.weights, p.operand_width
    nx, nd = getattr(p, "outer", None) or (mw, mw)
    size = {"w_in": mw, "x": nx, "x_sign": nx, "dp": nd, "dn": nd}
    lo, hi = gdc.limits(p.width)
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
    out["w_in"] = gdc.to_pattern(out["w_in"], p.width)
    if p.coding != "signed":
        del out["x_sign"]
    return out


def split_ports(arrays: dict[str, np.ndarray], scalar: bool) -> dict[str, np.ndarray]:
    """(T,) / (T, M) arrays -> one array per Verilog port (``x`` or ``x__0``, ``x__1``...)."""
    ports = {}
    for k, v in arrays.items():
        if v.ndim == 1:
            ports[k] = v
        elif scalar:
            ports[k] = v[:, 0]
        else:
            for i in range(v.shape[1]):
                ports[f"{k}__{i}"] = v[:, i]
    return ports


def join_ports(ports: dict[str, np.ndarray], names, scalar: bool) -> dict[str, np.ndarray]:
    """The inverse of :func:`split_ports`."""
    out = {}
    for k in names:
        if k in ("load", "en"):
            out[k] = np.asarray(ports[k])
        elif scalar:
            out[k] = np.asarray(ports[k])[:, None]
        else:
            count = sum(1 for name in ports if name.startswith(k + "__") and name[len(k) + 2:].isdigit())
            out[k] = np.stack([np.asarray(ports[f"{k}__{i}"]) for i in range(count)], axis=1)
    return out


class _GdcBase(Unit):
    Params = ScGdcParams
    testbench = "tb_gdc"
    default_vectors = 400
    scalar = True

    def component(self, p):
        return ScGdcArray(p, scalar=self.scalar)

    def manifest_extra(self, p):
        per = gdc.gdc_channels_per_set(p.shared)
        sfx = "" if self.scalar else "__i"
        ch = {"Rxa": 0, "Rda": 1} if p.shared else {"Rxa": 0, "Rda": 1, "Rxb": 2, "Rdb": 3}
        return {
            "interface": {
                "kind": "per-cycle (no handshake): inputs sampled at each rising edge, w is the register",
                "load": f"1: w{sfx} <= w_in{sfx}; SNGs hold (wins over en)",
                "en": "1 (and load 0): one update, counter += A - B (saturating), SNGs step",
                f"w{sfx}": f"counter, {p.width}-bit two's complement, weight = w * 2^-{p.step_exp}",
                f"x{sfx}, dp{sfx}, dn{sfx}": f"{p.operand_width}-bit codes; update term delta = x * (dp - dn)"
                + (f"; outer layout: x__r per row (r < {p.rows}), dp__c/dn__c per column (c < {p.cols}), "
                   "counter i = r * cols + c" if getattr(p, "outer", None) else ""),
                **({f"x_sign{sfx}": "1: x is negative (swaps A and B)"} if p.coding == "signed" else {}),
                "reset": "synchronous: counters 0, SNGs to their initial state",
            },
            "streams": {
                "unipolar": "A = (Rxa < x) & (Rda < dp), B = (Rxb < x) & (Rdb < dn)",
                "bipolar": "A = ~((Rxa < x) ^ (Rda < dp)), B = ~((Rxb < x) ^ (Rdb < dn))",
                "signed": "as unipolar; x_sign = 1 swaps A and B",
            }[p.coding],
            "update": f"counter += A - B, saturating at [{gdc.limits(p.width)[0]}, {gdc.limits(p.width)[1]}]; "
                      f"E[dw] = 2^-{p.step_exp} * E[A - B] = -2^-{p.step_exp} * g",
            "expected_step": {
                "unipolar": "x (dp - dn) / 2^(2N)",
                "bipolar": "xb (dpb - dnb) / 2 with xb = 2x/2^N - 1 etc.",
                "signed": "(-1)^x_sign x (dp - dn) / 2^(2N)",
            }[p.coding],
            "comparator_rule": COMPARATOR_RULE,
            "sng": {"kind": p.sng, "width": p.operand_width, "seed": p.seed, "shared_source": p.shared,
                    "channels_per_set": ch, "source_sets": p.source_sets,
                    "counter_to_set": ("row r's x comparators use set r mod source_sets, column c's dp/dn "
                                       "comparators set c mod source_sets; counter i = r * cols + c"
                                       if getattr(p, "outer", None) else
                                       "counter i uses set i mod source_sets"),
                    "set_channels": f"set s is channels s * {per} .. s * {per} + {per - 1}",
                    "sobol_index_modulo": 1 << p.operand_width,
                    "channels": p.spec.describe(p.channels)},
        }

    def vectors(self, p, seed, count):
        return split_ports(gdc_cycle_vectors(p, seed, count), self.scalar)

    def golden(self, p, inputs):
        names = ["load", "en", "w_in", "x", "dp", "dn"] + (["x_sign"] if p.coding == "signed" else [])
        arrays = join_ports(inputs, names, self.scalar)
        return split_ports(gdc.gdc_run(p, arrays, p.weights, p.source_sets, getattr(p, "outer", None)), self.scalar)


@register
class ScGdcUnit(_GdcBase):
    name = "sc-gdc"
    Params = ScGdcParams
    summary = "SC gradient-descent counter: one weight, saturating W-bit up/down counter stepped by A - B"


@register
class ScGdcArrayUnit(_GdcBase):
    name = "sc-gdc-array"
    Params = ScGdcArrayParams
    summary = "M SC-GDC counters updated in parallel; random sources shared across the array"
    scalar = False
    default_vectors = 250
