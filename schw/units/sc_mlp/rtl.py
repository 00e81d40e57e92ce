"""sc-layer / sc-mlp gateware: one SNG bank, per layer the weight comparators, XNOR products,
APC (or MUX adder) and Btanh activations, the optional fault-injection wrapper, and the
start/done control. What it computes is in :mod:`schw.units.sc_mlp`; the network (weight codes,
state counts), the SNG channel plan and the fault-generator plan come from :mod:`.params`.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from schw.hdl import RunControl, latch_lanes, popcount_tree
from schw.sc.rtl import Apc, MuxAdd, SngBank
from schw.units.fsm.params import Fsm
from schw.units.fsm.rtl import FsmStream

from .params import channel_plan, fault_plan, fault_polys, network


class Btanh(wiring.Component):
    """Btanh (Kim et al., DAC 2016): a saturating counter over states 0..r-1 stepped by the APC's
    per-cycle bipolar sum ``2 ones - k``; output 1 while the state is at least r/2 (Moore, from
    the state register). The state count, initial state (r/2) and threshold (r/2) are the fsm
    family's tanh machine; with k = 1 it is that machine.

    Ports: ``ones`` (In, 0..k), ``restart`` (In 1: next state is the initial state; wins),
    ``en`` (In 1: take a step), ``y`` (Out 1).
    """

    def __init__(self, inputs: int, fsm: Fsm):
        self.inputs, self.fsm = inputs, fsm
        super().__init__({"ones": In(range(inputs + 1)), "restart": In(1), "en": In(1), "y": Out(1)})

    def elaborate(self, platform):
        m = Module()
        f, k = self.fsm, self.inputs
        state = Signal(range(f.states), init=f.initial)
        wide = max(f.states, 2 * k + 1).bit_length() + 2
        nxt = Signal(signed(wide))
        m.d.comb += [nxt.eq(state + (self.ones << 1) - k), self.y.eq(state >= f.threshold)]
        with m.If(self.restart):
            m.d.sync += state.eq(f.initial)
        with m.Elif(self.en):
            with m.If(nxt < 0):
                m.d.sync += state.eq(0)
            with m.Elif(nxt > f.states - 1):
                m.d.sync += state.eq(f.states - 1)
            with m.Else():
                m.d.sync += state.eq(nxt)
        return m


class FaultGen(wiring.Component):
    """One fault generator: a w-bit Galois LFSR (``poly`` without x^w) that restarts to ``init``
    and steps with the SNGs. Ports: ``restart``, ``step`` (In 1), ``code`` (Out w, the state)."""

    def __init__(self, width: int, poly: int, init: int):
        self.width, self.poly, self.init = width, poly, init
        super().__init__({"restart": In(1), "step": In(1), "code": Out(width, init=init)})

    def elaborate(self, platform):
        m = Module()
        w, s = self.width, self.code
        with m.If(self.restart):
            m.d.sync += s.eq(self.init)
        with m.Elif(self.step):
            m.d.sync += s.eq(Cat(Const(0, 1), s[:-1]) ^ (Const(self.poly, w) & s[-1].replicate(w)))
        return m


class ScNet(wiring.Component):
    """sc-layer / sc-mlp. Parameters: validated :class:`~.params.ScLayerParams` or
    :class:`~.params.ScMlpParams`. Ports: ``start``, ``x`` (n0 x N bits), ``done``, ``result``
    (m_K x ``p.result_width`` bits); Verilog ``x__i``, ``result__j``."""

    def __init__(self, p):
        self.p = p
        self.net = network(p)
        sizes = p.layer_sizes
        super().__init__({"start": In(1), "x": In(p.width).array(sizes[0]), "done": Out(1),
                          "result": Out(p.result_width).array(sizes[-1])})

    def elaborate(self, platform):
        p, net = self.p, self.net
        m = Module()
        L, K, N = p.length, p.layer_count, p.width
        m.submodules.ctl = ctl = RunControl(p.latency)
        channels, plan = channel_plan(p)
        m.submodules.sng = sng = SngBank(p.spec, channels, p.latency)
        m.d.comb += [ctl.start.eq(self.start), self.done.eq(ctl.done),
                     sng.restart.eq(ctl.load), sng.step.eq(ctl.busy)]
        x_r = latch_lanes(m, ctl.load, x=self.x)

        # layer activity: all layers in every run cycle (stream), or layer l in cycles l L .. (l+1) L - 1
        if p.mode == "reencode":
            t = Signal(range(L), name="cycle")
            phase = Signal(range(K), name="phase")
            with m.If(ctl.load):
                m.d.sync += [t.eq(0), phase.eq(0)]
            with m.Elif(ctl.busy):
                m.d.sync += t.eq(t + 1)
                with m.If(t == L - 1):
                    m.d.sync += [t.eq(0), phase.eq(phase + 1)]
            active = [ctl.busy & (phase == k) for k in range(K)]
            phase_last = [a & (t == L - 1) for a in active]
        else:
            active = [ctl.busy] * K
            phase_last = [ctl.last] * K

        flips = self._faults(m, ctl)
        inputs = None  # stream bits of the current layer's inputs (None: comparators on codes)
        codes_in = list(x_r)
        for k, layer in enumerate(net.layers):
            chans = plan[k]
            n, mm, rows = layer.inputs, layer.neurons, layer.rows
            act = p.activations[k]
            if inputs is None:
                xs = [sng.codes[chans.inputs[i]] < codes_in[i] for i in range(n)]
            else:
                xs = inputs
            xs_sig = []
            for i, b in enumerate(xs):  # one named wire per input stream (before its fanout to m XNORs)
                sig = Signal(name=f"l{k}_x{i}")
                m.d.comb += sig.eq(flips(k, "inputs", i, 0, b))
                xs_sig.append(sig)
            xs = xs_sig
            wbits = [[flips(k, "weights", i, j, sng.codes[chans.rows[i]] < int(layer.codes[i, j]))
                      for j in range(mm)] for i in range(rows)]
            prods = [[flips(k, "products", i, j, ~(xs[i] ^ wbits[i][j]) if i < n else wbits[i][j])
                      for i in range(rows)] for j in range(mm)]  # per neuron j, row i (bias row: x = 1)
            prod_sigs = []
            for j in range(mm):
                s = Signal(rows, name=f"l{k}_prod{j}")
                m.d.comb += s.eq(Cat(*prods[j]))
                prod_sigs.append(s)
            if p.adder == "mux":
                sel = Signal(range(rows), name=f"l{k}_sel")
                m.d.comb += sel.eq((sng.codes[chans.select] * rows) >> N)
            outs, counts = [], []
            for j in range(mm):
                if p.adder == "mux":
                    mux = MuxAdd(rows)
                    m.submodules[f"l{k}_mux{j}"] = mux
                    m.d.comb += [mux.streams.eq(prod_sigs[j]), mux.sel.eq(sel)]
                    step_bits, ones = mux.y, mux.y
                else:
                    step_bits, ones = prod_sigs[j], None
                if not act:  # linear layer: count the product ones (APC) or the MUX output
                    cnt = Apc(1 if p.adder == "mux" else rows, p.result_width)
                    m.submodules[f"l{k}_cnt{j}"] = cnt
                    m.d.comb += [cnt.bits.eq(step_bits), cnt.clear.eq(ctl.load), cnt.enable.eq(active[k])]
                    counts.append(cnt.total)
                    continue
                fsm = layer.fsm(j)
                if p.adder == "mux":  # one bit per cycle: the fsm family's tanh machine itself
                    act_hw = FsmStream(fsm)
                    m.d.comb += act_hw.x.eq(ones)
                else:
                    act_hw = Btanh(rows, fsm)
                    ones = Signal(range(rows + 1), name=f"l{k}_ones{j}")
                    m.d.comb += [ones.eq(popcount_tree([step_bits[i] for i in range(rows)])), act_hw.ones.eq(ones)]
                m.submodules[f"l{k}_act{j}"] = act_hw
                m.d.comb += [act_hw.restart.eq(ctl.load), act_hw.en.eq(active[k])]
                y = Signal(name=f"l{k}_y{j}")
                m.d.comb += y.eq(flips(k, "outputs", 0, j, act_hw.y))
                outs.append(y)
                cnt = Apc(1, (L).bit_length())
                m.submodules[f"l{k}_cnt{j}"] = cnt
                m.d.comb += [cnt.bits.eq(y), cnt.clear.eq(ctl.load), cnt.enable.eq(active[k])]
                counts.append(cnt.total)
            if k == K - 1:
                with m.If(ctl.last):
                    m.d.sync += [self.result[j].eq(c) for j, c in enumerate(counts)]
            elif p.mode == "stream":
                inputs = outs
            else:  # reencode: the count of the layer's last cycle becomes the next layer's input code
                log_len, top = L.bit_length() - 1, (1 << N) - 1
                codes_in = []
                for j, c in enumerate(counts):
                    r = Signal(N, name=f"l{k + 1}_x{j}")
                    with m.If(phase_last[k]):
                        m.d.sync += r.eq(Mux(c == L, top, ((c << N) >> log_len)[:N]))
                    codes_in.append(r)
                inputs = None
        return m

    def _faults(self, m, ctl):
        """Build the fault generators; returns ``flip(layer, site, a, b, bit)``: the bit XOR the
        site's mask (``(R_a ^ C_b) < T``), or the bit itself where that site does not flip."""
        p = self.p
        grids = {(g.layer, g.site): g for g in fault_plan(p)}
        if not grids:
            return lambda layer, site, a, b, bit: bit
        w, threshold = p.flip_width, p.flip_threshold
        prow, pcol = fault_polys(w)
        gens = {}
        for (layer, site), g in grids.items():
            rs, cs = [], []
            for tag, poly, inits, out in (("r", prow, g.row_init, rs), ("c", pcol, g.col_init, cs)):
                for i, init in enumerate(inits):
                    gen = FaultGen(w, poly, init)
                    m.submodules[f"fault_l{layer}_{site}_{tag}{i}"] = gen
                    m.d.comb += [gen.restart.eq(ctl.load), gen.step.eq(ctl.busy)]
                    out.append(gen.code)
            gens[(layer, site)] = (rs, cs)

        def flip(layer, site, a, b, bit):
            if (layer, site) not in gens:
                return bit
            rs, cs = gens[(layer, site)]
            return bit ^ ((rs[a] ^ cs[b]) < threshold)
        return flip
