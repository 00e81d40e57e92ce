"""Golden model, tiling driver and cycle model of the pe-array (NumPy only).

Arithmetic (:func:`mac`) is what one PE does in one step; :func:`fold` is the exact order in
which the array accumulates: ``acc = zero; for k in 0..K-1: acc = mac(A[:, k], B[k, :], acc)``
(os: inside PE (i, j); ws: down column j, continued across K-tiles through ``psum``). FP16
results are bit patterns from :func:`schw.units.fp16_pe.golden.evaluate`, compared bit for
bit; sc results are sums of :func:`schw.units.sc_dot.golden.dot_counts`.

:func:`build_program` tiles GEMM problems of any shape onto the array: the streams of port
values a testbench drives, the output rows it must see (in order) and the assembled result.
:func:`cycle_model` predicts, cycle by cycle, when each input is accepted and when each output
row appears (the ``in_ready``/``w_ready`` rules and latencies of the PE type's
:class:`.timing.CycleTiming`: the step formulas of :mod:`.timing`, or the unary array's cycle
formulas of :mod:`.unary_timing`); :func:`cycle_report` compares a measured total with its closed
form (:meth:`.timing.CycleTiming.analytic`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from schw.units.fp16_pe.golden import evaluate
from schw.units.sc_dot.golden import dot_counts

from . import hfp8_golden, timing, unary_golden
from .params import PeArrayParams

MASK32 = (1 << 32) - 1


# ---------------------------------------------------------------------------------------------
# arithmetic
def _sext8(x):
    x = np.asarray(x, dtype=np.int64) & 0xFF
    return np.where(x >= 128, x - 256, x)


def mac(p: PeArrayParams, a, b, c):
    """One PE step, elementwise: a, b of shape (..., kk) (kk = k codes for sc, else 1), c (...)."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    c = np.asarray(c, dtype=np.int64)
    if p.pe == "int8":
        return (c + _sext8(a[..., 0]) * _sext8(b[..., 0])) & MASK32
    if p.pe == "unary":
        return unary_golden.mac(p, a, b, c)
    if p.pe == "fp16":
        shape = np.broadcast_shapes(a.shape[:-1], b.shape[:-1], c.shape)
        aa, bb, cc = (np.broadcast_to(x, shape).ravel() for x in (a[..., 0], b[..., 0], c))
        res, _ = evaluate(0, p.rm_code, aa, bb, cc, acc=p.acc)
        return np.asarray(res, dtype=np.int64).reshape(shape)
    shape = np.broadcast_shapes(a.shape[:-1], b.shape[:-1], c.shape)
    kk = a.shape[-1]
    aa = np.broadcast_to(a, shape + (kk,)).reshape(-1, kk)
    bb = np.broadcast_to(b, shape + (kk,)).reshape(-1, kk)
    ones = dot_counts(p.sc_params(), aa, bb).reshape(shape)
    return (np.broadcast_to(c, shape) + ones) & MASK32


def fold(p: PeArrayParams, A, B, acc0=None, t0: int = 0):
    """acc after k = 0..K-1 of ``mac`` in order; A (M, K, kk), B (K, N, kk) -> (M, N).
    hfp8 (stateful PEs, chunks, SR): :func:`.hfp8_golden.fold`, whose first item is the array's
    item ``t0`` (the stochastic-rounding words depend on it)."""
    if p.pe == "hfp8":
        return hfp8_golden.fold(p, A, B, acc0, t0)
    M, K, _ = A.shape
    N = B.shape[1]
    acc = np.full((M, N), p.zero, dtype=np.int64) if acc0 is None else np.array(acc0, dtype=np.int64)
    for k in range(K):
        acc = mac(p, A[:, None, k, :], B[None, k, :, :], acc)
    return acc


