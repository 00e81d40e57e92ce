"""Stream-level SC building blocks shared by the SC arithmetic units (no unit registered here).

Hardware (Amaranth components, one clock domain ``sync``):

* :class:`RunControl` - the start/busy/done sequencing of every binary-in, binary-out SC
  wrapper (the same contract as sc-mul: ``done`` L edges after the edge that sampled ``start``).
* :class:`Apc` - accumulative parallel counter: adds the number of ones among ``inputs``
  stream bits to a binary count every enabled cycle (a balanced adder tree, combinational,
  no pipeline). With ``inputs=1`` it is the plain ones counter.
* :class:`UpDownCounter` - +1 for a 1, -1 for a 0, saturating at the two's-complement limits
  of its width: the bipolar stream-to-binary converter.
* :class:`CorDiv` - the CORDIV divider cell (Chen & Hayes): ``z = a`` where ``b = 1``, else
  the previous output bit.
* :class:`MuxAdd` / :func:`or_tree` - the MUX scaled adder's multiplexer and the OR adder.
* :func:`latch` / :func:`latch_lanes` - the operand registers a wrapper loads at ``start``.

Golden-model helpers (NumPy, bit-packed): :func:`packed_streams` turns operands into packed
comparator streams with the same rule as the RTL (``code < operand``).

Every core has ``clear`` (synchronous: state to its reset value at the next edge, wins over
``enable``) and ``enable`` (this cycle is a run cycle). Outputs named ``total``/``next`` are
combinational: the state value after the current cycle, so a wrapper can register its result
in the run's last cycle and keep latency = L.
"""

from __future__ import annotations

import numpy as np
from amaranth.hdl import Cat, Const, Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..sng import comparator_streams, pack


# -- hardware --------------------------------------------------------------------------------

def popcount_tree(bits) -> object:
    """Number of ones among 1-bit values as a balanced adder tree (depth ceil(log2 k))."""
    terms = list(bits)
    if not terms:
        return Const(0, 1)
    while len(terms) > 1:
        nxt = [terms[i] + terms[i + 1] for i in range(0, len(terms) - 1, 2)]
        if len(terms) % 2:
            nxt.append(terms[-1])
        terms = nxt
    return terms[0]


class RunControl(wiring.Component):
    """Sequencing of an L-cycle run.

    Parameters: ``length`` (L >= 2).
    Ports: ``start`` (In: accepted when idle or in the cycle ``done`` is high), ``load`` (Out,
    combinational: start accepted this cycle - latch operands, restart SNGs, clear cores),
    ``busy`` (Out, registered: this is a run cycle - step SNGs, enable cores), ``last`` (Out,
    combinational: busy and the run's final cycle - register the result), ``done`` (Out,
    registered 1-cycle pulse after the last cycle).
    """

    def __init__(self, length: int):
        self.length = length
        super().__init__({"start": In(1), "load": Out(1), "busy": Out(1), "last": Out(1), "done": Out(1)})

    def elaborate(self, platform):
        m = Module()
        count = Signal(range(self.length))
        m.d.sync += self.done.eq(0)
        m.d.comb += self.last.eq(self.busy & (count == self.length - 1))
        with m.If(self.busy):
            m.d.sync += count.eq(count + 1)
            with m.If(self.last):
                m.d.sync += [self.busy.eq(0), self.done.eq(1)]
        with m.Elif(self.start):
            m.d.comb += self.load.eq(1)
            m.d.sync += [self.busy.eq(1), count.eq(0)]
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


def latch(m: Module, load, **values) -> list[Signal]:
    """Operand registers: one register per keyword, named by it and shaped like its value, all
    loaded at the edge where ``load`` is high (one ``If``). Returns them in keyword order."""
    regs = [Signal(v.shape(), name=n) for n, v in values.items()]
    with m.If(load):
        m.d.sync += [r.eq(v) for r, v in zip(regs, values.values())]
    return regs


def latch_lanes(m: Module, load, **ports) -> list:
    """:func:`latch` lane by lane for array ports of k lanes each: lane i of port ``x`` goes to
    the register ``x_r{i}`` (the registers of one lane share an ``If``). Returns, per lane, its
    register (one port) or the tuple of its registers in keyword order."""
    (lanes,) = {len(port) for port in ports.values()}
    regs = [latch(m, load, **{f"{n}_r{i}": port[i] for n, port in ports.items()}) for i in range(lanes)]
    return [r[0] if len(ports) == 1 else tuple(r) for r in regs]


