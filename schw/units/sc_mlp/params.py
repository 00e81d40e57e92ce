"""sc-layer / sc-mlp parameters, the quantized network and the fault-generator plan (NumPy, no
Amaranth). Both the generator and the golden model read the network and the plans from here, so
they cannot disagree on a weight code, a state count, an SNG channel or a fault generator's
start state. What the hardware computes with them is in the family docstring
(:mod:`schw.units.sc_mlp`).
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from schw.errors import ParamError
from schw.params import Params, choice, int_range, param, power_of_two
from schw.sc.spec import SngSpec, lfsr_init, lfsr_poly
from schw.units.fsm.params import Fsm, tanh_fsm

FLIP_SITES = ("inputs", "weights", "products", "outputs")
#: the Btanh / FSM state count is capped here (the fsm family's machine allows up to 4096 states)
MAX_STATES = 4096
MAX_NEURONS = 4096


# -- rules ------------------------------------------------------------------------------------

def _rate(name, value):
    if isinstance(value, bool) or not isinstance(value, float) or not 0.0 <= value <= 0.5:
        raise ParamError(name, "a number in 0..0.5 (the probability that a stream bit flips)", value)


_rate.allowed = "0..0.5"


def _states(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or not (value == 0 or (2 <= value <= MAX_STATES
                                                                                     and value % 2 == 0)):
        raise ParamError(name, f"0 (auto: from the layer scale and weights) or an even integer in 2..{MAX_STATES}",
                         value)


_states.allowed = f"0=auto, or even 2..{MAX_STATES}"


def _sites(name, value):
    items = [s.strip() for s in str(value).split(",") if s.strip()]
    bad = [s for s in items if s not in FLIP_SITES]
    if not isinstance(value, str) or bad or not items:
        raise ParamError(name, "a comma-separated list of " + ", ".join(FLIP_SITES), value)


_sites.allowed = ",".join(FLIP_SITES)


#: the ``weights`` value that means "no file: the seeded random network of weights_seed"
RANDOM = "random"


def _path(name, value):
    if not isinstance(value, str) or not value:
        raise ParamError(name, f"a path to a .npz weights file, or {RANDOM} for a seeded random network", value)


_path.allowed = f"FILE.npz | {RANDOM}"


def _sizes(name, value):
    try:
        sizes = [int(s) for s in str(value).split(",")]
    except ValueError:
        sizes = []
    if not isinstance(value, str) or len(sizes) < 2 or any(not 1 <= s <= MAX_NEURONS for s in sizes):
        raise ParamError(name, f"a comma-separated list of at least two layer sizes in 1..{MAX_NEURONS} "
                               "(inputs, hidden..., outputs), e.g. 8,6,4", value)


_sizes.allowed = "n0,n1,...,nK"


# -- weights files ----------------------------------------------------------------------------

def save_weights(path, weights, biases=None) -> None:
    """Write float weights as the ``--weights`` file: ``w{l}`` (n_l, n_{l+1}), ``b{l}`` (n_{l+1},)."""
    arrays = {f"w{i}": np.asarray(w, dtype=np.float64) for i, w in enumerate(weights)}
    for i, b in enumerate(biases or []):
        arrays[f"b{i}"] = np.asarray(b, dtype=np.float64)
    with open(path, "wb") as f:
        np.savez(f, **arrays)


@lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int, size: int) -> tuple[str, tuple, tuple]:
    with open(path, "rb") as f:
        data = f.read()
    digest = hashlib.sha256(data).hexdigest()
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: np.array(z[k], dtype=np.float64) for k in z.files}
    except Exception as e:  # not an npz, object arrays, non-numeric entries
        raise ParamError("weights", "a .npz file of float arrays w0, b0, w1, ...", f"{path} ({e})") from None
    weights, biases = [], []
    layer = 0
    while f"w{layer}" in arrays:
        weights.append(arrays[f"w{layer}"])
        biases.append(arrays.get(f"b{layer}"))
        layer += 1
    if not weights:
        raise ParamError("weights", "a .npz file with arrays w0, w1, ... (and optional b0, b1, ...)",
                         f"{path} holds {sorted(arrays)}")
    for a in weights + [b for b in biases if b is not None]:
        a.setflags(write=False)
        if not np.all(np.isfinite(a)):
            raise ParamError("weights", "finite weights (no NaN or inf)", path)
    return digest, tuple(weights), tuple(biases)


def load_weights(path: str) -> tuple[str, list[np.ndarray], list[np.ndarray | None]]:
    """(sha256 of the file, weights, biases) of a ``--weights`` file; ParamError when it is
    missing or not one."""
    try:
        st = os.stat(path)
    except OSError as e:
        raise ParamError("weights", "an existing .npz weights file", f"{path} ({e.strerror})") from None
    digest, w, b = _load(os.path.abspath(path), st.st_mtime_ns, st.st_size)
    return digest, list(w), list(b)


def random_weights(sizes, seed: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """A seeded random float network: w ~ N(0, 1/n_in), b ~ N(0, 0.1^2)."""
    rng = np.random.default_rng([seed, 0x5C41])
    weights = [rng.normal(0.0, 1.0 / math.sqrt(n), size=(n, m)) for n, m in zip(sizes[:-1], sizes[1:])]
    biases = [rng.normal(0.0, 0.1, size=m) for m in sizes[1:]]
    return weights, biases


# -- the quantized network --------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class NetLayer:
    """One quantized layer: ``codes`` (n+1, m) bipolar N-bit weight codes, row n the bias (the
    weight of a constant +1 input); ``scale`` the float weight of code value +1; ``states`` the
    Btanh / FSM state count of each neuron (layers with an activation), else None."""

    inputs: int
    neurons: int
    codes: np.ndarray
    scale: float
    states: tuple[int, ...] | None

    @property
    def rows(self) -> int:
        return self.inputs + 1

    def fsm(self, j: int) -> Fsm:
        """Neuron j's machine: initial state r/2, output 1 from state r/2 up (the fsm family's
        tanh machine; the APC version steps by 2 s - n' instead of +-1)."""
        return tanh_fsm(self.states[j])


