"""Golden models of the gradient-descent counters: SC-GDC, SC-GDM and the fixed-point update.

All three keep a weight as a saturating signed W-bit integer ``cnt`` whose LSB is the step
size 2^-k (weight value ``cnt * 2**-k``). Every model is a *step function* on NumPy state
arrays, vectorized across weights: callers loop over clock cycles and hand in whole arrays
of operands (any broadcastable shape), so the same code serves the RTL regression (a few
counters, many cycles) and training (thousands of weights, one update per sample).

SC-GDC (Liu, Jiang, Liu & Han, IEEE TCAD 37(11), 2018)
    The update term is ``delta = x * (dp - dn)`` (``dp``/``dn``: the positive and negative
    parts of the error, so that ``delta = -g`` for the weight gradient ``g = x * (dn - dp)``).
    Per cycle the random codes turn it into two bits, ``A`` (for ``x * dp``) and ``B``
    (for ``x * dn``), and the counter steps by ``A - B`` in {-1, 0, +1}:

    ``unipolar``  A = (Rxa < x) AND (Rda < dp),  B = (Rxb < x) AND (Rdb < dn); values p = code / 2^N
    ``bipolar``   A = XNOR(Rxa < x, Rda < dp),  B = XNOR(Rxb < x, Rdb < dn); values 2p - 1,
                  E[A - B] = x (dp - dn) / 2 in bipolar values
    ``signed``    as unipolar, with ``x`` in sign-magnitude (``x_sign``): a negative ``x``
                  swaps A and B (the XOR of signs of sign-magnitude SC multiplication)

    ``shared``: ``Rxb = Rxa`` and ``Rdb = Rda`` (one random source, 2 code channels per
    counter); otherwise 4 independent channels (Rxa, Rda, Rxb, Rdb). With one source and
    unipolar/signed coding A and B nest, so A - B is never -1 and +1 in one run and
    Var[A - B] = |PA - PB| (1 - |PA - PB|) instead of PA (1 - PA) + PB (1 - PB).

SC-GDM (schw's own design; no reference design is public)
    Momentum on a binary velocity register ``v`` (signed, V = N + m + 1 bits; it never
    overflows: from |v| <= 2^(N+m) and |g| <= 2^N the update stays in [-2^(N+m), 2^(N+m) - 1]):
    ``v <- v - (v >>> m) + g`` (beta = 1 - 2^-m by shift and subtract; ``>>>`` arithmetic),
    then the weight steps by stochastic +-1 LSB rounding of ``eta * v`` with eta = 2^-e:
    ``P = min(|v| >> e, 2^N)``, bit = ``R < P``, counter ``-= sign(v) * bit``.
    ``g`` is a signed (N+1)-bit code, gradient value g / 2^N; E[step] = -(|v| >> e) / 2^N * sign(v).

fxp-acc (the fixed-point update datapath)
    ``cnt <- sat(cnt + round(x * d / 2^s))`` with ``s = 2N - extra_bits``, round half up
    (add 2^(s-1), arithmetic shift), x and d signed (N+1)-bit codes.
"""

from __future__ import annotations

import numpy as np

from schw.sc.golden import SngStream
from schw.sc.spec import SngSpec

from .params import channels_per_set, limits


def to_signed(values, width: int) -> np.ndarray:
    """Two's-complement bit patterns (as the ports carry them) -> signed integers."""
    v = np.asarray(values, dtype=np.int64) & ((1 << width) - 1)
    return np.where(v >> (width - 1), v - (1 << width), v)


def to_pattern(values, width: int) -> np.ndarray:
    """Signed integers -> unsigned two's-complement bit patterns of ``width`` bits."""
    return np.asarray(values, dtype=np.int64) & ((1 << width) - 1)


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


# -- SC-GDC -------------------------------------------------------------------------------

def gdc_bits(coding: str, shared: bool, codes, x, dp, dn, x_sign=None):
    """The two stream bits (A, B) of SC-GDC for one cycle.

    ``codes``: (..., per_set) random codes of each counter's source set (last axis: Rxa, Rda
    [, Rxb, Rdb]); ``x``, ``dp``, ``dn``: N-bit codes, broadcastable with ``codes[..., 0]``;
    ``x_sign``: 0/1 (signed coding only). Returns bool arrays A, B (A - B is the step).
    """
    codes = np.asarray(codes)
    rxa, rda = codes[..., 0], codes[..., 1]
    rxb, rdb = (rxa, rda) if shared else (codes[..., 2], codes[..., 3])
    return stream_bits(coding, rxa, rda, rxb, rdb, x, dp, dn, x_sign)


