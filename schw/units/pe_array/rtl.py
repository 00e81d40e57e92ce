"""pe-array gateware: the PEs, the array elaborated by Amaranth, and the emitted Verilog.

The generated top includes the input skew and the output de-skew, so a user streams plain
vectors: one column of A and one row of B per step (``os``), or one row of A per step against
preloaded weights (``ws``). PE type and dataflow are fixed at generation time. The full contract
(ports, loading, draining, latency and throughput in R, C, K) is in :mod:`.contract` and
:mod:`.timing` and docs/pe_array.md; the golden model and the cycle model are in :mod:`.golden`.

Every PE is a "MAC with a 1-step registered result": ``result <= a*b + c`` when ``en``
(int8: signed 8x8 -> 32-bit, wrapping; fp16: one FP16-PE fma, rounding mode fixed; sc: a
k-term SC dot product over L cycles, ``result <= c + ones``). All array registers advance on
``step`` (every cycle for int8/fp16, every L+1 cycles for sc), so one timing model serves all.

Emission (:func:`emit_verilog`): the top is ``pe_array_{os,ws}.v.tmpl`` beside this module
(generate loops; constant size in R and C, so 64x64 generates in about a second) and the PE is
an Amaranth component emitted once as its own module. :class:`PeArray` is the same array
elaborated entirely by Amaranth: a second implementation of the contract, used by the tests
(and, with ``fault=``, as broken arrays).
"""

from __future__ import annotations

from amaranth.back import verilog
from amaranth.hdl import Cat, ClockSignal, Const, Instance, Module, Mux, ResetSignal, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from schw.output import template
from schw.units.fp16_pe.params import Fp16PeParams
from schw.units.fp16_pe.rtl import Fp16Pe
from schw.units.sc_dot.params import ScDotParams
from schw.units.sc_dot.rtl import ScDot

from . import timing, unary_rtl
from .hfp8_rtl import Hfp8MacPe, sr_start, template_ports
from .params import PeArrayParams


# ---------------------------------------------------------------------------------------------
# PEs: en, a, b, c -> result (registered, written at the step edge where en is high for
# int8/fp16; for sc written when the dot product finishes, L cycles after the start).
class Int8Pe(wiring.Component):
    """Signed 8x8 multiply into a 32-bit accumulator: ``result <= c + a*b`` (mod 2^32) when ``en``."""

    def __init__(self):
        super().__init__({"en": In(1), "a": In(8), "b": In(8), "c": In(32), "result": Out(32)})

    def elaborate(self, platform):
        m = Module()
        with m.If(self.en):
            m.d.sync += self.result.eq(self.c + self.a.as_signed() * self.b.as_signed())
        return m


class Fp16MacPe(wiring.Component):
    """The FP16 PE (combinational fma, S=0) with one result register: ``result <= fma(a, b, c)``."""

    def __init__(self, acc: str, rm: int):
        self.acc, self.rm = acc, rm
        w = 16 if acc == "fp16" else 32
        super().__init__({"en": In(1), "a": In(16), "b": In(16), "c": In(w), "result": Out(w)})

    def elaborate(self, platform):
        m = Module()
        m.submodules.fma = fma = Fp16Pe(Fp16PeParams(stages=0, acc=self.acc))
        m.d.comb += [fma.in_valid.eq(self.en), fma.op.eq(0), fma.rm.eq(self.rm),
                     fma.a.eq(self.a), fma.b.eq(self.b), fma.c.eq(self.c)]
        with m.If(self.en):
            m.d.sync += self.result.eq(fma.result)
        return m


class ScMacPe(wiring.Component):
    """The sc-dot PE: on ``en`` latches ``c`` and starts a k-term XNOR/APC dot product of the
    k codes in ``a`` and ``b``; from the next step (L + 1 cycles later) ``result = c + ones``
    (mod 2^32), held until the step after the next ``en``."""

    def __init__(self, scp: ScDotParams):
        self.scp = scp
        lw = scp.inputs * scp.width
        super().__init__({"en": In(1), "a": In(lw), "b": In(lw), "c": In(32), "result": Out(32)})

    def elaborate(self, platform):
        p = self.scp
        m = Module()
        m.submodules.dot = dot = ScDot(p)
        c_l = Signal(32)
        m.d.comb += dot.start.eq(self.en)
        for i in range(p.inputs):
            m.d.comb += [dot.a[i].eq(self.a[i * p.width:(i + 1) * p.width]),
                         dot.b[i].eq(self.b[i * p.width:(i + 1) * p.width])]
        with m.If(self.en):
            m.d.sync += c_l.eq(self.c)
        # dot.result is updated when done rises (L edges after the start edge) and held until the
        # next done, so c_l + dot.result is the new partial sum from the next step (L + 1 cycles) on
        m.d.comb += self.result.eq(c_l + dot.result)
        return m