@dataclass(frozen=True, eq=False)
class Network:
    layers: tuple[NetLayer, ...]
    source: str  # "file <sha256>" or "random weights_seed=<s>" or "arrays <sha256>"

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.layers[0].inputs, *[layer.neurons for layer in self.layers])

    def codes_sha256(self) -> str:
        h = hashlib.sha256()
        for layer in self.layers:
            h.update(np.ascontiguousarray(layer.codes, dtype="<i8").tobytes())
            h.update(repr((layer.scale, layer.states)).encode())
        return h.hexdigest()


def _quantize(w: np.ndarray, scale: float, width: int) -> np.ndarray:
    top = 1 << width
    codes = np.floor((w / scale + 1.0) / 2.0 * top + 0.5)
    return np.clip(codes, 0, top - 1).astype(np.int64)


def bipolar(codes, width: int) -> np.ndarray:
    """Bipolar value 2 c / 2^N - 1 of N-bit codes."""
    return 2.0 * np.asarray(codes, dtype=np.float64) / (1 << width) - 1.0


def _auto_states(p, codes: np.ndarray, scale: float) -> tuple[int, ...]:
    rows = codes.shape[0]
    if p.states:
        return (p.states,) * codes.shape[1]
    if p.adder == "mux":
        var = np.full(codes.shape[1], float(rows))  # +-1 steps of mean u/n': gain s n'
    else:
        var = (1.0 - bipolar(codes, p.width) ** 2).sum(axis=0)  # variance of the APC step 2 s - n'
    r = 2 * np.maximum(1, np.floor(scale * var + 0.5)).astype(np.int64)
    return tuple(int(v) for v in np.minimum(r, MAX_STATES))