def stream_bits(coding: str, rxa, rda, rxb, rdb, x, dp, dn, x_sign=None):
    """A and B from the four comparator codes (equal pairs when the source is shared)."""
    xa, pa = rxa < x, rda < dp
    xb, pb = rxb < x, rdb < dn
    if coding == "bipolar":
        a, b = ~(xa ^ pa), ~(xb ^ pb)
    else:
        a, b = xa & pa, xb & pb
    if coding == "signed":
        neg = np.asarray(x_sign, dtype=bool)
        a, b = np.where(neg, b, a), np.where(neg, a, b)
    return a, b


def saturating_add(cnt, step, width: int) -> np.ndarray:
    lo, hi = limits(width)
    return np.clip(cnt + step, lo, hi)


class GdcArray:
    """State of an array of SC-GDC counters and their SNG bank: the golden model that both the
    RTL regression (:func:`gdc_run`) and training step. A source set is ``per`` consecutive
    code channels (Rxa, Rda [, Rxb, Rdb]).

    ``outer=None``: ``shape`` counters with their own operands; counter i (flat index) uses
    set i % ``sets``. ``outer=(rows, cols)``: the outer-product layout of a layer, counter
    (r, c) steps with row operand ``x[r]`` and column operands ``dp[c]``, ``dn[c]``; the x
    comparators of row r use set r % sets, the d comparators of column c set c % sets, so
    each comparator exists once per row or column, not once per counter.
    """

    def __init__(self, coding: str, shared: bool, width: int, spec: SngSpec, shape, sets: int, outer=None):
        self.coding, self.shared, self.width = coding, shared, width
        self.shape = tuple(outer) if outer else tuple(shape)
        self.outer = outer
        size = int(np.prod(self.shape))
        self.per, self.sets = channels_per_set(shared), sets
        self.stream = SngStream(spec, self.per * sets)
        if outer:
            self._rows, self._cols = np.arange(outer[0]) % sets, np.arange(outer[1]) % sets
        self._which = None if sets == size else np.arange(size) % sets
        self.cnt = np.zeros(self.shape, dtype=np.int64)

    def codes(self) -> np.ndarray:
        """Each counter's codes, shape (*shape, per) (per-counter layout)."""
        c = self.stream.codes.reshape(self.sets, self.per)
        if self._which is not None:
            c = c[self._which]
        return c.reshape(*self.shape, self.per)

    def split_codes(self):
        """(Rxa, Rda, Rxb, Rdb), each broadcastable to ``shape``."""
        if self.outer:
            c = self.stream.codes.reshape(self.sets, self.per)
            rc, cc = c[self._rows], c[self._cols]
            rxa, rda = rc[:, 0][:, None], cc[:, 1][None, :]
            rxb, rdb = (rxa, rda) if self.shared else (rc[:, 2][:, None], cc[:, 3][None, :])
            return rxa, rda, rxb, rdb
        c = self.codes()
        rxa, rda = c[..., 0], c[..., 1]
        rxb, rdb = (rxa, rda) if self.shared else (c[..., 2], c[..., 3])
        return rxa, rda, rxb, rdb

    def load(self, values) -> None:
        self.cnt = np.broadcast_to(np.asarray(values, dtype=np.int64), self.shape).copy()

    def update(self, x, dp, dn, x_sign=None) -> np.ndarray:
        """One enabled cycle: counters += A - B (saturating), SNGs step. Returns A - B.
        Outer layout: ``x``, ``x_sign`` per row (rows,), ``dp``, ``dn`` per column (cols,)."""
        if self.outer:
            x = np.asarray(x)[:, None]
            dp, dn = np.asarray(dp)[None, :], np.asarray(dn)[None, :]
            x_sign = None if x_sign is None else np.asarray(x_sign)[:, None]
        a, b = stream_bits(self.coding, *self.split_codes(), x, dp, dn, x_sign)
        step = a.astype(np.int64) - b
        self.cnt = saturating_add(self.cnt, step, self.width)
        self.stream.step()
        return step


def gdc_run(p, inputs: dict[str, np.ndarray], weights: int, sets: int, outer=None) -> dict[str, np.ndarray]:
    """Cycle-exact SC-GDC array (``weights`` counters; layouts as in :class:`GdcArray`).

    ``inputs``: per-cycle arrays ``load``, ``en`` (T,), ``w_in`` (T, weights) as W-bit
    patterns, ``x``, ``dp``, ``dn`` [, ``x_sign``] (T, weights) or, outer layout, (T, rows)
    and (T, cols). Returns ``w`` (T, weights): the counters (row-major) after each clock
    edge, as W-bit patterns.
    """
    arr = GdcArray(p.coding, p.shared, p.width, p.spec, (weights,), sets, outer)
    load, en = np.asarray(inputs["load"]), np.asarray(inputs["en"])
    w_in = to_signed(inputs["w_in"], p.width)
    out = np.empty((len(load), weights), dtype=np.int64)
    for t in range(len(load)):
        if load[t]:
            arr.load(w_in[t].reshape(arr.shape))
        elif en[t]:
            arr.update(inputs["x"][t], inputs["dp"][t], inputs["dn"][t],
                       inputs["x_sign"][t] if p.coding == "signed" else None)
        out[t] = arr.cnt.reshape(-1)
    return {"w": to_pattern(out, p.width)}


