"""Gateware of the gradient-descent counters (Amaranth): :class:`ScGdcArray` (sc-gdc, one
counter with scalar ports, and sc-gdc-array), :class:`ScGdm` (sc-gdm) and :class:`FxpAcc`
(fxp-acc). The golden model they are checked against is :mod:`schw.units.gdc.golden`.

SC-GDC, after Liu, Jiang, Liu & Han, "Gradient Descent Using Stochastic Circuits for Efficient
Training of Learning Machines", IEEE TCAD 37(11), 2018. A weight is a saturating signed
W-bit up/down counter whose LSB is the step size 2^-k. Each enabled cycle the update term
``delta = x * (dp - dn)`` (= -gradient) becomes two stream bits A (``x * dp``) and B
(``x * dn``) from comparator SNGs, and the counter steps by A - B in {-1, 0, +1}, so
E[dw] = 2^-k * delta = -2^-k * g. Interface (per clock cycle, also in the manifest):
``load`` puts ``w_in`` into the counter (the SNGs hold); else ``en`` makes one update and
steps the SNGs; ``w`` is the counter (two's complement, LSB 2^-k) after the edge.
Synchronous reset: counter 0, SNGs at their initial state.

SC-GDM, schw's own design: no reference design of an SC-GDM is public (the seed talk shows
results only), so it is stated here and in the manifest. A binary velocity register ``v``
(signed, V = N + m + 1 bits) is updated by shift and subtract, ``v <- v - (v >>> m) + g``
(momentum beta = 1 - 2^-m), and the weight counter (saturating signed W bits, LSB 2^-k)
steps by stochastic +-1 LSB rounding of eta * v with eta = 2^-e, as in SC-GDC: one
comparator SNG turns ``P = min(|v| >> e, 2^N)`` into a bit, the counter moves by
-sign(v) * bit. So E[dw] = -2^-k * min(|v| >> e, 2^N) / 2^N * sign(v), i.e. float momentum
SGD ``v <- beta v + g; w <- w - eta' v`` with eta' = 2^-(k+e) on g / 2^N, up to the floors.
Interface (per cycle): ``load`` sets the counter to ``w_in`` and clears ``v`` (SNG holds);
else ``en`` makes one update with gradient ``g`` ((N+1)-bit two's complement, value g / 2^N)
and steps the SNG. ``w`` and ``v`` are the registers after the edge.

fxp-acc, the fixed-point weight-update datapath SC-GDC replaces (for the area comparison):
a W-bit signed weight register, a (N+1) x (N+1)-bit signed multiplier and a saturating
adder: ``w <- sat(w + round(x * d / 2^s))``, s = 2N - extra_bits, round half up. With
extra_bits = 0 the register LSB is the step size 2^-k, as in SC-GDC (the same W-bit weights;
the update is round-to-nearest of the very term SC-GDC rounds stochastically). Interface
(per cycle): ``load`` sets ``w`` to ``w_in``; else ``en`` adds the rounded product.
"""

from __future__ import annotations

from amaranth.hdl import Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from schw.sc.rtl import SngBank

from .params import FxpAccParams, ScGdcParams, ScGdmParams, channels_per_set, limits


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
        per = channels_per_set(p.shared)
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


class ScGdm(wiring.Component):
    """One SC-GDM weight. Parameters: a validated :class:`ScGdmParams`."""

    def __init__(self, p: ScGdmParams):
        self.p = p
        super().__init__({
            "load": In(1), "en": In(1),
            "w_in": In(signed(p.width)),
            "g": In(signed(p.operand_width + 1)),
            "w": Out(signed(p.width)),
            "v": Out(signed(p.velocity_width)),
        })

    def elaborate(self, platform):
        p = self.p
        m = Module()
        n, vw = p.operand_width, p.velocity_width
        m.submodules.sng = sng = SngBank(p.spec, 1, 1 << n)
        update = Signal()
        m.d.comb += [update.eq(self.en & ~self.load), sng.step.eq(update)]
        v = Signal(signed(vw))
        vn = Signal(signed(vw))  # fits: see schw.units.gdc.golden
        m.d.comb += vn.eq(v - (v >> p.momentum_exp) + self.g)
        mag = Signal(vw)
        m.d.comb += mag.eq(Mux(vn < 0, -vn, vn))
        shifted = Signal(vw)
        m.d.comb += shifted.eq(mag >> p.eta_exp)
        prob = Signal(n + 1)
        m.d.comb += prob.eq(Mux(shifted > (1 << n), 1 << n, shifted))
        bit = Signal()
        m.d.comb += bit.eq(sng.codes[0] < prob)
        cnt = Signal(signed(p.width))
        m.d.comb += [self.w.eq(cnt), self.v.eq(v)]
        with m.If(self.load):
            m.d.sync += [cnt.eq(self.w_in), v.eq(0)]
        with m.Elif(update):
            m.d.sync += [v.eq(vn), cnt.eq(step_saturating(m, cnt, bit & (vn < 0), bit & (vn > 0)))]
        return m


class FxpAcc(wiring.Component):
    """Fixed-point update datapath. Parameters: a validated :class:`FxpAccParams`."""

    def __init__(self, p: FxpAccParams):
        self.p = p
        n1 = p.operand_width + 1
        super().__init__({"load": In(1), "en": In(1), "w_in": In(signed(p.width)),
                          "x": In(signed(n1)), "d": In(signed(n1)), "w": Out(signed(p.width))})

    def elaborate(self, platform):
        p = self.p
        m = Module()
        n1, s = p.operand_width + 1, p.shift
        prod = Signal(signed(2 * n1))
        m.d.comb += prod.eq(self.x * self.d)
        delta = Signal(signed(2 * n1 + 1))
        m.d.comb += delta.eq((prod + (1 << (s - 1))) >> s if s > 0 else prod)
        wide = max(p.width, 2 * n1 + 1) + 1
        total = Signal(signed(wide))
        cnt = Signal(signed(p.width))
        lo, hi = limits(p.width)
        m.d.comb += [total.eq(cnt + delta), self.w.eq(cnt)]
        with m.If(self.load):
            m.d.sync += cnt.eq(self.w_in)
        with m.Elif(self.en):
            m.d.sync += cnt.eq(Mux(total > hi, hi, Mux(total < lo, lo, total)))
        return m