def quantize_network(p, weights, biases=None, source: str | None = None) -> Network:
    """The hardware network of float ``weights`` (list of (n_l, n_{l+1})) and ``biases`` for the
    parameters ``p`` (width, adder, states; the layer sizes must match ``p.layer_sizes``)."""
    sizes = p.layer_sizes
    biases = list(biases) if biases is not None else [None] * len(weights)
    expect = ", ".join(f"w{i} {(n, m)}" for i, (n, m) in enumerate(zip(sizes[:-1], sizes[1:])))
    got = ", ".join(f"w{i} {tuple(np.shape(w))}" for i, w in enumerate(weights))
    if len(weights) != len(sizes) - 1 or any(np.shape(w) != (n, m) for w, n, m in zip(weights, sizes[:-1], sizes[1:])):
        raise ParamError("weights", f"weights matching {p.size_option} = {','.join(map(str, sizes))}: {expect}", got)
    for i, (b, m) in enumerate(zip(biases, sizes[1:])):
        if b is not None and np.shape(b) != (m,):
            raise ParamError("weights", f"bias b{i} of shape ({m},) for {p.size_option}", f"b{i} {np.shape(b)}")
    h = hashlib.sha256()
    layers = []
    for i, (w, b) in enumerate(zip(weights, biases)):
        w = np.asarray(w, dtype=np.float64)
        b = np.zeros(w.shape[1]) if b is None else np.asarray(b, dtype=np.float64)
        full = np.concatenate([w, b[None, :]], axis=0)
        h.update(full.astype("<f8").tobytes())
        scale = float(np.abs(full).max()) or 1.0
        codes = _quantize(full, scale, p.width)
        codes.setflags(write=False)
        act = p.activations[i]
        layers.append(NetLayer(w.shape[0], w.shape[1], codes, scale, _auto_states(p, codes, scale) if act else None))
    return Network(tuple(layers), source or f"arrays sha256 {h.hexdigest()}")


@lru_cache(maxsize=16)
def _network(p, stamp) -> Network:
    if p.weights != RANDOM:
        digest, w, b = load_weights(p.weights)
        return quantize_network(p, w, b, source=f"file sha256 {digest}")
    w, b = random_weights(p.layer_sizes, p.weights_seed)
    return quantize_network(p, w, b, source=f"random weights_seed={p.weights_seed}")


def network(p) -> Network:
    """The quantized network of ``p``: from ``p.weights`` (a .npz file) or, when that is
    ``random``, the seeded random network of ``p.weights_seed``."""
    stamp = None
    if p.weights != RANDOM:
        try:
            st = os.stat(p.weights)
            stamp = (os.path.abspath(p.weights), st.st_mtime_ns, st.st_size)
        except OSError as e:
            raise ParamError("weights", "an existing .npz weights file", f"{p.weights} ({e.strerror})") from None
    return _network(p, stamp)


# -- SNG channels -------------------------------------------------------------------------------

@dataclass(frozen=True)
class LayerChannels:
    """SNG channels of one layer: ``inputs`` (one per input, or None when the layer's inputs are
    the previous layer's output streams), ``rows`` (one per weight row i, the bias row last),
    ``select`` (the MUX adder's select channel, or None)."""

    inputs: tuple[int, ...] | None
    rows: tuple[int, ...]
    select: int | None


def channel_plan(p, sizes=None) -> tuple[int, list[LayerChannels]]:
    """(channels, per-layer channels) of the one SNG bank (``p.spec``, mode independent):
    layer by layer its input channels (layer 0 always; later layers with ``layers=reencode``),
    its weight-row channels, its select channel (``adder=mux``)."""
    sizes = sizes or p.layer_sizes
    nxt = 0
    out = []
    for layer, (n, _m) in enumerate(zip(sizes[:-1], sizes[1:])):
        ins = None
        if layer == 0 or p.mode == "reencode":
            count = n if p.input_channels == "independent" else 1
            ins = tuple(range(nxt, nxt + count)) if count == n else (nxt,) * n
            nxt += count
        count = n + 1 if p.weight_channels == "row" else 1
        rows = tuple(range(nxt, nxt + count)) if count == n + 1 else (nxt,) * (n + 1)
        nxt += count
        sel = None
        if p.adder == "mux":
            sel, nxt = nxt, nxt + 1
        out.append(LayerChannels(ins, rows, sel))
    return nxt, out


# -- fault generators ----------------------------------------------------------------------------