def pack(p: PeArrayParams, x, width: int) -> list[int]:
    """Rows of x (n, lanes[, kk]) to port integers: lane i at bits [i*width, (i+1)*width); an sc
    lane (kk codes of ``p.width`` bits) holds code t at bits [t*N, (t+1)*N). Vectorized: the
    fields' bits are laid out as one little-endian bit string per row (``np.packbits``), so the
    only Python work is one ``int.from_bytes`` per row. Every code must fit its field
    (ValueError otherwise: fields never overlap)."""
    x = np.asarray(x, dtype=np.int64)
    if x.ndim == 3 and x.shape[2] == 1:  # one code per lane: the lane is the code
        x = x[:, :, 0]
    if x.ndim not in (2, 3):
        raise ValueError(f"pack: rows of lanes expected, got shape {x.shape}")
    field, codes = (p.width, x.shape[2]) if x.ndim == 3 else (width, 1)
    if field * codes > width:
        raise ValueError(f"pack: {codes} codes of {field} bits do not fit a {width}-bit lane")
    if x.size and (x.min() < 0 or (field < 63 and x.max() >> field)):
        raise ValueError(f"pack: codes must be in 0..2^{field} - 1")
    n, lanes = x.shape[:2]
    nbits = min(field, 63)  # int64 codes: the bits above 62 are zero
    bits = ((x[..., None] >> np.arange(nbits)) & 1).astype(np.uint8).reshape(n, lanes, codes, nbits)
    if nbits < field:
        bits = np.pad(bits, ((0, 0), (0, 0), (0, 0), (0, field - nbits)))
    bits = bits.reshape(n, lanes, codes * field)
    if codes * field < width:  # zeros above a lane's codes
        bits = np.pad(bits, ((0, 0), (0, 0), (0, width - codes * field)))
    raw = np.packbits(bits.reshape(n, lanes * width), axis=1, bitorder="little")
    data, nb = raw.tobytes(), raw.shape[1]
    return [int.from_bytes(data[i * nb:(i + 1) * nb], "little") for i in range(n)]


def unpack(value: int, n: int, width: int) -> list[int]:
    return [(value >> (i * width)) & ((1 << width) - 1) for i in range(n)]


# ---------------------------------------------------------------------------------------------
# problems and the tiling driver
@dataclass
class Problem:
    """A (M, K) and B (K, N) element codes (int8: two's complement bytes, fp16: bit patterns,
    sc: N-bit operand codes)."""
    A: np.ndarray
    B: np.ndarray

    @property
    def shape(self):
        return self.A.shape[0], self.B.shape[1], self.A.shape[1]


def reference(p: PeArrayParams, prob: Problem, t0: int = 0) -> np.ndarray:
    """The plain product in the array's accumulation order, without any tiling or padding
    (what the assembled array result must equal: pads are neutral). hfp8: see
    :func:`.hfp8_golden.reference` (``t0``: the array item the problem starts at)."""
    if p.pe == "hfp8":
        return hfp8_golden.reference(p, prob.A, prob.B, t0)
    A, B = _split_k(p, prob)
    return fold(p, A, B)


