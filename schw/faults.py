"""Bit-flip fault injection in trained MLPs: the SC-MLP golden model and its binary baselines.

A *fault* flips one stored bit. Every bit of every value at the chosen sites flips
independently with probability ``p`` (the *flip rate*), from a seeded generator, so a run is a
function of (network, data, model, p, sites, seed).

Sites (what is corrupted), as the sc-mlp golden model names them:

``inputs``   every layer's input values as the layer reads them (SC: its input streams before
             fanout; binary: the input words: the image, then each hidden activation word);
``weights``  every weight and bias (SC: the weight streams; binary: the stored words, one
             realization per seed shared by all images, as a faulty memory would be);
``products`` SC only: the XNOR product streams (a binary MAC keeps no product in storage, so
             the binary models ignore this site; their rows list the sites they applied);
``outputs``  each hidden layer's outputs (SC: the activation output streams; binary: the
             activation words the layer writes). A hidden value thus passes two sites (written,
             then read) in both kinds of network. The last layer's scores go straight into the
             argmax in every model.

Inputs and activations of every image are corrupted independently in the binary models; the SC
golden model's flip pattern (LFSR-driven, bit exact with the RTL fault wrapper) is one
realization per seed, the same for every image (see :mod:`schw.units.sc_mlp`).

Models:

``float``    the trained network in float64, no faults (the reference; reported at p = 0 only).
``sc-mlp``   the SC-MLP golden model (:mod:`schw.units.sc_mlp.golden`) at stream length L: the
             network's float weights quantized by the unit's own rules, a tanh network on
             bipolar inputs (``schw train --optimizer float --activation tanh``); class =
             argmax of the last layer's counts. SNG seed and fault seed = the run's seed.
``int8``     8-bit two's complement fixed point. Weights and biases of layer l have a
             power-of-two scale 2^-f_l, f_l the largest integer with max|w| 2^f_l <= 127.5
             (Q(7-f_l).f_l); activations and inputs are Q0.7 (code = round(128 a), clipped to
             -128..127, so 1.0 is 127/128). A layer accumulates exactly (the products a w in
             Q.(7+f_l), the bias shifted up by 7) and rounds its output (the activation
             function applied to the exact accumulator) back to Q0.7, half up; the last layer's
             accumulator is the score. A flip of bit 7 of a word is a sign flip.
``fp16``     IEEE binary16 storage (weights, biases, inputs, activations, round to nearest even);
             products and sums in binary32, the layer output rounded to binary16. The
             clipped ReLU is ``z > 0 ? (z < 1 ? z : 1) : 0`` (NaN -> 0, +inf -> 1), tanh maps
             NaN to 0; the argmax ignores NaN scores (a comparator ``s > best`` never takes a NaN).
``int8-value``, ``fp16-value``
             the same binary networks at *equal error probability per value*: a value is in
             error when at least one of its stored bits flipped. An SC value is an L-bit stream,
             so at per-bit rate p it is in error with probability 1 - (1-p)^L; a B-bit word at
             per-bit rate q with 1 - (1-q)^B. The binary model runs at the q that makes the two
             equal, ``q = 1 - (1-p)^(L/B)`` (capped at 0.5, where every word is uniformly
             random). This is the other bracket of the comparison: the plain ``int8``/``fp16``
             rows give binary the same per-*bit* rate (SC then takes L/B times more flips per
             value), these give it the same per-*value* rate (binary then takes L/B times more
             flips per bit).

The flip mask: bit plane by bit plane (bit 0 first), one uint32 draw per value per plane from
``numpy.random.default_rng(seed)`` (C order); a bit flips when its draw is below
``round(p 2^32)``, so the flip probability is exactly that threshold / 2^32.
"""

from __future__ import annotations

import dataclasses
import math
import time
import zlib

import numpy as np

from .errors import ParamError
from .train import Network, hidden_activation
from .units.sc_mlp import golden as sc_golden
from .units.sc_mlp.params import ScMlpParams, quantize_network