def make_pe(p: PeArrayParams) -> wiring.Component:
    if p.pe == "int8":
        return Int8Pe()
    if p.pe == "fp16":
        return Fp16MacPe(p.acc, p.rm_code)
    if p.pe == "hfp8":
        return Hfp8MacPe(p.hfp8_params(), p.dataflow)
    return ScMacPe(p.sc_params())


class _PePorts:
    def __init__(self, w, acc, name):
        self.en = Signal(name=f"{name}_en")
        self.a = Signal(w, name=f"{name}_a")
        self.b = Signal(w, name=f"{name}_b")
        self.c = Signal(acc, name=f"{name}_c")
        self.result = Signal(acc, name=f"{name}_result")


# ---------------------------------------------------------------------------------------------
def _lane(bus, i, w):
    return bus[i * w:(i + 1) * w]


def array_signature(p: PeArrayParams) -> dict:
    R, C, W, A = p.R, p.C, p.lane_width, p.acc_width
    sig = {"in_valid": In(1), "in_last": In(1), "in_ready": Out(1), "a": In(R * W)}
    if p.dataflow == "os":
        sig["b"] = In(C * W)
    else:
        sig.update({"psum": In(C * A), "w_valid": In(1), "w_ready": Out(1), "w": In(C * W)})
    sig.update({"out_valid": Out(1), "out": Out(C * A)})
    return sig