def padded_k(p: PeArrayParams, K: int) -> int:
    """sc: the number of code products the array really sums (K padded with bipolar zeros to a
    multiple of k, and for ws of k*R). Their XNOR ones are counted, so the value of a result is
    (2*count - padded_k*L)/L. int8/fp16 pads are exact neutral elements: K itself."""
    if p.pe != "sc":
        return K
    q = p.inputs * (p.R if p.dataflow == "ws" else 1)
    return -(-K // q) * q


def _split_k(p: PeArrayParams, prob: Problem):
    """(M, K) codes -> (M, KL, kk) lanes; sc pads K to :func:`padded_k` with bipolar zeros."""
    if p.pe != "sc":
        return prob.A[:, :, None].astype(np.int64), prob.B[:, :, None].astype(np.int64)
    kk = p.inputs
    M, K = prob.A.shape
    N = prob.B.shape[1]
    KL = padded_k(p, K) // kk
    A = np.full((M, KL * kk), p.pad_a, dtype=np.int64)
    B = np.full((KL * kk, N), p.pad_b, dtype=np.int64)
    A[:, :K], B[:K, :] = prob.A, prob.B
    return A.reshape(M, KL, kk), B.reshape(KL, kk, N).transpose(0, 2, 1)


@dataclass
class Program:
    streams: dict = field(default_factory=dict)      # stream name -> list of {port: int}
    expected: list = field(default_factory=list)     # output rows in order: list of C lane values
    tags: list = field(default_factory=list)         # (problem, tile, row) of each expected row
    results: list = field(default_factory=list)      # assembled product per problem (M, N)
    macs: int = 0                                     # useful multiply-accumulates (unpadded)
    k_steps: list = field(default_factory=list)      # os: K steps per tile; ws: rows per tile
    item_base: list = field(default_factory=list)    # per problem: array items streamed before it


def build_program(p: PeArrayParams, problems: list[Problem]) -> Program:
    R, C, W, AW = p.R, p.C, p.lane_width, p.acc_width
    prog = Program(streams={"in": []} if p.dataflow == "os" else {"in": [], "w": []})
    t_items = 0  # items (os) or rows (ws) streamed so far: the hfp8 PEs' LFSR position
    for pi, prob in enumerate(problems):
        M, N, K = prob.shape
        prog.macs += M * N * K
        prog.item_base.append(t_items)
        A, B = _split_k(p, prob)
        KL = A.shape[1]
        mt, nt = -(-M // R), -(-N // C)
        if p.dataflow == "os":
            Ap = np.full((mt * R, KL, A.shape[2]), p.pad_a, dtype=np.int64)
            Bp = np.full((KL, nt * C, B.shape[2]), p.pad_b, dtype=np.int64)
            Ap[:M], Bp[:, :N] = A, B
            out = fold(p, Ap, Bp, t0=t_items)
            t_items += mt * nt * KL
            for ti in range(mt):
                for tj in range(nt):
                    rows = slice(ti * R, (ti + 1) * R)
                    cols = slice(tj * C, (tj + 1) * C)
                    a_words = pack(p, Ap[rows].transpose(1, 0, 2), W)  # step k: A[:, k]
                    b_words = pack(p, Bp[:, cols], W)                  # step k: B[k, :]
                    for k in range(KL):
                        prog.streams["in"].append({"a": a_words[k], "b": b_words[k], "in_last": int(k == KL - 1)})
                    prog.k_steps.append(KL)
                    for i in range(R):
                        prog.expected.append(out[ti * R + i, cols].tolist())
                        prog.tags.append((pi, f"tile({ti},{tj})", i))
            prog.results.append(out[:M, :N])
        else:
            kt = -(-KL // R)
            Ap = np.full((M, kt * R, A.shape[2]), p.pad_a, dtype=np.int64)
            Bp = np.full((kt * R, nt * C, B.shape[2]), p.pad_b, dtype=np.int64)
            Ap[:, :KL], Bp[:KL, :N] = A, B
            acc_all = np.full((M, nt * C), p.zero, dtype=np.int64)
            for tj in range(nt):
                cols = slice(tj * C, (tj + 1) * C)
                acc = acc_all[:, cols]
                for tk in range(kt):
                    ks = slice(tk * R, (tk + 1) * R)
                    for w in pack(p, Bp[ks, cols], W):
                        prog.streams["w"].append({"w": w})
                    new = fold(p, Ap[:, ks], Bp[ks, cols], acc, t0=t_items)
                    t_items += M
                    a_words = pack(p, Ap[:, ks], W)
                    # psum of K-tile tk > 0 is the previous tile's output, which is checked too
                    p_words = pack(p, acc, AW)
                    for mm in range(M):
                        prog.streams["in"].append({"a": a_words[mm], "psum": p_words[mm], "in_last": int(mm == M - 1)})
                        prog.expected.append(new[mm].tolist())
                        prog.tags.append((pi, f"tile(n{tj},k{tk})", mm))
                    prog.k_steps.append(M)
                    acc = new
                acc_all[:, cols] = acc
            prog.results.append(acc_all[:, :N])
    return prog


# ---------------------------------------------------------------------------------------------
# cycles
def cycle_model(p: PeArrayParams, prog: Program, gaps: dict | None = None) -> dict:
    """Cycle-accurate prediction of the handshake (cycle 0 = first cycle after reset), for every
    PE type: the rules and latencies of its :class:`.timing.CycleTiming`.

    ``gaps[stream][i]``: cycles the driver holds valid low before presenting item i.
    Returns accept cycles per stream and the cycle of every expected output row."""
    tm = timing.cycle_timing(p)
    R, P = p.R, tm.period
    gaps = gaps or {}
    names = list(prog.streams)
    n = {s: len(prog.streams[s]) for s in names}
    idx = dict.fromkeys(names, 0)
    idle = {s: (gaps.get(s, [0])[0] if n[s] else 0) for s in names}
    accepts = {s: [] for s in names}
    outs = []
    if p.dataflow == "os":
        spacing = tm.last_spacing
        since_last = spacing
    else:
        gap, load, tick = tm.reload_gap, tm.weight_load, tm.weight_tick
        first_pending, w_count, since_first = True, 0, gap
    t = 0
    limit = 50_000_000
    while any(idx[s] < n[s] for s in names):
        step = t % P == 0
        valid = {}
        for s in names:
            if idx[s] >= n[s]:
                valid[s] = False
            elif idle[s] > 0:
                idle[s] -= 1
                valid[s] = False
            else:
                valid[s] = True
        item = prog.streams["in"][idx["in"]] if valid["in"] else None
        if p.dataflow == "os":
            last = bool(item and item["in_last"])
            acc = valid["in"] and step and (not last or since_last >= spacing)
            if step:
                if acc and last:
                    since_last = 1
                elif since_last < spacing:
                    since_last += 1
            if acc and last:
                outs += [t + tm.first_row + i * tm.row_spacing for i in range(R)]
            accepted = {"in": acc}
        else:
            w_tick = t % tick == 0
            in_acc = valid["in"] and step and (not first_pending or w_count == load)
            w_acc = valid["w"] and w_tick and since_first >= gap and w_count < load
            if w_tick:  # in_acc implies w_tick: a step cycle is a weight tick
                was_first = first_pending
                if in_acc:
                    first_pending = bool(item["in_last"])
                if in_acc and was_first:
                    w_count, since_first = 0, min(1, gap)
                else:
                    w_count += int(w_acc)
                    since_first = min(since_first + 1, gap)
            if in_acc:
                outs.append(t + tm.first_row)
            accepted = {"in": in_acc, "w": w_acc}
        for s in names:
            if accepted.get(s):
                accepts[s].append(t)
                idx[s] += 1
                if idx[s] < n[s]:
                    g = gaps.get(s)
                    idle[s] = g[idx[s]] if g is not None else 0
        t += 1
        if t > limit:
            raise RuntimeError("cycle model did not terminate")
    return {"accepts": accepts, "outputs": outs, "end": (max(outs) + 1) if outs else t}


def cycle_report(p: PeArrayParams, prog: Program, measured_end: int | None) -> dict:
    """SCALE-Sim style compute report: total cycles measured vs analytic, utilization."""
    analytic_cycles, steps = timing.cycle_timing(p).analytic(prog.k_steps)
    kk = p.inputs if p.pe == "sc" else 1
    pe_steps = p.R * p.C * steps
    return {
        "rows": p.R, "cols": p.C, "pe": p.pe, "dataflow": p.dataflow,
        "step_cycles": p.step_cycles,
        "tiles": len(prog.k_steps),
        "total_cycles_measured": measured_end,
        "total_cycles_analytic": analytic_cycles,
        "total_steps_analytic": steps,
        "useful_macs": prog.macs,
        "pe_steps": pe_steps,
        "compute_util_pct": round(100.0 * prog.macs / (pe_steps * kk), 3) if pe_steps else 0.0,
        "agree": measured_end == analytic_cycles,
    }


def as_float(p: PeArrayParams, codes) -> np.ndarray:
    """Numeric value of element codes / results (for the np.matmul sanity check)."""
    codes = np.asarray(codes, dtype=np.int64)
    if p.pe == "int8":
        return _sext8(codes).astype(np.float64)
    if p.pe == "unary":
        return unary_golden.as_float(p, codes)
    if p.pe == "sc":
        return 2 * codes.astype(np.float64) / (1 << p.width) - 1
    if p.pe == "hfp8":  # FP8 codes in --fmt (A's format)
        codes = hfp8_golden.to_fp16(codes, p.fmt)
    return codes.astype(np.uint16).view(np.float16).astype(np.float64)


def result_float(p: PeArrayParams, acc, K: int) -> np.ndarray:
    acc = np.asarray(acc, dtype=np.int64)
    if p.pe == "int8":
        return np.where(acc >= 1 << 31, acc - (1 << 32), acc).astype(np.float64)
    if p.pe == "unary":
        return unary_golden.result_float(p, acc)
    if p.pe == "sc":
        kp = padded_k(p, K)
        return (2 * acc.astype(np.float64) - kp * p.length) / p.length
    if p.acc == "fp16" or p.pe == "hfp8":  # hfp8: the binary16 result in bits 15..0
        return (acc & 0xFFFF).astype(np.uint16).view(np.float16).astype(np.float64)
    return acc.astype(np.uint32).view(np.float32).astype(np.float64)