@dataclass(frozen=True)
class FaultGrid:
    """The flip sites of one kind in one layer, as a grid of ``rows`` x ``cols``: site (a, b)
    flips in run cycle t when ``(R_a[t] ^ C_b[t]) < threshold``. R_a and C_b are w-bit Galois
    LFSRs (polynomial index 0 for rows, 1 for columns) starting at ``row_init[a]`` /
    ``col_init[b]`` at every run start. ``inputs``: rows = the layer's inputs, 1 column;
    ``weights``/``products``: rows = weight rows (bias last), cols = neurons; ``outputs``: 1 row,
    cols = neurons."""

    layer: int
    site: str
    rows: int
    cols: int
    row_init: tuple[int, ...]
    col_init: tuple[int, ...]


def fault_polys(width: int) -> tuple[int, int]:
    """The row and column polynomials (XOR masks without x^w) of the fault generators."""
    return lfsr_poly(width, 0), lfsr_poly(width, 1)


def fault_plan(p, sizes=None) -> list[FaultGrid]:
    """Every fault grid of ``p`` (none when the threshold is 0)."""
    if not p.flip_threshold:
        return []
    sizes = sizes or p.layer_sizes
    acts = p.activations
    out = []
    g = 0
    for layer, (n, m) in enumerate(zip(sizes[:-1], sizes[1:])):
        for site in p.sites:
            if site == "inputs":
                shape = (n, 1)
            elif site in ("weights", "products"):
                shape = (n + 1, m)
            elif acts[layer]:
                shape = (1, m)
            else:
                continue  # the linear output layer has no output stream
            rows = tuple(lfsr_init(p.flip_width, p.flip_seed, g + a) for a in range(shape[0]))
            g += shape[0]
            cols = tuple(lfsr_init(p.flip_width, p.flip_seed, g + b) for b in range(shape[1]))
            g += shape[1]
            out.append(FaultGrid(layer, site, shape[0], shape[1], rows, cols))
    return out


# -- parameters ---------------------------------------------------------------------------------

_COMMON = {
    "width": (8, int_range(2, 16), "operand and weight code width N (bipolar value 2c/2^N - 1)"),
    "length": (256, power_of_two(4, 65536), "stream length L in cycles"),
    "sng": ("lfsr", choice("lfsr", "sobol"), "stochastic number generator (one bank, independent channels)"),
    "seed": (0, int_range(0, 2**32 - 1), "SNG seed"),
    "input_channels": ("independent", choice("independent", "shared"),
                       "SNG channels of the input streams: one per input, or one for all"),
    "weight_channels": ("row", choice("row", "shared"),
                        "SNG channels of the weight streams: one per input row of a layer (shared by its "
                        "neurons), or one per layer"),
    "adder": ("apc", choice("apc", "mux"), "accumulation: APC (exact per-cycle sum) or MUX adder"),
    "states": (0, _states, "Btanh/FSM states per hidden neuron; 0 = from the layer scale and weights"),
    "weights": (RANDOM, _path, f"weights file (.npz: w0, b0, w1, ...), or {RANDOM}: a seeded random network"),
    "weights_seed": (1, int_range(0, 2**32 - 1), "seed of the random network (no weights file)"),
    "flip_rate": (0.0, _rate, "fault injection: probability P that a stream bit flips (0 = no fault wrapper)"),
    "flip_sites": ("inputs,weights,products,outputs", _sites, "streams that may flip: " + ", ".join(FLIP_SITES)),
    "flip_seed": (1, int_range(0, 2**32 - 1), "seed of the fault generators"),
    "flip_width": (16, int_range(8, 32), "fault generator LFSR width w (threshold round(P 2^w))"),
}


def _f(name: str):
    """A fresh dataclass field for one of the parameters sc-layer and sc-mlp share."""
    return param(*_COMMON[name])


