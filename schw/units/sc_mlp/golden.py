"""sc-layer / sc-mlp golden model (NumPy only): whole test sets through the SC network, bit exact
with the generated RTL, with and without injected faults.

Data layout. All images of a block run in lock step, cycle by cycle (the loop is over the L
cycles; everything inside is vectorized over images and neurons):

* the input stream bits of a cycle are one (B, n) boolean matrix (``code_t < x``, or the previous
  layer's activation outputs);
* the weight stream bits of every cycle are precomputed once for all images, (L, n + 1, m) bool
  (one byte a bit: 26 MB for 785 x 128 at L = 256), with the weight and product flips folded in (each weight stream feeds exactly one XNOR, so
  ``XNOR(x, w ^ f) = XNOR(x, w) ^ f``: a product flip is a flip of its weight stream);
* the APC's per-cycle bipolar sum ``d = 2 s - (n + 1) = sum_i (2x_i - 1)(2w_ij - 1) + (2w_bias - 1)``
  is one matrix product per cycle, ``2 X_t @ W~_t - colsum(W~_t) + W~_t[bias]`` with
  W~ = 2w - 1 in float32 (sums of at most 2^24 integers are exact in float32, whatever order BLAS
  adds them in). 784-128-128-10 at L = 256: about 0.3 G multiply-adds per image, ~50 GFLOP/s
  on one core;
* the Btanh counters of a layer are one (B, m) int32 matrix updated per cycle (add, clip).

See :mod:`schw.units.sc_mlp` for what the hardware is. Entry points: :func:`infer`,
:func:`infer_layers`, :func:`input_codes`, :func:`class_scores`, :func:`float_forward`,
:func:`fault_masks`.
"""

from __future__ import annotations

import numpy as np

from schw.errors import ParamError
from schw.sc.golden import sng_codes
from schw.sc.spec import lfsr_step

from .params import Network, bipolar, channel_plan, fault_plan, fault_polys, network

__all__ = ["infer", "infer_layers", "input_codes", "class_scores", "float_forward", "float_reference",
           "fault_masks", "network", "lfsr_sequences", "weight_values"]


# -- helpers the experiments use ------------------------------------------------------------------

def input_codes(p, u) -> np.ndarray:
    """Pixel intensities ``u`` in [0, 1] -> N-bit input codes ``min(round(u 2^N), 2^N - 1)``
    (bipolar value 2 code / 2^N - 1, i.e. about 2u - 1)."""
    u = np.clip(np.asarray(u, dtype=np.float64), 0.0, 1.0)
    top = 1 << p.width
    return np.minimum(np.floor(u * top + 0.5), top - 1).astype(np.int64)


def float_forward(weights, biases, u) -> np.ndarray:
    """The float network the SC network approximates: h0 = 2u - 1, hidden tanh, linear output."""
    h = 2.0 * np.asarray(u, dtype=np.float64) - 1.0
    for i, w in enumerate(weights):
        b = biases[i] if biases is not None and biases[i] is not None else 0.0
        z = h @ np.asarray(w, dtype=np.float64) + b
        h = np.tanh(z) if i < len(weights) - 1 else z
    return h


def class_scores(p, net: Network, counts) -> np.ndarray:
    """Float estimate of the last layer's pre-activation z from its counts: APC
    ``s (2 c - (n+1) L) / L``, MUX ``s (n+1) (2 c - L) / L``; an activation count (sc-layer with
    btanh) as its bipolar value ``2 c / L - 1``."""
    c = np.asarray(counts, dtype=np.float64)
    last = net.layers[-1]
    if p.activations[-1]:
        return 2.0 * c / p.length - 1.0
    if p.adder == "mux":
        return last.scale * last.rows * (2.0 * c - p.length) / p.length
    return last.scale * (2.0 * c - last.rows * p.length) / p.length


# -- fault masks --------------------------------------------------------------------------------------

def lfsr_sequences(width: int, poly: int, inits, length: int) -> np.ndarray:
    """Galois LFSR states of every start state in ``inits`` for ``length`` cycles, (len, L)."""
    state = np.asarray(inits, dtype=np.int64)
    out = np.empty((state.size, length), dtype=np.int64)
    for t in range(length):
        out[:, t] = state
        state = lfsr_step(width, poly, state)
    return out


