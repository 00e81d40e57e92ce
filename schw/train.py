"""Training an MLP whose every weight update goes through a counter's bit-exact golden model.

Forward and backward passes run in NumPy (float64); the network is
``in -> hidden... -> 10`` with clipped-ReLU hidden units (min(max(z, 0), 1), so every
activation is a unipolar SC operand) and softmax + cross-entropy at the output. Training is
per-sample SGD: one counter cycle per weight per training image. With ``activation="tanh"``
(float only) the hidden units are tanh and the inputs bipolar, ``2 u - 1``: the float model the
SC-MLP computes (:mod:`schw.units.sc_mlp`). The weight of every layer
(a bias is the weight of a constant-1 input) is a W-bit counter with LSB 2^-k.

For weight ``w_ij`` with input activation ``a_i`` and output error ``e_j = dL/dz_j`` the
gradient is ``a_i e_j``; its operands are quantized to N bits: ``x = q(a_i)``,
``dp = q(max(-e_j, 0))``, ``dn = q(max(e_j, 0))`` with ``q(u) = min(round(u 2^N), 2^N - 1)``
after clipping to [0, 1]. Then, per optimizer:

``sc-gdc``  :class:`schw.units.gdc.golden.GdcArray`: counter += A - B, E = x (dp - dn) / 2^2N = -a e
            (step size 2^-k); one independent random-source set per weight, or with
            ``sources="outer"`` the sc-gdc-array outer-product layout (one x comparator per
            row, one dp/dn pair per column, a source set per row and per column).
``sc-gdm``  :func:`schw.units.gdc.golden.gdm_step` with ``g = round(x (dn - dp) / 2^N)`` and eta = 2^-m,
            so the steady-state step equals SC-GDC's.
``fixed``   the same W-bit counters, :func:`schw.units.gdc.golden.fxp_delta` (round to nearest of the same
            quantized term, the fxp-acc datapath with extra_bits = 0, or finer with
            ``fixed_extra_bits``).
``fixed-acc`` the fixed-point baseline that learns at any step size: full-precision accumulation of
            the quantized update. The register keeps every bit of the N x N product below the
            step: LSB 2^-(k+2N), W + 2N bits (the same integer range as the W-bit counters), and
            the update ``x (dn - dp)`` is added exactly (fxp_delta with extra_bits = 2N: no
            rounding). Its datapath is ``fxp-acc --width W+2N --operand-width N --extra-bits 2N``.
            Plain ``fixed`` at a small step rounds every term below half an LSB to zero and stops
            learning (Fashion-MNIST, k = 10: ~15 % after one epoch on 1,000 images).
``float``   float64 weights, w -= 2^-k a e (no quantization).

Data sets: ``digits`` (scikit-learn, pixels / 16), ``mnist`` (the four IDX files in
``data_dir``, pixels / 255) and ``fashion-mnist`` (the same files from Debian's
``dataset-fashion-mnist``, found without ``data_dir``). The trained network's weights, biases,
layer sizes and input scaling go to an ``.npz`` file (:func:`save_weights`), read back by
:func:`load_weights` for inference (``schw faults --weights``).
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .errors import ParamError, ToolError
from .sc.golden import SngStream
from .sc.spec import SngSpec
from .units.gdc.golden import GdcArray, fxp_delta, gdm_step, saturating_add
from .units.gdc.params import ScGdmParams, limits

OPTIMIZERS = ("sc-gdc", "sc-gdm", "fixed", "fixed-acc", "float")
ACTIVATIONS = ("clipped-relu", "tanh")
DATASETS = ("digits", "mnist", "fashion-mnist")
# x = pixel / INPUT_SCALE: every input is a unipolar operand in [0, 1]
INPUT_SCALE = {"digits": 16.0, "mnist": 255.0, "fashion-mnist": 255.0}
FASHION_MNIST_PACKAGE = "dataset-fashion-mnist"
FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")  # where the Debian package puts the files
WEIGHTS_FORMAT = "schw-mlp-weights/1"


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    optimizer: str = "sc-gdc"
    dataset: str = "digits"
    data_dir: str | None = None
    hidden: tuple[int, ...] = (64,)
    epochs: int = 20
    step_exp: int = 6
    seed: int = 1
    width: int = 16
    operand_width: int = 8
    coding: str = "signed"
    shared: bool = True
    sng: str = "lfsr"
    momentum_exp: int = 3
    fixed_extra_bits: int = 0
    sources: str = "per-weight"  # sc-gdc: "per-weight" source sets, or "outer" (one per row / column)
    limit_train: int | None = None  # use only the first n training images (tests, quick looks)
    activation: str = "clipped-relu"  # hidden units; "tanh" (float only): tanh units on bipolar inputs 2u - 1

    def __post_init__(self):
        if self.optimizer not in OPTIMIZERS:
            raise ParamError("optimizer", "one of " + ", ".join(OPTIMIZERS), self.optimizer)
        if self.dataset not in DATASETS:
            raise ParamError("dataset", "one of " + ", ".join(DATASETS), self.dataset)
        if self.dataset == "mnist" and not self.data_dir:
            raise ParamError("data_dir", "a directory with the MNIST IDX files (required with --dataset mnist)", None)
        if not self.hidden or any(isinstance(h, bool) or not isinstance(h, int) or not 1 <= h <= 4096
                                  for h in self.hidden):
            raise ParamError("hidden", "a comma-separated list of layer sizes in 1..4096", self.hidden)
        checks = [("epochs", self.epochs, 1, 1000), ("step_exp", self.step_exp, 0, 24), ("seed", self.seed, 0, 2**32 - 1),
                  ("width", self.width, 4, 32), ("operand_width", self.operand_width, 2, 16),
                  ("momentum_exp", self.momentum_exp, 1, 12), ("fixed_extra_bits", self.fixed_extra_bits, 0, 16)]
        for name, value, lo, hi in checks:
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise ParamError(name, f"an integer in {lo}..{hi}", value)
        if self.coding not in ("unipolar", "signed"):
            raise ParamError("coding", "one of unipolar, signed (activations are unipolar)", self.coding)
        if self.sng not in ("lfsr",):
            raise ParamError("sng", "lfsr (one independent source set per weight needs more than 16 Sobol dimensions)",
                             self.sng)
        if self.activation not in ACTIVATIONS:
            raise ParamError("activation", "one of " + ", ".join(ACTIVATIONS), self.activation)
        if self.activation == "tanh" and self.optimizer != "float":
            raise ParamError("activation", "clipped-relu with sc-gdc, sc-gdm, fixed and fixed-acc (their x operand is "
                             "a unipolar code); tanh with float only", f"{self.activation} with {self.optimizer}")
        if self.sources not in ("per-weight", "outer"):
            raise ParamError("sources", "one of per-weight, outer", self.sources)
        if self.fixed_extra_bits > 2 * self.operand_width:
            raise ParamError("fixed_extra_bits", f"an integer in 0..{2 * self.operand_width}", self.fixed_extra_bits)

    @property
    def register_width(self) -> int:
        """Bits of the weight register (fixed-acc: W + 2N, the product's fraction bits below the step)."""
        return self.width + 2 * self.operand_width if self.optimizer == "fixed-acc" else self.width

    @property
    def extra_bits(self) -> int:
        """Register fraction bits below the step size 2^-k."""
        if self.optimizer == "fixed-acc":
            return 2 * self.operand_width
        return self.fixed_extra_bits if self.optimizer == "fixed" else 0


# -- data -----------------------------------------------------------------------------------

def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (optionally gzipped): unsigned-byte data, big-endian int32 dims."""
    path = Path(path)
    if path.suffix == ".gz":
        with gzip.open(path) as f:
            raw = f.read()
    else:
        raw = path.read_bytes()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ParamError("data_dir", "IDX files (magic 0x0000 then type and rank)", f"{path.name}: bad magic")
    if raw[2] != 0x08:
        raise ParamError("data_dir", "IDX files of unsigned bytes (type 0x08)", f"{path.name}: type {raw[2]:#04x}")
    rank = raw[3]
    dims = struct.unpack(f">{rank}i", raw[4:4 + 4 * rank])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank)
    if data.size != int(np.prod(dims)):
        raise ParamError("data_dir", "complete IDX files", f"{path.name}: {data.size} bytes for dims {dims}")
    return data.reshape(dims)


def _find(data_dir: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (data_dir / name).is_file():
            return data_dir / name
    raise ParamError("data_dir", f"a directory containing {stem}[.gz]", str(data_dir))


def load_mnist(data_dir) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    d = Path(data_dir)
    parts = [read_idx(_find(d, s)) for s in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                              "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")]
    xtr, ytr, xte, yte = parts
    if xtr.ndim != 3 or xte.ndim != 3 or len(xtr) != len(ytr) or len(xte) != len(yte):
        raise ParamError("data_dir", "MNIST IDX files (images rank 3, labels rank 1, equal counts)", str(d))
    f = lambda x: x.reshape(len(x), -1).astype(np.float64) / 255.0  # noqa: E731
    return f(xtr), ytr.astype(np.int64), f(xte), yte.astype(np.int64)


def load_digits_split(split_seed: int = 0, test_fraction: float = 0.2):
    """scikit-learn's bundled 8x8 digits (1,797 images), pixels / 16, a fixed seeded split
    (seed 0: 1,438 training and 359 test images)."""
    from sklearn.datasets import load_digits
    d = load_digits()
    x = d.data.astype(np.float64) / 16.0
    y = d.target.astype(np.int64)
    order = np.random.default_rng(split_seed).permutation(len(x))
    n_test = int(round(len(x) * test_fraction))
    te, tr = order[:n_test], order[n_test:]
    return x[tr], y[tr], x[te], y[te]


def fashion_mnist_dir() -> Path:
    """The folder of Debian's dataset-fashion-mnist files (ToolError, exit 1, when the package is
    not installed)."""
    stem = "train-images-idx3-ubyte.gz"
    if (FASHION_MNIST_DIR / stem).is_file():
        return FASHION_MNIST_DIR
    if shutil.which("dpkg"):
        listing = subprocess.run(["dpkg", "-L", FASHION_MNIST_PACKAGE], capture_output=True, text=True)
        for line in listing.stdout.splitlines():
            if line.endswith("/" + stem) and Path(line).is_file():
                return Path(line).parent
    raise ToolError(f"--dataset fashion-mnist needs Debian's {FASHION_MNIST_PACKAGE} package (not installed: "
                    f"apt-get install {FASHION_MNIST_PACKAGE}), or --data-dir with the four IDX files")


def data_dir(cfg: TrainConfig) -> Path | None:
    if cfg.dataset == "fashion-mnist" and not cfg.data_dir:
        return fashion_mnist_dir()
    return Path(cfg.data_dir) if cfg.data_dir else None


def load_data(cfg: TrainConfig):
    if cfg.dataset == "digits":
        return load_digits_split()
    return load_mnist(data_dir(cfg))


# -- network ----------------------------------------------------------------------------------

def quantize(u, n: int) -> np.ndarray:
    """q(u) = min(round(clip(u, 0, 1) * 2^N), 2^N - 1): a unipolar N-bit operand code."""
    return np.minimum(np.round(np.clip(u, 0.0, 1.0) * (1 << n)), (1 << n) - 1).astype(np.int64)


class Layer:
    """One weight matrix (inputs + bias row) x outputs, held by the chosen optimizer."""

    def __init__(self, cfg: TrainConfig, fan_in: int, fan_out: int, index: int, rng: np.random.Generator):
        self.cfg = cfg
        self.shape = (fan_in + 1, fan_out)
        lsb = 2.0 ** -cfg.step_exp
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        init = rng.uniform(-limit, limit, size=self.shape)
        init[-1] = 0.0  # biases
        lo, hi = limits(cfg.register_width)
        self.lsb = lsb * 2.0 ** -cfg.extra_bits
        self.cnt = np.clip(np.round(init / self.lsb), lo, hi).astype(np.int64)
        self.wf = self.cnt * self.lsb  # float optimizer: starts from the same quantized weights
        spec = SngSpec(cfg.sng, cfg.operand_width, (cfg.seed * 7919 + index * 104729) % 2**32)
        size = self.shape[0] * self.shape[1]
        if cfg.optimizer == "sc-gdc" and cfg.sources == "outer":
            # the sc-gdc-array outer-product layout: x comparators per row, d comparators per column
            self.arr = GdcArray(cfg.coding, cfg.shared, cfg.width, spec, self.shape, max(self.shape), self.shape)
            self.arr.load(self.cnt)
        elif cfg.optimizer == "sc-gdc":
            self.arr = GdcArray(cfg.coding, cfg.shared, cfg.width, spec, self.shape, size)
            self.arr.load(self.cnt)
        elif cfg.optimizer == "sc-gdm":
            self.gdm = ScGdmParams(width=cfg.width, operand_width=cfg.operand_width,
                                   momentum_exp=cfg.momentum_exp, eta_exp=cfg.momentum_exp)
            self.stream = SngStream(spec, size)
            self.v = np.zeros(self.shape, dtype=np.int64)

    def weights(self) -> np.ndarray:
        if self.cfg.optimizer == "float":
            return self.wf
        if self.cfg.optimizer == "sc-gdc":
            return self.arr.cnt * self.lsb
        return self.cnt * self.lsb

    def update(self, a: np.ndarray, e: np.ndarray) -> None:
        """One training step for this layer: input activations ``a`` (with the bias 1), output
        errors ``e`` = dL/dz."""
        cfg, n = self.cfg, self.cfg.operand_width
        if cfg.optimizer == "float":
            self.wf -= 2.0 ** -cfg.step_exp * np.outer(a, e)
            return
        if cfg.optimizer == "sc-gdc" and cfg.sources == "outer":
            x = quantize(a, n)
            self.arr.update(x, quantize(-e, n), quantize(e, n), np.zeros_like(x))
            return
        x = quantize(a, n)[:, None]
        dp = quantize(-e, n)[None, :]
        dn = quantize(e, n)[None, :]
        if cfg.optimizer == "sc-gdc":
            self.arr.update(x, dp, dn, np.zeros_like(x))
        elif cfg.optimizer in ("fixed", "fixed-acc"):
            delta = fxp_delta(n, cfg.extra_bits, x, dp - dn)
            self.cnt = saturating_add(self.cnt, delta, cfg.register_width)
        else:  # sc-gdm: the binary gradient code, rounded half up like fxp-acc
            g = (x * (dn - dp) + (1 << (n - 1))) >> n
            self.cnt, self.v = gdm_step(self.gdm, self.cnt, self.v, g, self.stream.codes.reshape(self.shape))
            self.stream.step()


def hidden_activation(z: np.ndarray, activation: str) -> np.ndarray:
    return np.tanh(z) if activation == "tanh" else np.clip(z, 0.0, 1.0)


def _forward(layers, x):
    """Activations of every layer (each with the bias column) and the output probabilities."""
    acts = []
    h = x
    for i, layer in enumerate(layers):
        a = np.concatenate([h, np.ones(h.shape[:-1] + (1,))], axis=-1)
        acts.append(a)
        z = a @ layer.weights()
        if i < len(layers) - 1:
            h = hidden_activation(z, layer.cfg.activation)
        else:
            z = z - z.max(axis=-1, keepdims=True)
            p = np.exp(z)
            h = p / p.sum(axis=-1, keepdims=True)
    return acts, h


def accuracy(layers, x, y) -> float:
    return float((_forward(layers, x)[1].argmax(axis=1) == y).mean())


def train(cfg: TrainConfig, data=None, progress=True, out=sys.stderr) -> dict:
    """Train one network; returns a result row (accuracies in %, per-epoch history)."""
    return train_network(cfg, data, progress, out)[0]


def train_network(cfg: TrainConfig, data=None, progress=True, out=sys.stderr) -> tuple[dict, Network]:
    """Train one network; returns the result row and the trained :class:`Network`."""
    xtr, ytr, xte, yte = data if data is not None else load_data(cfg)
    if cfg.limit_train:
        xtr, ytr = xtr[:cfg.limit_train], ytr[:cfg.limit_train]
    if cfg.activation == "tanh":  # bipolar inputs, as the SC-MLP sees them
        xtr, xte = 2.0 * xtr - 1.0, 2.0 * xte - 1.0
    rng = np.random.default_rng(cfg.seed)
    sizes = [xtr.shape[1], *cfg.hidden, 10]
    layers = [Layer(cfg, sizes[i], sizes[i + 1], i, rng) for i in range(len(sizes) - 1)]
    history = []
    t0 = time.time()
    for epoch in range(cfg.epochs):
        order = rng.permutation(len(xtr))
        loss = 0.0
        bar = _Bar(len(order), f"{cfg.optimizer:>6} epoch {epoch + 1}/{cfg.epochs}", out if progress else None)
        for count, i in enumerate(order):
            acts, prob = _forward(layers, xtr[i])
            loss -= np.log(max(prob[ytr[i]], 1e-12))
            e = prob.copy()
            e[ytr[i]] -= 1.0
            for li in range(len(layers) - 1, -1, -1):
                layer = layers[li]
                back = None
                if li > 0:
                    h_prev = acts[li][:-1]  # hidden outputs of the layer below
                    slope = (1.0 - h_prev ** 2) if cfg.activation == "tanh" else ((h_prev > 0) & (h_prev < 1))
                    back = (layer.weights()[:-1] @ e) * slope
                layer.update(acts[li], e)
                e = back
            bar.update(count + 1)
        test_acc = accuracy(layers, xte, yte)
        history.append({"epoch": epoch + 1, "train_loss": loss / len(order), "test_accuracy": 100 * test_acc})
        bar.finish(f"loss {loss / len(order):.4f}  test {100 * test_acc:.2f}%")
    row = {
        "optimizer": cfg.optimizer, "dataset": cfg.dataset, "hidden": list(cfg.hidden), "epochs": cfg.epochs,
        "step_exp": cfg.step_exp, "width": cfg.register_width, "operand_width": cfg.operand_width,
        "seed": cfg.seed, "variant": _variant(cfg), "train_images": len(xtr), "test_images": len(xte),
        "train_accuracy": 100 * accuracy(layers, xtr, ytr), "test_accuracy": 100 * accuracy(layers, xte, yte),
        "seconds": round(time.time() - t0, 1), "history": history,
    }
    net = Network(tuple(sizes), [la.weights()[:-1].copy() for la in layers], [la.weights()[-1].copy() for la in layers],
                  INPUT_SCALE[cfg.dataset], cfg.dataset, cfg.activation,
                  "bipolar" if cfg.activation == "tanh" else "unipolar",
                  {"optimizer": cfg.optimizer, "variant": row["variant"], "step_exp": cfg.step_exp, "width": cfg.width,
                   "register_width": cfg.register_width, "operand_width": cfg.operand_width, "seed": cfg.seed,
                   "epochs": cfg.epochs, "test_accuracy": row["test_accuracy"]})
    return row, net


# -- trained networks: the weights file --------------------------------------------------------

@dataclasses.dataclass
class Network:
    """A trained MLP as inference sees it: ``weights[i]`` is (sizes[i], sizes[i+1]), ``biases[i]``
    is (sizes[i+1],); the output is the argmax of the last layer's z. Inputs are
    ``u = pixel / input_scale`` in [0, 1], fed as u (``inputs="unipolar"``) or 2u - 1
    (``"bipolar"``); hidden units are ``activation``: clipped ReLU min(max(z, 0), 1) or tanh."""

    sizes: tuple[int, ...]
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    input_scale: float
    dataset: str
    activation: str = "clipped-relu"
    inputs: str = "unipolar"
    meta: dict = dataclasses.field(default_factory=dict)

    def encode(self, u: np.ndarray) -> np.ndarray:
        """The first layer's input values of images u in [0, 1]."""
        u = np.asarray(u, dtype=np.float64)
        return 2.0 * u - 1.0 if self.inputs == "bipolar" else u

    def forward(self, u: np.ndarray) -> np.ndarray:
        """float64 scores of the output layer for images u (n, sizes[0]) in [0, 1]."""
        h = self.encode(u)
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = h @ w + b
            h = hidden_activation(z, self.activation) if i < len(self.weights) - 1 else z
        return h

    def accuracy(self, u, y) -> float:
        return float((self.forward(u).argmax(axis=1) == np.asarray(y)).mean())


