"""pe-array: a systolic array of R x C PEs computing matrix products (int8, fp16 or sc PEs).

The generated top includes the input skew and the output de-skew, so a user streams plain
vectors: one column of A and one row of B per cycle (``os``), or one row of A per cycle against
preloaded weights (``ws``). PE type and dataflow are fixed at generation time. The full contract
(ports, loading, draining, latency and throughput in R, C, K) is in :meth:`PeArrayUnit.manifest_extra`
and docs/pe_array.md; the golden model and the cycle model are in :mod:`schw.array`.

Every PE is a "MAC with a 1-step registered result": ``result <= a*b + c`` when ``en``
(int8: signed 8x8 -> 32-bit, wrapping; fp16: one FP16-PE fma, rounding mode fixed; sc: a
k-term SC dot product over L cycles, ``result <= c + ones``). All array registers advance on
``step`` (every cycle for int8/fp16, every L+1 cycles for sc), so one timing model serves all.

Emission: the top is ``rtl_templates/pe_array_{os,ws}.v.tmpl`` (generate loops; constant size in
R and C, so 64x64 generates in about a second) and the PE is an Amaranth component emitted once
as its own module. :class:`PeArray` is the same array elaborated entirely by Amaranth: a second
implementation of the contract, used by the tests (and, with ``fault=``, as broken arrays).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from amaranth.hdl import Cat, ClockSignal, Const, Instance, Module, Mux, ResetSignal, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..errors import ParamError
from ..params import Params, choice, int_range, param, power_of_two
from schw.registry import register
from .base import Unit

PES = ("int8", "fp16", "sc")
DATAFLOWS = ("os", "ws")
RMS = ("rne", "rtz", "rdn", "rup", "rmm")


@dataclass(frozen=True)
class PeArrayParams(Params):
    rows: int = param(8, int_range(1, 64), "array rows R")
    cols: int = param(0, int_range(0, 64), "array columns C (0 = same as --rows)")
    pe: str = param("int8", choice(*PES), "PE type: int8 (8x8 -> 32-bit MAC), fp16 (FP16 FMA), sc (SC dot product)")
    dataflow: str = param("os", choice(*DATAFLOWS), "os = output stationary, ws = weight stationary")
    acc: str = param("fp32", choice("fp16", "fp32"), "fp16 PE: accumulation format")
    rm: str = param("rne", choice(*RMS), "fp16 PE: rounding mode, fixed per array")
    inputs: int = param(4, int_range(1, 16), "sc PE: products per PE and step k")
    width: int = param(8, int_range(2, 12), "sc PE: operand code width N (bipolar x = 2 code / 2^N - 1)")
    length: int = param(16, power_of_two(4, 4096), "sc PE: stream length L (one step = L + 1 cycles)")
    sng: str = param("lfsr", choice("lfsr", "sobol"), "sc PE: stochastic number generator")
    seed: int = param(0, int_range(0, 2**32 - 1), "sc PE: SNG seed")

    def __post_init__(self):
        super().__post_init__()
        if self.cols == 0:
            object.__setattr__(self, "cols", self.rows)

    def check(self):
        defaults = {f.name: f.default for f in self.fields()}
        own = {"int8": (), "fp16": ("acc", "rm"), "sc": ("inputs", "width", "length", "sng", "seed")}
        for pe, names in own.items():
            if pe == self.pe:
                continue
            for n in names:
                if n not in own[self.pe] and getattr(self, n) != defaults[n]:
                    raise ParamError(n, f"left at its default ({defaults[n]}) unless --pe {pe}", getattr(self, n))

    # -- derived quantities ----------------------------------------------------------------
    @property
    def R(self) -> int:
        return self.rows

    @property
    def C(self) -> int:
        return self.cols

    @property
    def lane_width(self) -> int:
        """Bits of one operand lane (one element of A or B; sc: k codes)."""
        return {"int8": 8, "fp16": 16, "sc": self.inputs * self.width}[self.pe]

    @property
    def acc_width(self) -> int:
        if self.pe == "fp16":
            return 16 if self.acc == "fp16" else 32
        return 32

    @property
    def step_cycles(self) -> int:
        """Clock cycles per array step (P)."""
        return self.length + 1 if self.pe == "sc" else 1

    @property
    def rm_code(self) -> int:
        return RMS.index(self.rm)

    @property
    def zero(self) -> int:
        """Accumulator start value and the neutral zero used to pad: a*b + zero == a*b exactly.
        fp16: -0 (x + -0 = x in every mode but rdn) or +0 under rdn."""
        if self.pe != "fp16":
            return 0
        if self.rm == "rdn":
            return 0
        return 1 << (self.acc_width - 1)

    @property
    def pad_a(self) -> int:
        """Operand padding for A (and for ws weights: pad_b): pad_a * pad_b is the neutral zero."""
        if self.pe == "sc":
            return 1 << (self.width - 1)  # bipolar zero in every lane
        return 0

    @property
    def pad_b(self) -> int:
        if self.pe == "fp16":
            return 0x8000 if self.rm != "rdn" else 0x0000  # +0 * -0 = -0 ; +0 * +0 = +0
        if self.pe == "sc":
            return 1 << (self.width - 1)
        return 0

    def sc_params(self):
        from .sc_dot import ScDotParams
        return ScDotParams(inputs=self.inputs, width=self.width, length=self.length, sng=self.sng, seed=self.seed)


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
        from .fp16_pe import Fp16Pe, Fp16PeParams
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

    def __init__(self, scp):
        self.scp = scp
        lw = scp.inputs * scp.width
        super().__init__({"en": In(1), "a": In(lw), "b": In(lw), "c": In(32), "result": Out(32)})

    def elaborate(self, platform):
        from .sc_dot import ScDot
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
        # one Verilog module for the PE (see PeArrayUnit.extra_verilog), instantiated R x C times
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
        first_pending = Signal(init=1)
        since_last = Signal(range(R + 1), init=R)
        accept = Signal()
        m.d.comb += [self.in_ready.eq(step & (~self.in_last | (since_last >= R))),
                     accept.eq(self.in_valid & self.in_ready)]
        with m.If(accept):
            self._sync(m, first_pending.eq(self.in_last))
        with m.If(accept & self.in_last):
            self._sync(m, since_last.eq(1))
        with m.Elif(since_last < R):
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
        gap = R + C - 2
        first_pending = Signal(init=1)
        w_count = Signal(range(R + 1))
        since_first = Signal(range(gap + 1), init=gap)
        accept = Signal()
        w_accept = Signal()
        m.d.comb += [self.in_ready.eq(step & (~first_pending | (w_count == R))),
                     self.w_ready.eq(step & (since_first >= gap) & (w_count < R)),
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
                if c + 1 < C:
                    ar, fr = Signal(W, name=f"a_{r}_{c}"), Signal(2, name=f"f_{r}_{c}")
                    self._sync(m, ar.eq(a_in[r][c]), fr.eq(f_in[r][c]))
                    a_in[r][c + 1], f_in[r][c + 1] = ar, fr
        ov = Signal()
        self._sync(m, ov.eq(f_in[R - 1][C - 1][0]))
        m.d.comb += self.out_valid.eq(ov & step)
        self._deskew_out(m, [pes[R - 1][c].result for c in range(C)])


# ---------------------------------------------------------------------------------------------
def formulas(p: PeArrayParams) -> dict:
    """Latency and throughput in steps (x step_cycles for clock cycles)."""
    R, C = p.R, p.C
    if p.dataflow == "os":
        return {
            "unit": "steps" if p.step_cycles > 1 else "cycles",
            "tile": "C[R x C] = A[R x K] . B[K x C]; K >= 1 elements of A columns / B rows, one per step",
            "result_row_i": f"out row i appears t_last + R + C + i = t_last + {R + C} + i (t_last: step the in_last element was accepted)",
            "latency_first_row": "R + C",
            "latency_last_row": "2R + C - 1",
            "tile_period": "max(K, R)  (an in_last is accepted only R or more steps after the previous one)",
            "single_tile_total": "K + 2R + C - 1 (from the first input to the last result row, inclusive)",
            "throughput": "R*C*K MACs per max(K, R) steps; utilization K / max(K, R) in steady state",
        }
    return {
        "unit": "steps" if p.step_cycles > 1 else "cycles",
        "tile": "out[m, :] = psum[m, :] + sum_k A[m, k] W[k, :] for k = 0..R-1, one row m per step",
        "weight_load": "R pushes on w (row k = push k), needs w_ready",
        "result_row_m": f"out row m appears t_m + R + C - 1 = t_m + {R + C - 1}",
        "latency": "R + C - 1",
        "tile_period": "max(M, 2R + C - 2) with overlapped weight loading (next load may start R + C - 2 steps "
                       "after the tile's first row; the next tile's first row needs all R pushes)",
        "single_tile_total": "R + M + R + C - 1 (load, rows, drain)",
        "throughput": "R*C MACs per step while rows stream; utilization M / max(M, 2R + C - 2) in steady state",
    }


@register
class PeArrayUnit(Unit):
    name = "pe-array"
    Params = PeArrayParams
    summary = "systolic R x C PE array (int8 | fp16 | sc PEs; os | ws dataflow) with input skew and output de-skew"
    testbench = "tb_pe_array"
    default_vectors = 6  # random GEMM problems on top of the corner problems

    def top(self, p):
        tag = hashlib.sha256(json.dumps(p.as_dict(), sort_keys=True).encode()).hexdigest()[:6]
        return f"pe_array_{p.pe}_{p.dataflow}_{p.R}x{p.C}_{tag}"

    def pe_module(self, p) -> str:
        return self.top(p) + "_pe"

    def component(self, p):
        """The top's interface (ports for the manifest). The Verilog comes from :meth:`emit_verilog`;
        ``PeArray(p)`` elaborated by Amaranth is an equivalent second implementation (tests)."""
        arr = PeArray(p, pe_module=self.pe_module(p))
        arr._MustUse__silence = True  # only its signature is used here
        return arr

    def top_verilog(self, p) -> str:
        """The array top (and its delay-line module) without the PE module."""
        from ..output import template
        R, C, W, A = p.R, p.C, p.lane_width, p.acc_width
        return template(f"pe_array_{p.dataflow}.v.tmpl").substitute(
            top=self.top(p), pe=self.pe_module(p), R=R, C=C, W=W, A=A, P=p.step_cycles,
            RW=R * W, CW=C * W, CA=C * A, ZERO=f"{A}'h{p.zero:x}")

    def pe_verilog(self, p) -> str:
        """The PE module, emitted once by Amaranth (ports clk, rst, en, a, b, c, result)."""
        from amaranth.back import verilog
        return verilog.convert(make_pe(p), name=self.pe_module(p), emit_src=False)

    def emit_verilog(self, p) -> str:
        """The array top from ``rtl_templates/pe_array_<dataflow>.v.tmpl`` (generate loops, so its
        size does not grow with R and C) followed by the PE module."""
        return self.top_verilog(p) + "\n" + self.pe_verilog(p)

    def latency_cycles(self, p):
        # first result row after the (last) input: os R + C, ws R + C - 1 steps
        steps = p.R + p.C if p.dataflow == "os" else p.R + p.C - 1
        return steps * p.step_cycles

    def manifest_extra(self, p):
        from ..array.contract import contract
        return contract(p)

    def regression(self, p, sim, **kwargs):
        from ..array.regress import regression
        return regression(self, p, sim, **kwargs)