class PeArray(wiring.Component):
    """R x C systolic array with input skew and output de-skew. Parameters: :class:`PeArrayParams`.

    ``pe_module``: instantiate this Verilog module (ports clk, rst, en, a, b, c, result) for every
    PE instead of elaborating the PE component R x C times (fast generation of large arrays).
    ``fault`` (tests only) builds a deliberately wrong array with the same interface.
    """

    def __init__(self, p: PeArrayParams, fault: str | None = None, pe_module: str | None = None):
        self.p = p
        self.fault = fault
        self.pe_module = pe_module
        super().__init__(array_signature(p))

    # all sequential logic goes through here so that it advances on ``step`` only
    def _sync(self, m, *stmts):
        with m.If(self._step):
            m.d.sync += list(stmts)

    def _delay(self, m, sig, n, name):
        """``sig`` delayed by n steps (a chain of n registers)."""
        cur = sig
        for d in range(n):
            r = Signal(len(sig), name=f"{name}_d{d}")
            self._sync(m, r.eq(cur))
            cur = r
        return cur

    def elaborate(self, platform):
        p = self.p
        m = Module()
        P = p.step_cycles
        self._step = step = Signal()
        if P == 1:
            m.d.comb += step.eq(1)
        else:
            cnt = Signal(range(P))
            m.d.sync += cnt.eq(Mux(cnt == P - 1, 0, cnt + 1))
            m.d.comb += step.eq(cnt == 0)
        if p.dataflow == "os":
            self._os(m)
        else:
            self._ws(m)
        return m

    def _pes(self, m):
        p = self.p
        if self.pe_module is None:
            pes = [[make_pe(p) for _ in range(p.C)] for _ in range(p.R)]
            for r in range(p.R):
                for c in range(p.C):
                    m.submodules[f"pe_{r}_{c}"] = pes[r][c]
            return pes
        # one Verilog module for the PE (see emit_verilog), instantiated R x C times
        W, A = p.lane_width, p.acc_width
        pes = [[_PePorts(W, A, f"pe_{r}_{c}") for c in range(p.C)] for r in range(p.R)]
        for r in range(p.R):
            for c in range(p.C):
                q = pes[r][c]
                m.submodules[f"pe_{r}_{c}"] = Instance(
                    self.pe_module, i_clk=ClockSignal(), i_rst=ResetSignal(),
                    i_en=q.en, i_a=q.a, i_b=q.b, i_c=q.c, o_result=q.result)
        return pes

    def _deskew_out(self, m, cols):
        """Column j delayed by C-1-j steps, concatenated into ``out``."""
        p = self.p
        lanes = [self._delay(m, cols[j], p.C - 1 - j, f"dsk{j}") for j in range(p.C)]
        m.d.comb += self.out.eq(Cat(*lanes))

    # -- output stationary ---------------------------------------------------------------------
    def _os(self, m):
        p = self.p
        R, C, W, A = p.R, p.C, p.lane_width, p.acc_width
        step = self._step
        spacing = timing.steps(p, "last_spacing")
        first_pending = Signal(init=1)
        since_last = Signal(range(spacing + 1), init=spacing)
        accept = Signal()
        m.d.comb += [self.in_ready.eq(step & (~self.in_last | (since_last >= spacing))),
                     accept.eq(self.in_valid & self.in_ready)]
        with m.If(accept):
            self._sync(m, first_pending.eq(self.in_last))
        with m.If(accept & self.in_last):
            self._sync(m, since_last.eq(1))
        with m.Elif(since_last < spacing):
            self._sync(m, since_last.eq(since_last + 1))
        first = first_pending
        if self.fault == "no_reset":
            first = Const(0)
        # logical row i of A -> physical row R-1-i (so the bottom row, drained first, is row 0)
        pes = self._pes(m)
        a_in = [[None] * C for _ in range(R)]
        f_in = [[None] * C for _ in range(R)]  # (valid, first, last) bits
        b_in = [[None] * C for _ in range(R)]
        for r in range(R):
            i = R - 1 - r
            flags = Cat(self.in_valid & self.in_ready, first, self.in_last)
            a_in[r][0] = self._delay(m, _lane(self.a, i, W), r, f"ska{r}")
            f_in[r][0] = self._delay(m, flags, r, f"skf{r}")
        for c in range(C):
            b_in[0][c] = self._delay(m, _lane(self.b, c, W), c, f"skb{c}")
        cap = [[Signal(name=f"cap_{r}_{c}") for c in range(C)] for r in range(R)]
        drain = [[Signal(A, name=f"drain_{r}_{c}") for c in range(C)] for r in range(R)]
        for r in range(R):
            for c in range(C):
                pe = pes[r][c]
                v, f, last = f_in[r][c][0], f_in[r][c][1], f_in[r][c][2]
                m.d.comb += [pe.en.eq(v & step), pe.a.eq(a_in[r][c]), pe.b.eq(b_in[r][c]),
                             pe.c.eq(Mux(f, p.zero, pe.result))]
                if hasattr(pe, "first"):  # hfp8 PE with chunks (Instance PEs: the template wires it)
                    m.d.comb += pe.first.eq(f)
                if hasattr(pe, "sr_start"):  # hfp8 PE with SR: its own LFSR start state
                    m.d.comb += pe.sr_start.eq(sr_start(p, R - 1 - r, c))
                if c + 1 < C:
                    ar, fr = Signal(W, name=f"a_{r}_{c}"), Signal(3, name=f"f_{r}_{c}")
                    self._sync(m, ar.eq(a_in[r][c]), fr.eq(f_in[r][c]))
                    a_in[r][c + 1], f_in[r][c + 1] = ar, fr
                if r + 1 < R:
                    br = Signal(W, name=f"b_{r}_{c}")
                    self._sync(m, br.eq(b_in[r][c]))
                    b_in[r + 1][c] = br
                self._sync(m, cap[r][c].eq(v & last))
        # drain: per column, rows shift down a triangular window after the bottom row captured
        cols = []
        out_valid = None
        for c in range(C):
            trig = Signal(name=f"trig_{c}")
            self._sync(m, trig.eq(cap[R - 1][c]))
            u = [Const(0)]
            for r in range(1, R + 1):
                mr = Signal(name=f"mask_{r}_{c}")
                self._sync(m, mr.eq(u[r - 1]))
                u.append(trig | mr)
            for r in range(R):
                with m.If(cap[r][c]):
                    self._sync(m, drain[r][c].eq(pes[r][c].result))
                if r > 0:
                    with m.Elif(u[r]):
                        self._sync(m, drain[r][c].eq(drain[r - 1][c]))
            cols.append(drain[R - 1][c])
            out_valid = u[R]
        m.d.comb += self.out_valid.eq(out_valid & step)
        self._deskew_out(m, cols)

    # -- weight stationary ----------------------------------------------------------------------
    def _ws(self, m):
        p = self.p
        R, C, W, A = p.R, p.C, p.lane_width, p.acc_width
        step = self._step
        gap, load = timing.steps(p, "reload_gap"), timing.steps(p, "weight_load")
        first_pending = Signal(init=1)
        w_count = Signal(range(load + 1))
        since_first = Signal(range(gap + 1), init=gap)
        accept = Signal()
        w_accept = Signal()
        m.d.comb += [self.in_ready.eq(step & (~first_pending | (w_count == load))),
                     self.w_ready.eq(step & (since_first >= gap) & (w_count < load)),
                     accept.eq(self.in_valid & self.in_ready),
                     w_accept.eq(self.w_valid & self.w_ready)]
        with m.If(accept):
            self._sync(m, first_pending.eq(self.in_last))
        with m.If(accept & first_pending):
            self._sync(m, w_count.eq(0), since_first.eq(min(1, gap)))
        with m.Else():
            with m.If(w_accept):
                self._sync(m, w_count.eq(w_count + 1))
            with m.If(since_first < gap):
                self._sync(m, since_first.eq(since_first + 1))
        pes = self._pes(m)
        # weight shadow chain: pushes enter row R-1 and move up; after R pushes row k holds push k
        shadow = [[Signal(W, name=f"shadow_{r}_{c}") for c in range(C)] for r in range(R)]
        active = [[Signal(W, name=f"wact_{r}_{c}") for c in range(C)] for r in range(R)]
        with m.If(w_accept):
            for c in range(C):
                for r in range(R):
                    src = _lane(self.w, c, W) if r == R - 1 else shadow[r + 1][c]
                    self._sync(m, shadow[r][c].eq(src))
        a_in = [[None] * C for _ in range(R)]
        f_in = [[None] * C for _ in range(R)]  # (valid, first)
        for r in range(R):
            a_in[r][0] = self._delay(m, _lane(self.a, r, W), r, f"ska{r}")
            f_in[r][0] = self._delay(m, Cat(accept, first_pending), r, f"skf{r}")
        ps_in = [self._delay(m, _lane(self.psum, c, A), c, f"skp{c}") for c in range(C)]
        for r in range(R):
            for c in range(C):
                pe = pes[r][c]
                v, f = f_in[r][c][0], f_in[r][c][1]
                w_use = Mux(f, shadow[r][c], active[r][c])
                if self.fault == "stale_weights":
                    w_use = active[r][c]
                with m.If(v & f):
                    self._sync(m, active[r][c].eq(shadow[r][c]))
                m.d.comb += [pe.en.eq(v & step), pe.a.eq(a_in[r][c]), pe.b.eq(w_use),
                             pe.c.eq(ps_in[c] if r == 0 else pes[r - 1][c].result)]
                if hasattr(pe, "fold"):  # hfp8 PE with chunks: rows CL-1, 2CL-1, ... and R-1 fold
                    m.d.comb += pe.fold.eq(int(r % p.chunk == p.chunk - 1 or r == R - 1))
                if hasattr(pe, "sr_start"):  # hfp8 PE with SR: its own LFSR start state
                    m.d.comb += pe.sr_start.eq(sr_start(p, r, c))
                if c + 1 < C:
                    ar, fr = Signal(W, name=f"a_{r}_{c}"), Signal(2, name=f"f_{r}_{c}")
                    self._sync(m, ar.eq(a_in[r][c]), fr.eq(f_in[r][c]))
                    a_in[r][c + 1], f_in[r][c + 1] = ar, fr
        ov = Signal()
        self._sync(m, ov.eq(f_in[R - 1][C - 1][0]))
        m.d.comb += self.out_valid.eq(ov & step)
        self._deskew_out(m, [pes[R - 1][c].result for c in range(C)])