def check_weights_path(path, option: str = "save_weights") -> Path:
    """A path whose directory exists and is writable (checked before a long run writes it)."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir() or not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise ParamError(option, "a file name in an existing writable directory", str(path))
    return path


def save_weights(path, net: Network, option: str = "save_weights") -> Path:
    """Write ``net`` to an .npz file atomically (a temporary file renamed into place). Every entry
    is numeric, so the sc-mlp unit's ``--weights`` reader takes the file as it is:
    ``w0, b0, w1, b1, ...`` (float64), ``sizes`` (int64), ``input_scale`` (float64) and ``meta``,
    a JSON object as UTF-8 bytes (uint8): format, dataset, activation, inputs, and what trained it."""
    path = check_weights_path(path, option)
    meta = {"format": WEIGHTS_FORMAT, "dataset": net.dataset, "activation": net.activation, "inputs": net.inputs,
            "input_scale": float(net.input_scale), **net.meta}
    arrays = {"sizes": np.array(net.sizes, dtype=np.int64), "input_scale": np.array(float(net.input_scale)),
              "meta": np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8)}
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        arrays[f"w{i}"], arrays[f"b{i}"] = np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64)
    fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def load_weights(path, inputs: int | None = None, classes: int | None = 10, option: str = "weights") -> Network:
    """Read a file written by :func:`save_weights`. Every array's shape is checked against the
    layer sizes (and ``inputs``/``classes`` when given: the data set's); a mismatch is a
    ParamError naming ``option`` (exit 2)."""
    path = Path(path)
    need = f"an .npz file written by schw train --save-weights ({WEIGHTS_FORMAT})"
    if not path.is_file():
        raise ParamError(option, need, f"{path}: no such file")
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
        meta = json.loads(data["meta"].astype(np.uint8).tobytes().decode()) if "meta" in data else {}
    except Exception as e:  # noqa: BLE001 - any unreadable file is a bad option value
        raise ParamError(option, need, f"{path}: {type(e).__name__}: {e}") from None
    if not isinstance(meta, dict) or meta.get("format") != WEIGHTS_FORMAT:
        raise ParamError(option, need, f"{path}: format {meta.get('format', 'missing') if isinstance(meta, dict) else meta!r}")
    if meta.get("activation") not in ACTIVATIONS or meta.get("inputs") not in ("unipolar", "bipolar"):
        raise ParamError(option, f"meta with activation in {', '.join(ACTIVATIONS)} and inputs unipolar|bipolar", str(path))
    sizes = data.get("sizes")
    if sizes is None or sizes.ndim != 1 or len(sizes) < 2 or sizes.dtype.kind not in "iu" or (sizes < 1).any():
        raise ParamError(option, "a weights file whose 'sizes' lists at least two positive layer sizes", str(path))
    sizes = tuple(int(v) for v in sizes)
    shown = "-".join(map(str, sizes))
    weights, biases = [], []
    for i in range(len(sizes) - 1):
        for key, shape, into in ((f"w{i}", (sizes[i], sizes[i + 1]), weights), (f"b{i}", (sizes[i + 1],), biases)):
            a = data.get(key)
            got = "missing" if a is None else f"shape {a.shape}"
            if a is None or a.shape != shape or a.dtype.kind != "f":
                raise ParamError(option, f"{key} of shape {shape} (float) for the layer sizes {shown}", f"{path}: {key} {got}")
            if not np.isfinite(a).all():
                raise ParamError(option, f"finite weights ({key} has NaN or inf)", str(path))
            into.append(a.astype(np.float64))
    extra = sorted(k for k in data if k[:1] in "wb" and k[1:].isdigit() and int(k[1:]) >= len(sizes) - 1)
    if extra:
        raise ParamError(option, f"exactly the arrays of the layer sizes {shown}", f"{path}: extra {', '.join(extra)}")
    if inputs is not None and sizes[0] != inputs:
        raise ParamError(option, f"a network with {inputs} inputs (the data set's image size)",
                         f"{path}: {sizes[0]} inputs")
    if classes is not None and sizes[-1] != classes:
        raise ParamError(option, f"a network with {classes} outputs (the data set's classes)", f"{path}: {sizes[-1]} outputs")
    scale = data.get("input_scale")
    if scale is None or scale.shape != () or not float(scale) > 0:
        raise ParamError(option, "a weights file with a positive input_scale", str(path))
    fixed = {"format", "dataset", "activation", "inputs", "input_scale"}
    return Network(sizes, weights, biases, float(scale), str(meta.get("dataset", "")), meta["activation"], meta["inputs"],
                   {k: v for k, v in meta.items() if k not in fixed})

class _Bar:
    """A one-line progress bar on a stream (stderr), redrawn at most ~20 times per epoch."""

    def __init__(self, total: int, label: str, stream):
        self.total, self.label, self.stream = total, label, stream
        self.every = max(1, total // 20)

    def update(self, done: int) -> None:
        if self.stream is None or (done % self.every and done != self.total):
            return
        filled = int(30 * done / self.total)
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {done}/{self.total}")
        self.stream.flush()

    def finish(self, text: str) -> None:
        if self.stream is not None:
            self.stream.write(f"  {text}\n")
            self.stream.flush()


def _variant(cfg: TrainConfig) -> str:
    if cfg.optimizer == "sc-gdc":
        return f"{cfg.coding}, {'shared' if cfg.shared else 'indep.'}, {cfg.sources}"
    if cfg.optimizer == "sc-gdm":
        return f"m = {cfg.momentum_exp}"
    if cfg.optimizer == "fixed":
        return f"LSB 2^-{cfg.step_exp + cfg.fixed_extra_bits}"
    if cfg.optimizer == "fixed-acc":
        return f"LSB 2^-{cfg.step_exp + cfg.extra_bits}, W = {cfg.register_width}, exact"
    return "float64" + (", tanh, bipolar inputs" if cfg.activation == "tanh" else "")


def table(rows: list[dict]) -> str:
    head = (f"{'optimizer':<10} {'variant':<32} {'dataset':<13} {'hidden':<10} {'epochs':>6} {'k':>3} {'W':>3} "
            f"{'train %':>8} {'test %':>7}")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['optimizer']:<10} {r['variant']:<32} {r['dataset']:<13} {','.join(map(str, r['hidden'])):<10} {r['epochs']:>6} "
                     f"{r['step_exp']:>3} {r['width']:>3} {r['train_accuracy']:>8.2f} {r['test_accuracy']:>7.2f}")
    return "\n".join(lines)