SITES = ("inputs", "weights", "products", "outputs")
BINARY_SITES = ("inputs", "weights", "outputs")
WORD_BITS = {"int8": 8, "fp16": 16}


# -- the fault model ----------------------------------------------------------------------------

def flip_threshold(p: float) -> int:
    """The uint32 threshold whose probability (threshold / 2^32) is the flip rate p."""
    if not 0.0 <= p <= 0.5:
        raise ParamError("flip_rates", "flip rates in [0, 0.5]", p)
    return int(round(p * 2.0 ** 32))


def flip_mask(shape, bits: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """An unsigned mask (uint8 for bits <= 8, uint16 up to 16, else uint32) of ``shape``: every one
    of the low ``bits`` bits set independently with probability p (see the module docstring for
    the draw order)."""
    dtype = np.uint8 if bits <= 8 else np.uint16 if bits <= 16 else np.uint32
    mask = np.zeros(shape, dtype=dtype)
    t = flip_threshold(p)
    if t == 0:
        return mask
    for b in range(bits):
        draw = rng.integers(0, 2**32, size=shape, dtype=np.uint32, endpoint=False)
        mask |= (draw < t).astype(dtype) << dtype(b)
    return mask


def flip_words(words: np.ndarray, bits: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """``words`` (an unsigned integer array, or int8/float16 viewed bitwise) with every bit flipped
    with probability p; returns a new array of the same dtype."""
    w = np.asarray(words)
    view = {np.dtype(np.int8): np.uint8, np.dtype(np.float16): np.uint16}.get(w.dtype)
    raw = w.view(view) if view is not None else w
    out = raw ^ flip_mask(raw.shape, bits, p, rng).astype(raw.dtype)
    return out.view(w.dtype) if view is not None else out


def per_value_rate(p: float, length: int, bits: int) -> float:
    """The per-bit flip rate q at which a ``bits``-bit word is in error (at least one bit
    flipped) as often as an ``length``-bit stream at per-bit rate p: 1 - (1-q)^B = 1 - (1-p)^L,
    capped at 0.5."""
    if p <= 0:
        return 0.0
    return min(0.5, 1.0 - math.exp(length / bits * math.log1p(-p)))


# -- binary baselines ---------------------------------------------------------------------------

def _flip(a: np.ndarray, site: str, sites, p: float, rng, bits: int) -> np.ndarray:
    return flip_words(a, bits, p, rng) if site in sites and p > 0 else a


def int8_scale_bits(w: np.ndarray, b: np.ndarray) -> int:
    """f: the largest integer with max(|w|, |b|) 2^f <= 127.5 (so round(w 2^f) fits int8)."""
    m = float(max(np.abs(w).max(initial=0.0), np.abs(b).max(initial=0.0)))
    return 24 if m == 0 else int(math.floor(math.log2(127.5 / m)))


def _q(values: np.ndarray, frac: int) -> np.ndarray:
    return np.clip(np.floor(np.asarray(values, dtype=np.float64) * 2.0 ** frac + 0.5), -128, 127).astype(np.int8)


def int8_forward(net: Network, u: np.ndarray, p: float = 0.0, sites=(), rng=None) -> np.ndarray:
    """Scores (the last layer's exact accumulators, as float64) of the int8 network on images u
    in [0, 1], every bit at ``sites`` flipped with probability p."""
    rng = rng if rng is not None else np.random.default_rng(0)
    a = _q(net.encode(u), 7)  # the stored image
    last = len(net.weights) - 1
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        f = int8_scale_bits(w, b)
        wq = _flip(_q(w, f), "weights", sites, p, rng, 8)
        bq = _flip(_q(b, f), "weights", sites, p, rng, 8)
        a = _flip(a, "inputs", sites, p, rng, 8)
        # exact: |a w| <= 2^14, summed over fewer than 2^38 terms, fits float64's 53 bits
        acc = a.astype(np.float64) @ wq.astype(np.float64) + bq.astype(np.float64) * 128.0
        if i == last:
            return acc
        h = hidden_activation(acc * 2.0 ** -(f + 7), net.activation)
        a = _flip(_q(h, 7), "outputs", sites, p, rng, 8)
    raise AssertionError("unreachable")


def _fp16_act(z: np.ndarray, activation: str) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):
        if activation == "tanh":
            return np.where(np.isnan(z), np.float32(0), np.tanh(z))
        return np.where(z > 0, np.where(z < 1, z, np.float32(1)), np.float32(0))


def fp16_forward(net: Network, u: np.ndarray, p: float = 0.0, sites=(), rng=None) -> np.ndarray:
    """Scores (float32) of the fp16-storage network (binary32 products and sums)."""
    rng = rng if rng is not None else np.random.default_rng(0)
    a = net.encode(u).astype(np.float16)
    last = len(net.weights) - 1
    with np.errstate(over="ignore", invalid="ignore"):
        for i, (w, b) in enumerate(zip(net.weights, net.biases)):
            wq = _flip(w.astype(np.float16), "weights", sites, p, rng, 16)
            bq = _flip(b.astype(np.float16), "weights", sites, p, rng, 16)
            a = _flip(a, "inputs", sites, p, rng, 16)
            z = a.astype(np.float32) @ wq.astype(np.float32) + bq.astype(np.float32)
            if i == last:
                return z
            a = _flip(_fp16_act(z, net.activation).astype(np.float16), "outputs", sites, p, rng, 16)
    raise AssertionError("unreachable")


def argmax_scores(scores: np.ndarray) -> np.ndarray:
    """argmax per row; NaN scores never win (a row of NaNs gives class 0)."""
    s = np.where(np.isnan(scores), -np.inf, scores)
    return s.argmax(axis=1)


# -- sweeps -------------------------------------------------------------------------------------

MODELS = ("float", "sc-mlp", "int8", "fp16", "int8-value", "fp16-value")
#: sc-mlp parameters a sweep may set (the rest: stream length, seeds and flips, come from the sweep)
SC_OPTIONS = ("width", "sng", "input_channels", "weight_channels", "adder", "states", "chain", "flip_width")


@dataclasses.dataclass(frozen=True)
class Case:
    """One evaluation: a model at a flip rate with a seed (L: the SC stream length, or for the
    per-value baselines the length they are matched to)."""

    model: str
    flip_rate: float
    seed: int
    length: int | None = None

    def bit_rate(self) -> float:
        """The per-bit flip rate the model actually runs at."""
        if self.model.endswith("-value"):
            return per_value_rate(self.flip_rate, self.length, WORD_BITS[self.model.split("-")[0]])
        return self.flip_rate if self.model != "float" else 0.0


@dataclasses.dataclass(frozen=True)
class Sweep:
    """What ``schw faults`` runs: every model at every flip rate (float at 0 only), the SC-MLP and
    the per-value baselines at every length, each with every seed."""

    models: tuple[str, ...] = ("float", "sc-mlp", "int8", "fp16", "int8-value", "fp16-value")
    lengths: tuple[int, ...] = (64, 256, 1024)
    flip_rates: tuple[float, ...] = (0.0, 0.01, 0.05, 0.1, 0.2)
    sites: tuple[str, ...] = SITES
    seeds: tuple[int, ...] = (1, 2, 3)
    sc: tuple[tuple[str, object], ...] = ()  # sc-mlp options (SC_OPTIONS) as (name, value) pairs

    def __post_init__(self):
        bad = [m for m in self.models if m not in MODELS]
        if bad or not self.models:
            raise ParamError("models", "a comma list of " + ", ".join(MODELS), ",".join(self.models))
        bad = [s for s in self.sites if s not in SITES]
        if bad or not self.sites:
            raise ParamError("sites", "a comma list of " + ", ".join(SITES), ",".join(self.sites))
        for r in self.flip_rates:
            if isinstance(r, bool) or not isinstance(r, (int, float)) or not 0.0 <= r <= 0.5:
                raise ParamError("flip_rates", "a comma list of flip rates in [0, 0.5] (0.01 = 1 %)", r)
        if not self.flip_rates:
            raise ParamError("flip_rates", "a comma list of flip rates in [0, 0.5] (0.01 = 1 %)", "")
        if not self.seeds or any(isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 2**32 for v in self.seeds):
            raise ParamError("seeds", "a comma list of seeds in 0..2^32-1", self.seeds)
        needs_length = any(m == "sc-mlp" or m.endswith("-value") for m in self.models)
        if needs_length and (not self.lengths or any(isinstance(n, bool) or not isinstance(n, int) or n < 4
                                                     or n & (n - 1) or n > 65536 for n in self.lengths)):
            raise ParamError("lengths", "a comma list of stream lengths, powers of two in 4..65536", self.lengths)
        bad = [k for k, _ in self.sc if k not in SC_OPTIONS]
        if bad:
            raise ParamError(bad[0], "an sc-mlp option: " + ", ".join(SC_OPTIONS), None)

    def cases(self) -> list[Case]:
        out = []
        for model in self.models:
            lengths = self.lengths if model == "sc-mlp" or model.endswith("-value") else (None,)
            rates = (0.0,) if model == "float" else self.flip_rates
            seeds = self.seeds[:1] if model == "float" else self.seeds
            out += [Case(model, r, s, n) for n in lengths for r in rates for s in seeds]
        return out

    def applied_sites(self, model: str) -> list[str]:
        if model == "float":
            return []
        return [s for s in self.sites if model == "sc-mlp" or s in BINARY_SITES]


def fault_seed(seed: int, model: str, flip_rate: float, length: int | None) -> np.random.SeedSequence:
    """The fault generator of one case: a function of the seed and the case, not of the order
    in which cases run."""
    key = [seed, zlib.crc32(model.encode()), int(round(flip_rate * 1e9)), length or 0]
    return np.random.SeedSequence(key)


def binary_accuracy(net: Network, u, y, case: Case, sites) -> float:
    rng = np.random.default_rng(fault_seed(case.seed, case.model, case.flip_rate, case.length))
    forward = int8_forward if case.model.startswith("int8") else fp16_forward
    pred = argmax_scores(forward(net, u, case.bit_rate(), tuple(sites), rng))
    return float((pred == np.asarray(y)).mean())


def check_sc_network(net: Network, option: str = "weights") -> None:
    """The SC-MLP computes tanh hidden units on bipolar inputs: other networks do not map onto it."""
    if net.activation != "tanh" or net.inputs != "bipolar":
        raise ParamError(option, "a tanh network on bipolar inputs for the sc-mlp model (schw train --optimizer float "
                         "--activation tanh --save-weights FILE)", f"{net.activation}, {net.inputs} inputs")


class ScModel:
    """The SC-MLP golden model of one network, its quantized form cached per parameter set."""

    def __init__(self, net: Network, options: dict):
        check_sc_network(net)
        self.net, self.options = net, dict(options)
        self._quantized = {}

    def params(self, length: int, flip_rate: float, sites, seed: int) -> ScMlpParams:
        applied = [s for s in SITES if s in sites]
        return ScMlpParams(sizes=",".join(map(str, self.net.sizes)), length=length, seed=seed, flip_rate=float(flip_rate),
                           flip_sites=",".join(applied or SITES), flip_seed=seed, **self.options)

    def counts(self, u, length: int, flip_rate: float, sites, seed: int) -> np.ndarray:
        p = self.params(length, flip_rate, sites, seed)
        key = p.replace(length=4, seed=0, flip_rate=0.0, flip_seed=0)
        if key not in self._quantized:
            self._quantized[key] = quantize_network(p, self.net.weights, self.net.biases)
        return sc_golden.infer(p, sc_golden.input_codes(p, u), self._quantized[key])

    def accuracy(self, u, y, case: Case, sites) -> float:
        pred = self.counts(u, case.length, case.flip_rate, sites, case.seed).argmax(axis=1)
        return float((pred == np.asarray(y)).mean())


def run(net: Network, u, y, sweep: Sweep, progress=None) -> list[dict]:
    """Every case of ``sweep`` on images ``u`` (in [0, 1]) with labels ``y``: one row each."""
    sc = ScModel(net, dict(sweep.sc)) if "sc-mlp" in sweep.models else None
    rows = []
    for case in sweep.cases():
        sites = sweep.applied_sites(case.model)
        t0, c0 = time.perf_counter(), time.process_time()
        if case.model == "float":
            acc = net.accuracy(u, y)
        elif case.model == "sc-mlp":
            acc = sc.accuracy(u, y, case, sites)
        else:
            acc = binary_accuracy(net, u, y, case, sites)
        rows.append({"model": case.model, "L": case.length, "flip_rate": case.flip_rate, "bit_flip_rate": case.bit_rate(),
                     "sites": sites, "seed": case.seed, "accuracy": acc, "images": int(len(y)),
                     "seconds": round(time.perf_counter() - t0, 3), "cpu_seconds": round(time.process_time() - c0, 3)})
        if progress is not None:
            progress(rows[-1])
    return rows


def summarize(rows: list[dict]) -> list[dict]:
    """Mean and sample standard deviation of accuracy over seeds, per (model, L, flip rate)."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["model"], r["L"], r["flip_rate"]), []).append(r)
    out = []
    for (model, length, rate), rs in groups.items():
        acc = np.array([r["accuracy"] for r in rs])
        out.append({"model": model, "L": length, "flip_rate": rate, "bit_flip_rate": rs[0]["bit_flip_rate"],
                    "sites": rs[0]["sites"], "seeds": [r["seed"] for r in rs], "accuracy_mean": float(acc.mean()),
                    "accuracy_std": float(acc.std(ddof=1)) if len(acc) > 1 else 0.0})
    return out


def label(model: str, length: int | None) -> str:
    if model == "sc-mlp":
        return f"sc-mlp L={length}"
    if model.endswith("-value"):
        return f"{model.split('-')[0]} (per value, L={length})"
    return model


def render_table(summary: list[dict]) -> str:
    """Models as rows, flip rates as columns, accuracy % as mean ± std."""
    rates = sorted({s["flip_rate"] for s in summary})
    models: dict[tuple, dict] = {}
    for s in summary:
        models.setdefault((s["model"], s["L"]), {})[s["flip_rate"]] = s
    names = {k: label(*k) for k in models}
    w0 = max(len("model"), *(len(n) for n in names.values()))
    head = f"{'model':<{w0}} " + " ".join(f"{'p = %g %%' % (100 * r):>15}" for r in rates)
    lines = [head, "-" * len(head)]
    for key, by_rate in models.items():
        cells = []
        for r in rates:
            s = by_rate.get(r)
            text = "" if s is None else f"{100 * s['accuracy_mean']:.2f} ± {100 * s['accuracy_std']:.2f}"
            cells.append(f"{text:>15}")
        lines.append(f"{names[key]:<{w0}} " + " ".join(cells))
    return "\n".join(lines)


def plot(summary: list[dict], path, title: str = "") -> None:
    """Accuracy vs flip rate, one line per model (error bars: std over seeds)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.5))
    models: dict[tuple, list[dict]] = {}
    for s in summary:
        models.setdefault((s["model"], s["L"]), []).append(s)
    rates = sorted({s["flip_rate"] for s in summary})
    for key, ss in models.items():
        ss = sorted(ss, key=lambda s: s["flip_rate"])
        if key[0] == "float":  # fault-free reference
            ax.axhline(100 * ss[0]["accuracy_mean"], color="k", ls="--", lw=1, label="float (no faults)")
            continue
        ax.errorbar([100 * s["flip_rate"] for s in ss], [100 * s["accuracy_mean"] for s in ss],
                    yerr=[100 * s["accuracy_std"] for s in ss], marker="o", ms=3, capsize=2,
                    ls=":" if key[0].endswith("-value") else "-", label=label(*key))
    ax.set_xlabel("bit flip rate (%)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_xticks([100 * r for r in rates])
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120, format="png")
    plt.close(fig)
