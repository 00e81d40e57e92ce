"""Stochastic-computing gateware (Amaranth): the SNG bank that :mod:`schw.sc.spec` defines and
the stream-level cores the SC units share.

* :class:`SngBank` - ``channels`` random-code generators that restart and step together.
* :class:`Apc` - accumulative parallel counter: adds the number of ones among ``inputs``
  stream bits to a binary count every enabled cycle (a balanced adder tree, combinational,
  no pipeline). With ``inputs=1`` it is the plain ones counter.
* :class:`UpDownCounter` - +1 for a 1, -1 for a 0, saturating at the two's-complement limits
  of its width: the bipolar stream-to-binary converter.
* :class:`CorDiv` - the CORDIV divider cell (Chen & Hayes): ``z = a`` where ``b = 1``, else
  the previous output bit.
* :class:`MuxAdd` / :func:`or_tree` - the MUX scaled adder's multiplexer and the OR adder.

Every core has ``clear`` (synchronous: state to its reset value at the next edge, wins over
``enable``) and ``enable`` (this cycle is a run cycle). Outputs named ``total``/``next`` are
combinational: the state value after the current cycle, so a wrapper can register its result
in the run's last cycle and keep latency = L.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..hdl import popcount_tree
from .spec import (HALTON_BASES, SOBOL_BITS, SngSpec, halton_consts, halton_reversed, lfsr_advance, lfsr_init,
                   lfsr_poly, sobol_direction_numbers, sobol_index_bits, sobol_mask)


class SngBank(wiring.Component):
    """``channels`` random-code generators that restart together and step together.

    Ports: ``restart`` (In 1: next cycle shows the code of run cycle 0), ``step`` (In 1:
    next cycle shows the following code), ``codes`` (Out, ``channels`` x ``width`` bits:
    the codes of the current run cycle). ``restart`` wins over ``step``. After reset the bank
    shows run cycle 0. ``length`` is the run length: a Sobol bank counts run cycles modulo
    ``2**ceil(log2 length)``.
    """

    def __init__(self, spec: SngSpec, channels: int, length: int):
        spec.plan(channels)  # validates channels
        self.spec, self.channels, self.length = spec, channels, length
        super().__init__({
            "restart": In(1),
            "step": In(1),
            "codes": Out(spec.width).array(channels),
        })

    def _counter(self, m, width: int, init: int, name: str) -> Signal:
        """A ``width``-bit up-counter that restarts to ``init`` and wraps."""
        count = Signal(width, init=init, name=name)
        with m.If(self.restart):
            m.d.sync += count.eq(init)
        with m.Elif(self.step):
            m.d.sync += count.eq(count + 1)
        return count

    def _lfsr(self, m, source: int, ahead: int):
        n = self.spec.width
        poly = lfsr_poly(n, source)
        init = lfsr_advance(n, poly, lfsr_init(n, self.spec.seed, source), ahead)
        state = Signal(n, init=init, name=f"lfsr{source}" + (f"_ahead{ahead}" if ahead else ""))
        with m.If(self.restart):
            m.d.sync += state.eq(init)
        with m.Elif(self.step):
            m.d.sync += state.eq(Cat(Const(0, 1), state[:-1]) ^ (Const(poly, n) & state[-1].replicate(n)))
        return state

    def _sobol(self, m, source: int, index, index_bits: int):
        n = self.spec.width
        gray = Signal(index_bits, name=f"{index.name}_gray")
        m.d.comb += gray.eq(index ^ (index >> 1))
        v = [d >> (SOBOL_BITS - n) for d in sobol_direction_numbers(source + 1)[:index_bits]]
        mask = sobol_mask(self.spec.seed, source, n)
        bits = []
        for b in range(n):
            bit = Const((mask >> b) & 1, 1)
            for k in range(index_bits):
                if (v[k] >> b) & 1:
                    bit = bit ^ gray[k]
            bits.append(bit)
        return Cat(*bits)

    def _halton(self, m, source: int, ahead: int):
        n = self.spec.width
        hc = halton_consts(HALTON_BASES[source], n)
        start = (self.spec.seed + ahead) % hc.period
        tag = f"halton{hc.base}" + (f"_ahead{ahead}" if ahead else "")
        if hc.base == 2:  # a binary counter, bit-reversed
            count = self._counter(m, hc.digits, start, tag)
            return Cat(*[count[hc.digits - 1 - k] for k in range(hc.digits)])
        # base-b digit counter (for which digits carry) and code q with remainder rem,
        # R * 2^n = q * D + rem, updated by the step table: no multiply, no divide
        def split(index):
            r = int(halton_reversed(hc.base, n, [index])[0]) << n
            return r // hc.period, r % hc.period
        q0, rem0 = split(start)
        digits = [Signal(range(hc.base), init=(start // hc.base ** k) % hc.base, name=f"{tag}_d{k}")
                  for k in range(hc.digits)]
        code = Signal(n, init=q0, name=f"{tag}_code")
        rem = Signal(range(hc.period), init=rem0, name=f"{tag}_rem")
        q_step = Signal(n, name=f"{tag}_qstep")
        r_step = Signal(range(hc.period), name=f"{tag}_rstep")
        top = [d == hc.base - 1 for d in digits]
        with m.If(~top[0]):
            m.d.comb += [q_step.eq(hc.q_step[0] % (1 << n)), r_step.eq(hc.r_step[0])]
        for j in range(1, hc.digits):
            with m.Elif(~top[j]):
                m.d.comb += [q_step.eq(hc.q_step[j] % (1 << n)), r_step.eq(hc.r_step[j])]
        with m.Else():
            m.d.comb += [q_step.eq(hc.q_step[-1] % (1 << n)), r_step.eq(hc.r_step[-1])]
        rem_sum = Signal(range(2 * hc.period), name=f"{tag}_remsum")
        carry = Signal(name=f"{tag}_carry")
        m.d.comb += [rem_sum.eq(rem + r_step), carry.eq(rem_sum >= hc.period)]
        with m.If(self.restart):
            m.d.sync += [code.eq(q0), rem.eq(rem0)]
            m.d.sync += [d.eq((start // hc.base ** k) % hc.base) for k, d in enumerate(digits)]
        with m.Elif(self.step):
            m.d.sync += [code.eq(code + q_step + carry), rem.eq(Mux(carry, rem_sum - hc.period, rem_sum))]
            lower = Const(1, 1)
            for d, t in zip(digits, top):
                with m.If(lower):
                    m.d.sync += d.eq(Mux(t, 0, d + 1))
                lower = lower & t
        return code

    def elaborate(self, platform):
        m = Module()
        spec, n = self.spec, self.spec.width
        plan = spec.plan(self.channels)
        sources: dict[tuple[int, int], object] = {}
        counters: dict[int, Signal] = {}
        index_bits = sobol_index_bits(self.length)
        for source, ahead, _ in plan:
            if (source, ahead) in sources:
                continue
            if spec.kind == "lfsr":
                sources[(source, ahead)] = self._lfsr(m, source, ahead)
            elif spec.kind == "sobol":
                if ahead not in counters:
                    start = ahead % (1 << index_bits)
                    counters[ahead] = self._counter(m, index_bits, start, "index" + (f"_ahead{ahead}" if ahead else ""))
                sources[(source, ahead)] = self._sobol(m, source, counters[ahead], index_bits)
            elif spec.kind == "halton":
                sources[(source, ahead)] = self._halton(m, source, ahead)
            else:
                bits = spec.ramp_bits(self.channels)
                if ahead not in counters:
                    start = (spec.seed + ahead) % (1 << bits)
                    counters[ahead] = self._counter(m, bits, start, "ramp" + (f"_ahead{ahead}" if ahead else ""))
                sources[(source, ahead)] = counters[ahead][source * n:(source + 1) * n]
        for c, (source, ahead, rot) in enumerate(plan):
            code = sources[(source, ahead)]
            m.d.comb += self.codes[c].eq(code.rotate_left(rot) if rot else code)
        return m


class Apc(wiring.Component):
    """Accumulative parallel counter.

    Parameters: ``inputs`` (k stream bits per cycle), ``width`` (count bits; the caller makes
    it wide enough, e.g. ``(k * L).bit_length()``).
    Ports: ``bits`` (In k), ``clear``, ``enable`` (In 1), ``count`` (Out: the registered sum),
    ``total`` (Out, combinational: ``count + popcount(bits)`` when enabled, else ``count``).
    """

    def __init__(self, inputs: int, width: int):
        self.inputs, self.width = inputs, width
        super().__init__({"bits": In(inputs), "clear": In(1), "enable": In(1),
                          "count": Out(width), "total": Out(width)})

    def elaborate(self, platform):
        m = Module()
        ones = popcount_tree([self.bits[i] for i in range(self.inputs)])
        m.d.comb += self.total.eq(Mux(self.enable, self.count + ones, self.count))
        with m.If(self.clear):
            m.d.sync += self.count.eq(0)
        with m.Else():
            m.d.sync += self.count.eq(self.total)
        return m


class UpDownCounter(wiring.Component):
    """Saturating up/down counter (bipolar stream to binary).

    Parameters: ``width`` C (two's complement; range -2^(C-1) .. 2^(C-1) - 1).
    Ports: ``bit`` (In 1: +1 if 1, -1 if 0 on an enabled cycle), ``clear``, ``enable`` (In 1),
    ``value`` (Out signed C, registered; cleared to 0), ``next`` (Out signed C, combinational:
    the value after this cycle). Saturates instead of wrapping.
    """

    def __init__(self, width: int):
        self.width = width
        super().__init__({"bit": In(1), "clear": In(1), "enable": In(1),
                          "value": Out(signed(width)), "next": Out(signed(width))})

    def elaborate(self, platform):
        m = Module()
        hi, lo = (1 << (self.width - 1)) - 1, -(1 << (self.width - 1))
        m.d.comb += self.next.eq(self.value)
        with m.If(self.enable):
            with m.If(self.bit):
                with m.If(self.value != hi):
                    m.d.comb += self.next.eq(self.value + 1)
            with m.Elif(self.value != lo):
                m.d.comb += self.next.eq(self.value - 1)
        with m.If(self.clear):
            m.d.sync += self.value.eq(0)
        with m.Else():
            m.d.sync += self.value.eq(self.next)
        return m


class CorDiv(wiring.Component):
    """CORDIV cell: ``z = a`` in a cycle where ``b = 1``; otherwise a past output bit. With
    ``depth = 1`` that is the last output bit (a 2:1 MUX and one flip-flop, Chen & Hayes); with
    ``depth = D > 1`` a D-bit history of outputs is kept and ``sel`` (uniform, independent of
    a and b) picks ``z_(t-1-sel)``, which breaks the correlation between the divisor's run
    lengths and the held bit. With a and b from one shared random source (maximally
    correlated) and p_a <= p_b, p_z = p_a / p_b.

    Ports: ``a``, ``b``, ``clear`` (history to 0), ``enable`` (In 1), ``sel`` (In, range D;
    only when D > 1), ``z`` (Out 1, combinational).
    """

    def __init__(self, depth: int = 1):
        self.depth = depth
        ports = {"a": In(1), "b": In(1), "clear": In(1), "enable": In(1), "z": Out(1)}
        if depth > 1:
            ports["sel"] = In(range(depth))
        super().__init__(ports)

    def elaborate(self, platform):
        m = Module()
        hist = Signal(self.depth)  # hist[j] = z of j + 1 enabled cycles ago
        held = hist[0] if self.depth == 1 else hist.bit_select(self.sel, 1)
        m.d.comb += self.z.eq(Mux(self.b, self.a, held))
        with m.If(self.clear):
            m.d.sync += hist.eq(0)
        with m.Elif(self.enable):
            m.d.sync += hist.eq(Cat(self.z, hist[:-1]) if self.depth > 1 else self.z)
        return m


class MuxAdd(wiring.Component):
    """MUX scaled adder: ``y = streams[sel]``; value mean(p_i) when ``sel`` is uniform over
    0..k-1 and independent of the data streams (the data streams may share a source).

    Ports: ``streams`` (In k), ``sel`` (In, range k), ``y`` (Out 1, combinational).
    """

    def __init__(self, inputs: int):
        self.inputs = inputs
        super().__init__({"streams": In(inputs), "sel": In(range(inputs)), "y": Out(1)})

    def elaborate(self, platform):
        m = Module()
        # an indexed part-select (a continuous assign), not a Switch: Amaranth emits a Switch as
        # ``always @*`` that Icarus under cocotb may not evaluate at time 0 (y stays X until
        # sel or streams change)
        m.d.comb += self.y.eq(self.streams.bit_select(self.sel, 1))
        return m


def or_tree(bits):
    out = bits[0]
    for b in bits[1:]:
        out = out | b
    return out