def fault_masks(p, sizes=None) -> dict[tuple[int, str], np.ndarray]:
    """The flip masks of ``p``: (layer, site) -> bool (rows, cols, cycles), True where the site's
    stream bit flips in that run cycle (the same in every run; ``cycles`` = the run's latency,
    K L with ``chain=reencode``, where layer l uses cycles l L .. (l+1) L - 1). Empty when the flip
    threshold is 0."""
    out = {}
    w, threshold = p.flip_width, p.flip_threshold
    prow, pcol = fault_polys(w)
    for g in fault_plan(p, sizes):
        r = lfsr_sequences(w, prow, g.row_init, p.latency)
        c = lfsr_sequences(w, pcol, g.col_init, p.latency)
        out[(g.layer, g.site)] = (r[:, None, :] ^ c[None, :, :]) < threshold
    return out


# -- the network ------------------------------------------------------------------------------------

class _Layer:
    """One layer's constants (weight streams per cycle, flips, SNG codes) and its per-block run."""

    def __init__(self, p, index: int, layer, chans, codes: np.ndarray, masks: dict, act: bool):
        self.p, self.index, self.act = p, index, act
        self.n, self.m, self.rows = layer.inputs, layer.neurons, layer.rows
        # this layer's run cycles: all layers run together (stream) or one after the other (reencode)
        span = slice(0, p.length) if p.mode == "stream" else slice(index * p.length, (index + 1) * p.length)
        codes = codes[:, span]
        masks = {k: v[..., span] for k, v in masks.items() if k[0] == index}
        rows = codes[np.array(chans.rows)]  # (n+1, L)
        wbits = rows.T[:, :, None] < layer.codes[None, :, :]  # (L, n+1, m)
        for site in ("weights", "products"):
            f = masks.get((index, site))
            if f is not None:
                wbits ^= f.transpose(2, 0, 1)
        self.wbits = wbits
        self.in_codes = None if chans.inputs is None else np.ascontiguousarray(codes[np.array(chans.inputs)].T)
        f = masks.get((index, "inputs"))
        self.f_in = None if f is None else np.ascontiguousarray(f[:, 0, :].T)  # (L, n)
        f = masks.get((index, "outputs"))
        self.f_out = None if f is None else np.ascontiguousarray(f[0].T)  # (L, m)
        if p.adder == "mux":
            self.sel = (codes[chans.select].astype(np.int64) * self.rows) >> p.width  # (L,)
        else:
            # d = 2 X W~ - colsum(W~) + W~[bias] with W~ = 2 w - 1: the constant part per cycle, (L, m)
            ones = wbits[:, :self.n, :].sum(axis=1, dtype=np.int64)
            self.offset = (2 * wbits[:, self.n, :] - 1 - (2 * ones - self.n)).astype(np.float32)
            self.w_pm = np.empty((self.n, self.m), dtype=np.float32)  # W~ of one cycle
        if act:
            self.states = np.array(layer.states, dtype=np.int32)
            self.half = self.states // 2  # the fsm family's tanh machine: initial N/2, output 1 from N/2
            self.top = self.states - 1

    def start(self, batch: int) -> None:
        self.count = np.zeros((batch, self.m), dtype=np.int64)
        if self.act:
            self.state = np.broadcast_to(self.half, (batch, self.m)).copy()
        if self.p.adder == "apc":
            self.xf = np.empty((batch, self.n), dtype=np.float32)
            self.acc = np.empty((batch, self.m), dtype=np.float32)

    def input_bits(self, t: int, x: np.ndarray) -> np.ndarray:
        """Comparator streams of the input codes ``x`` (B, n) in run cycle t."""
        return self.in_codes[t][None, :] < x

    def cycle(self, t: int, xb: np.ndarray):
        """One run cycle with input stream bits ``xb`` (B, n) bool (before input flips). Returns
        the activation output bits of the cycle (after output flips), or None (linear layer)."""
        if self.f_in is not None:
            xb = xb ^ self.f_in[t][None, :]
        if self.p.adder == "apc":
            self.xf[...] = xb
            w = self.w_pm
            w[...] = self.wbits[t, :self.n]
            w *= 2.0
            w -= 1.0
            np.matmul(self.xf, w, out=self.acc)
            d = (2.0 * self.acc + self.offset[t]).astype(np.int32)  # 2 s - (n+1), exact
        else:
            sel = int(self.sel[t])
            xs = True if sel == self.n else xb[:, sel:sel + 1]  # the bias input is a constant 1
            b = xs == self.wbits[t, sel][None, :]  # XNOR of the selected input and weight streams
            d = b.astype(np.int32) * 2 - 1
        if not self.act:
            if self.p.adder == "apc":
                self.count += d  # sum of d; converted to the ones count at the end
            else:
                self.count += d > 0
            return None
        y = self.state >= self.half  # Moore: the state before this cycle's update
        if self.f_out is not None:
            y ^= self.f_out[t][None, :]
        self.count += y
        self.state += d
        np.clip(self.state, 0, self.top, out=self.state)
        return y

    def result(self) -> np.ndarray:
        if not self.act and self.p.adder == "apc":
            return (self.count + self.rows * self.p.length) // 2
        return self.count