class _NetParams(Params):
    """What sc-layer and sc-mlp share: conversions, cross-field checks, derived values."""

    def __post_init__(self):
        rate = self.flip_rate
        if isinstance(rate, (str, int)) and not isinstance(rate, bool):
            try:
                rate = float(rate)
            except ValueError:
                raise ParamError("flip_rate", "a number in 0..0.5 (the probability that a stream bit flips)",
                                 self.flip_rate) from None
            object.__setattr__(self, "flip_rate", rate)
        if isinstance(self.flip_sites, str):  # canonical order, no repeats
            items = {s.strip() for s in self.flip_sites.split(",") if s.strip()}
            if items and items <= set(FLIP_SITES):
                object.__setattr__(self, "flip_sites", ",".join(s for s in FLIP_SITES if s in items))
        super().__post_init__()

    def check(self):
        self.spec.plan(self.channels)  # Sobol: at most 16 channels
        if self.weights != RANDOM:
            network(self)  # loads the file and checks its shapes: ParamError("weights")

    # -- derived ---------------------------------------------------------------------------
    @property
    def spec(self) -> SngSpec:
        return SngSpec(self.sng, self.width, self.seed)

    @property
    def channels(self) -> int:
        return channel_plan(self)[0]

    @property
    def sites(self) -> tuple[str, ...]:
        return tuple(self.flip_sites.split(","))

    @property
    def flip_threshold(self) -> int:
        """T = floor(P * 2^w + 1/2): a site flips when its w-bit fault code is below T."""
        return int(math.floor(self.flip_rate * (1 << self.flip_width) + 0.5))

    @property
    def network(self) -> Network:
        return network(self)

    @property
    def layer_count(self) -> int:
        return len(self.layer_sizes) - 1

    @property
    def result_width(self) -> int:
        """Bits of each result port: L + 1 values for a count of one stream (an activation
        output, or the MUX adder's output); (n + 1) L + 1 for the APC count of the last layer."""
        if self.activations[-1] or self.adder == "mux":
            return self.length.bit_length()
        return ((self.layer_sizes[-2] + 1) * self.length).bit_length()

    @property
    def latency(self) -> int:
        return self.length * (self.layer_count if self.mode == "reencode" else 1)


@dataclass(frozen=True)
class ScLayerParams(_NetParams):
    inputs: int = param(8, int_range(1, MAX_NEURONS), "number of inputs n (a bias input comes on top)")
    neurons: int = param(4, int_range(1, MAX_NEURONS), "number of neurons m")
    activation: str = param("btanh", choice("btanh", "none"),
                            "btanh: result = ones of each neuron's activation stream; none: the APC count")
    width: int = _f("width")
    length: int = _f("length")
    sng: str = _f("sng")
    seed: int = _f("seed")
    input_channels: str = _f("input_channels")
    weight_channels: str = _f("weight_channels")
    adder: str = _f("adder")
    states: int = _f("states")
    weights: str = _f("weights")
    weights_seed: int = _f("weights_seed")
    flip_rate: float = _f("flip_rate")
    flip_sites: str = _f("flip_sites")
    flip_seed: int = _f("flip_seed")
    flip_width: int = _f("flip_width")

    mode = "stream"
    size_option = "--inputs/--neurons"

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        return (self.inputs, self.neurons)

    @property
    def activations(self) -> tuple[bool, ...]:
        return (self.activation == "btanh",)


@dataclass(frozen=True)
class ScMlpParams(_NetParams):
    sizes: str = param("8,6,4", _sizes, "layer sizes: inputs, hidden..., classes")
    chain: str = param("stream", choice("stream", "reencode"),
                       "how layers connect: stream (activation streams feed the next layer's XNORs; latency L) "
                       "or reencode (count, re-encode to a code, new SNG streams; latency K L)")
    width: int = _f("width")
    length: int = _f("length")
    sng: str = _f("sng")
    seed: int = _f("seed")
    input_channels: str = _f("input_channels")
    weight_channels: str = _f("weight_channels")
    adder: str = _f("adder")
    states: int = _f("states")
    weights: str = _f("weights")
    weights_seed: int = _f("weights_seed")
    flip_rate: float = _f("flip_rate")
    flip_sites: str = _f("flip_sites")
    flip_seed: int = _f("flip_seed")
    flip_width: int = _f("flip_width")

    size_option = "--sizes"

    def __post_init__(self):
        if isinstance(self.sizes, str):
            object.__setattr__(self, "sizes", self.sizes.replace(" ", ""))
        super().__post_init__()

    @property
    def mode(self) -> str:
        return self.chain

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        return tuple(int(s) for s in self.sizes.split(","))

    @property
    def activations(self) -> tuple[bool, ...]:
        return (True,) * (self.layer_count - 1) + (False,)