def gdc_update_value(coding: str, width: int, x, dp, dn, x_sign=None) -> np.ndarray:
    """The update term delta = -g as a real number (weight LSBs per cycle) from the operand
    codes, straight from the coding's definition: what E[A - B] must be for ideal, uniform
    random codes."""
    s = 1 << width
    x, dp, dn = (np.asarray(v, dtype=float) / s for v in (x, dp, dn))
    if coding == "bipolar":
        return (2 * x - 1) * ((2 * dp - 1) - (2 * dn - 1)) / 2
    if coding == "signed":
        return np.where(np.asarray(x_sign, dtype=bool), -1.0, 1.0) * x * (dp - dn)
    return x * (dp - dn)


# -- SC-GDM -------------------------------------------------------------------------------

def gdm_step(p, cnt, v, g, code):
    """One enabled SC-GDM cycle for arrays of counters: returns (cnt, v). ``g``: signed
    gradient codes; ``code``: each counter's random code (N bits)."""
    vn = v - (v >> p.momentum_exp) + g
    prob = np.minimum(np.abs(vn) >> p.eta_exp, 1 << p.operand_width)
    bit = (code < prob).astype(np.int64)
    step = np.where(vn > 0, -bit, bit)  # vn == 0 gives prob 0, bit 0
    return saturating_add(cnt, step, p.width), vn


def gdm_run(p, inputs: dict[str, np.ndarray], weights: int = 1) -> dict[str, np.ndarray]:
    """Cycle-exact SC-GDM (counter i uses code channel i). ``inputs``: ``load``, ``en`` (T,),
    ``w_in`` (W-bit patterns), ``g`` ((N+1)-bit patterns), (T,) or (T, weights).
    Returns ``w`` and ``v`` after each edge as bit patterns, shaped like ``w_in``."""
    stream = SngStream(p.spec, weights)
    cnt = np.zeros(weights, dtype=np.int64)
    v = np.zeros(weights, dtype=np.int64)
    load, en = np.asarray(inputs["load"]), np.asarray(inputs["en"])
    shape = np.shape(inputs["w_in"])
    w_in = to_signed(inputs["w_in"], p.width).reshape(len(load), weights)
    g = to_signed(inputs["g"], p.operand_width + 1).reshape(len(load), weights)
    w_out = np.empty((len(load), weights), dtype=np.int64)
    v_out = np.empty((len(load), weights), dtype=np.int64)
    for t in range(len(load)):
        if load[t]:
            cnt, v = w_in[t].copy(), np.zeros(weights, dtype=np.int64)
        elif en[t]:
            cnt, v = gdm_step(p, cnt, v, g[t], stream.codes)
            stream.step()
        w_out[t], v_out[t] = cnt, v
    return {"w": to_pattern(w_out, p.width).reshape(shape), "v": to_pattern(v_out, p.velocity_width).reshape(shape)}


# -- fixed point --------------------------------------------------------------------------

def fxp_delta(operand_width: int, extra_bits: int, x, d) -> np.ndarray:
    """round(x * d / 2^s), s = 2N - extra_bits, round half up (towards +inf on ties)."""
    prod = np.asarray(x, dtype=np.int64) * np.asarray(d, dtype=np.int64)
    s = 2 * operand_width - extra_bits
    return (prod + (1 << (s - 1))) >> s if s > 0 else prod


def fxp_run(p, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Cycle-exact fxp-acc: ``load``, ``en``, ``w_in`` (W-bit patterns), ``x``, ``d``
    ((N+1)-bit patterns), all (T,). Returns ``w`` after each edge (patterns)."""
    n1 = p.operand_width + 1
    load, en = np.asarray(inputs["load"]), np.asarray(inputs["en"])
    w_in = to_signed(inputs["w_in"], p.width)
    delta = fxp_delta(p.operand_width, p.extra_bits, to_signed(inputs["x"], n1), to_signed(inputs["d"], n1))
    lo, hi = limits(p.width)
    out = np.empty(len(load), dtype=np.int64)
    cnt = 0
    for t in range(len(load)):  # a scalar recurrence: one weight, so no vector axis to use
        if load[t]:
            cnt = int(w_in[t])
        elif en[t]:
            cnt = min(max(cnt + int(delta[t]), lo), hi)
        out[t] = cnt
    return {"w": to_pattern(out, p.width)}