def _check_codes(p, x, n) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != n:
        raise ParamError("x", f"input codes of shape (images, {n})", x.shape)
    x = x.astype(np.int64)
    if x.size and (x.min() < 0 or x.max() >= 1 << p.width):
        raise ParamError("x", f"input codes in 0..{(1 << p.width) - 1}", (int(x.min()), int(x.max())))
    return x


def infer_layers(p, x, net: Network | None = None, block: int = 2000) -> list[np.ndarray]:
    """Every layer's result for input codes ``x`` (B, n0): hidden layers the ones count of each
    neuron's activation stream (0..L), the last layer its result ports (see :func:`infer`)."""
    net = net if net is not None else network(p)
    sizes = net.sizes
    if sizes != tuple(p.layer_sizes):
        raise ParamError("weights", f"a network of sizes {p.layer_sizes}", sizes)
    x = _check_codes(p, x, sizes[0])
    channels, plan = channel_plan(p, sizes)
    codes = sng_codes(p.spec, channels, p.latency).astype(np.int64)  # one bank, restarted at start
    masks = fault_masks(p, sizes)
    acts = p.activations
    layers = [_Layer(p, i, lay, plan[i], codes, masks, acts[i]) for i, lay in enumerate(net.layers)]
    outs = [np.empty((x.shape[0], lay.m), dtype=np.int64) for lay in layers]
    log_len = p.length.bit_length() - 1
    top = (1 << p.width) - 1
    for lo in range(0, x.shape[0], max(1, block)):
        xs = x[lo:lo + block]
        if p.mode == "stream":
            for lay in layers:
                lay.start(xs.shape[0])
            for t in range(p.length):
                bits = layers[0].input_bits(t, xs)
                for lay in layers:
                    bits = lay.cycle(t, bits)
        else:  # reencode: layer after layer; a hidden count becomes the next layer's input code
            cur = xs
            for i, lay in enumerate(layers):
                lay.start(xs.shape[0])
                for t in range(p.length):
                    lay.cycle(t, lay.input_bits(t, cur))
                cur = np.minimum((lay.result() << p.width) >> log_len, top)
        for out, lay in zip(outs, layers):
            out[lo:lo + xs.shape[0]] = lay.result()
    return outs


def infer(p, x, net: Network | None = None, block: int = 2000) -> np.ndarray:
    """The result ports for input codes ``x`` (B, n0), (B, m_K) int64, bit exact with the RTL:
    the last layer's APC count (ones among its (n+1) x L product bits), or with the MUX adder the
    ones of the MUX output stream; for sc-layer with ``activation=btanh`` the ones of each
    neuron's activation stream. ``net`` defaults to ``network(p)``; flips as ``p`` says."""
    return infer_layers(p, x, net, block)[-1]


def layer_value(p, counts) -> np.ndarray:
    """Bipolar value 2 c / L - 1 of activation counts."""
    return 2.0 * np.asarray(counts, dtype=np.float64) / p.length - 1.0


def weight_values(p, net: Network) -> list[np.ndarray]:
    """The float weights the codes stand for (scale x bipolar code value), bias row last."""
    return [lay.scale * bipolar(lay.codes, p.width) for lay in net.layers]


def float_reference(p, net: Network, x) -> np.ndarray:
    """What the result ports estimate, from the *quantized* weights in float: the last layer's
    z (:func:`class_scores` of an APC/MUX count), or tanh(z) for an activation count (sc-layer
    with btanh); hidden layers tanh. Input codes ``x`` as bipolar values 2x/2^N - 1."""
    h = bipolar(x, p.width)
    for k, w in enumerate(weight_values(p, net)):
        z = h @ w[:-1] + w[-1]
        h = np.tanh(z) if p.activations[k] else z
    return h