# -- golden helpers -------------------------------------------------------------------------

def packed_streams(codes: np.ndarray, operands) -> tuple[np.ndarray, np.ndarray]:
    """Comparator streams of ``operands`` (any shape) against one channel's ``codes`` (L,),
    bit-packed: returns (table (U, W) uint64 of the unique operands' streams, index with the
    shape of ``operands`` into the table)."""
    operands = np.asarray(operands, dtype=np.int64)
    uniq, inv = np.unique(operands, return_inverse=True)
    return pack(comparator_streams(codes, uniq)), inv.reshape(operands.shape)


def blocks(n: int, per_item_words: int, budget_words: int = 1 << 22):
    """Slices of range(n) so a temporary of n_block x per_item_words uint64 stays ~32 MB."""
    step = max(1, budget_words // max(1, per_item_words))
    for lo in range(0, n, step):
        yield slice(lo, min(n, lo + step))


def corner_codes(width: int) -> list[int]:
    top = (1 << width) - 1
    return sorted({0, 1, top, 1 << (width - 1)})


def lane_vectors(width: int, lanes: int, seed: int, count: int) -> np.ndarray:
    """Operand vectors for a k-lane unit, shape (n, lanes): every lane at each corner code
    (0, 1, half, max), corners alternating between lanes, a walking one-lane-at-max pattern
    (up to 8 lanes), then ``count`` seeded uniform random rows."""
    cs = corner_codes(width)
    rows = [[c] * lanes for c in cs]
    for c0 in cs:
        for c1 in cs:
            if c0 != c1:
                rows.append([c0 if i % 2 == 0 else c1 for i in range(lanes)])
    top = (1 << width) - 1
    for j in range(min(lanes, 8)):
        rows.append([top if i == j else 0 for i in range(lanes)])
    rng = np.random.default_rng(seed)
    rand = rng.integers(0, 1 << width, size=(count, lanes))
    return np.concatenate([np.array(rows, dtype=np.int64), rand], axis=0)


def below_table(codes: np.ndarray, width: int, where=None) -> np.ndarray:
    """``F[v] = #{t : codes[t] < v}`` (restricted to cycles where ``where`` is true) for every
    operand v in 0..2^width: the ones count of the comparator stream of v, for all v at once."""
    codes = np.asarray(codes, dtype=np.int64)
    if where is not None:
        codes = codes[np.asarray(where, dtype=bool)]
    hist = np.bincount(codes, minlength=1 << width)[: 1 << width]
    return np.concatenate([[0], np.cumsum(hist)]).astype(np.int64)


def lane_names(name: str, lanes: int) -> list[str]:
    """Verilog names of an Amaranth array port: ``name__0`` .. ``name__{lanes-1}``."""
    return [f"{name}__{i}" for i in range(lanes)]


def lane_dict(name: str, rows: np.ndarray) -> dict[str, np.ndarray]:
    return {n: rows[:, i] for i, n in enumerate(lane_names(name, rows.shape[1]))}


def lane_stack(inputs: dict, name: str, lanes: int) -> np.ndarray:
    return np.stack([np.asarray(inputs[n], dtype=np.int64) for n in lane_names(name, lanes)], axis=1)


def error_stats(err) -> dict:
    """MAE, RMSE, max |error| and bias (mean signed error, estimate - exact) of ``err``."""
    err = np.asarray(err, dtype=np.float64).ravel()
    return {"mae": float(np.abs(err).mean()), "rmse": float(np.sqrt(np.mean(err * err))),
            "max_error": float(np.abs(err).max()), "bias": float(err.mean()), "cases": int(err.size)}


def error_row(length: int, estimate, exact) -> dict:
    """One accuracy row: ``length`` and the :func:`error_stats` of ``estimate - exact``."""
    err = np.asarray(estimate, dtype=np.float64) - np.asarray(exact, dtype=np.float64)
    return {"length": int(length), **error_stats(err)}


def operand_grid(width: int, lanes: int, seed: int, exhaustive_max: int = 1 << 16, rows: int = 4096) -> np.ndarray:
    """Operand rows (n, lanes) for accuracy: every combination when there are at most
    ``exhaustive_max``, else ``rows`` seeded uniform random rows."""
    if (1 << width) ** lanes <= exhaustive_max:
        g = np.arange(1 << width)
        return np.stack([x.ravel() for x in np.meshgrid(*[g] * lanes, indexing="ij")], axis=1)
    return np.random.default_rng(seed).integers(0, 1 << width, size=(rows, lanes))