# ---------------------------------------------------------------------------------------------
# emission: the template top plus the PE module
def top_verilog(p: PeArrayParams, top: str, pe_module: str) -> str:
    """The array top ``top`` (and its delay-line module) from ``pe_array_<dataflow>.v.tmpl``,
    instantiating ``pe_module`` R x C times; without the PE module."""
    if p.pe == "unary":
        return unary_rtl.top_verilog(p, top, pe_module)
    R, C, W, A = p.R, p.C, p.lane_width, p.acc_width
    return template(f"pe_array_{p.dataflow}.v.tmpl", "schw.units.pe_array").substitute(
        top=top, pe=pe_module, R=R, C=C, W=W, A=A, P=p.step_cycles,
        RW=R * W, CW=C * W, CA=C * A, ZERO=f"{A}'h{p.zero:x}", PE_PORTS=template_ports(p))


def pe_verilog(p: PeArrayParams, pe_module: str) -> str:
    """The PE module, emitted once by Amaranth (ports clk, rst, en, a, b, c, result)."""
    if p.pe == "unary":
        return unary_rtl.pe_verilog(p, pe_module)
    return verilog.convert(make_pe(p), name=pe_module, emit_src=False)


def emit_verilog(p: PeArrayParams, top: str, pe_module: str) -> str:
    """The array top (generate loops, so its size does not grow with R and C) followed by the PE module."""
    if p.pe == "unary":
        return unary_rtl.emit_verilog(p, top, pe_module)
    return top_verilog(p, top, pe_module) + "\n" + pe_verilog(p, pe_module)
