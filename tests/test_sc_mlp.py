"""sc-layer / sc-mlp: the golden model against a per-bit, per-cycle reference written here from the
documented rules (its own LFSR, SciPy's Sobol points, its own channel plan, fault generators,
Btanh and re-encoding), quantization from its formula, RTL against the golden model on both
simulators with and without injected faults, a broken RTL caught, weights files (shape errors
exit 2 naming --weights, byte-identical generation, sha256 in the manifest)."""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from schw.cli import main
from schw.errors import CheckFailed, ParamError
from schw.output import generate, write_outputs
from schw.registry import get
from schw.sc.spec import LFSR_TAPS
from schw.units.sc_mlp import golden
from schw.units.sc_mlp.params import (FLIP_SITES, ScLayerParams, ScMlpParams, channel_plan, quantize_network,
                                      save_weights)
from schw.verify import regression

LAYER, MLP = get("sc-layer"), get("sc-mlp")


# -- the reference: straight from the documented rules, one bit at a time ------------------------------

def ref_lfsr(width, poly_index, init, length):
    """Galois LFSR x^n + sum(x^k) + 1: shift left; if the bit shifted out was 1, XOR the taps."""
    taps = LFSR_TAPS[width][poly_index % len(LFSR_TAPS[width])]
    mask = 1 | sum(1 << k for k in taps)
    out, s = [], init
    for _ in range(length):
        out.append(s)
        msb = (s >> (width - 1)) & 1
        s = ((s << 1) & ((1 << width) - 1)) ^ (mask if msb else 0)
    return out


def ref_init(width, seed, index):
    return ((seed + index * 0x9E3779B9) % ((1 << width) - 1)) + 1


def ref_codes(p, channels, cycles):
    if p.sng == "lfsr":
        return [ref_lfsr(p.width, c, ref_init(p.width, p.seed, c), cycles) for c in range(channels)]
    from scipy.stats import qmc
    assert p.seed == 0  # unscrambled Sobol: SciPy's points, Gray-code order
    m = max(1, (cycles - 1).bit_length())
    pts = qmc.Sobol(d=channels, scramble=False).random_base2(m)[:cycles]
    return [[int(v) for v in np.floor(pts[:, c] * (1 << p.width))] for c in range(channels)]


def ref_plan(p, sizes):
    """Channel numbers, layer by layer: inputs (layer 0, or every layer with reencode), weight
    rows (bias row last), MUX select."""
    nxt, plan = 0, []
    for k, n in enumerate(sizes[:-1]):
        ins = None
        if k == 0 or p.mode == "reencode":
            ins = list(range(nxt, nxt + n)) if p.input_channels == "independent" else [nxt] * n
            nxt += n if p.input_channels == "independent" else 1
        rows = list(range(nxt, nxt + n + 1)) if p.weight_channels == "row" else [nxt] * (n + 1)
        nxt += n + 1 if p.weight_channels == "row" else 1
        sel = None
        if p.adder == "mux":
            sel, nxt = nxt, nxt + 1
        plan.append((ins, rows, sel))
    return nxt, plan


def ref_flips(p, sizes, acts, cycles):
    """(layer, site) -> flip(a, b, t): (R_a[t] ^ C_b[t]) < floor(P 2^w + 1/2)."""
    w = p.flip_width
    T = int(np.floor(p.flip_rate * 2**w + 0.5))
    out, g = {}, 0
    if T == 0:
        return out
    for k, (n, m) in enumerate(zip(sizes[:-1], sizes[1:])):
        for site in [s for s in FLIP_SITES if s in p.flip_sites.split(",")]:
            shape = {"inputs": (n, 1), "weights": (n + 1, m), "products": (n + 1, m), "outputs": (1, m)}[site]
            if site == "outputs" and not acts[k]:
                continue
            rs = [ref_lfsr(w, 0, ref_init(w, p.flip_seed, g + a), cycles) for a in range(shape[0])]
            g += shape[0]
            cs = [ref_lfsr(w, 1, ref_init(w, p.flip_seed, g + b), cycles) for b in range(shape[1])]
            g += shape[1]
            out[(k, site)] = (lambda rs, cs: lambda a, b, t: (rs[a][t] ^ cs[b][t]) < T)(rs, cs)
    return out


def reference(p, net, x):
    """Result ports of every image of ``x``, one bit, one neuron, one cycle at a time."""
    N, L = p.width, p.length
    sizes, acts = p.layer_sizes, p.activations
    K = len(sizes) - 1
    cycles = L * K if p.mode == "reencode" else L
    channels, plan = ref_plan(p, sizes)
    codes = ref_codes(p, channels, cycles)
    flips = ref_flips(p, sizes, acts, cycles)

    def flip(k, site, a, b, t, bit):
        f = flips.get((k, site))
        return bit ^ f(a, b, t) if f else bit

    def layer_cycle(k, t, tt, xbits, state, count):
        """Layer k in its run cycle tt (global cycle t): returns its output bits."""
        lay = net.layers[k]
        ins, rows, sel = plan[k]
        n, m = lay.inputs, lay.neurons
        xb = [flip(k, "inputs", i, 0, t, xbits[i]) for i in range(n)]
        outs = []
        for j in range(m):
            prods = []
            for i in range(n + 1):
                wbit = int(codes[rows[i]][t] < lay.codes[i, j])
                wbit = flip(k, "weights", i, j, t, wbit)
                prod = int(xb[i] == wbit) if i < n else wbit  # XNOR; the bias input is constant 1
                prods.append(flip(k, "products", i, j, t, prod))
            if p.adder == "apc":
                step, ones = 2 * sum(prods) - (n + 1), sum(prods)
            else:
                s = (codes[sel][t] * (n + 1)) >> N
                step, ones = 2 * prods[s] - 1, prods[s]
            if not acts[k]:
                count[j] += ones
                continue
            r = lay.states[j]
            y = int(state[j] >= r // 2)
            y = flip(k, "outputs", 0, j, t, y)
            count[j] += y
            state[j] = min(max(state[j] + step, 0), r - 1)
            outs.append(y)
        return outs

    results = []
    for img in x:
        state = [[lay.states[j] // 2 if acts[k] else 0 for j in range(lay.neurons)] for k, lay in enumerate(net.layers)]
        count = [[0] * lay.neurons for lay in net.layers]
        if p.mode == "stream":
            for t in range(L):
                bits = [int(codes[plan[0][0][i]][t] < img[i]) for i in range(sizes[0])]
                for k in range(K):
                    bits = layer_cycle(k, t, t, bits, state[k], count[k])
        else:
            cur = list(img)
            for k in range(K):
                for tt in range(L):
                    t = k * L + tt
                    bits = [int(codes[plan[k][0][i]][t] < cur[i]) for i in range(sizes[k])]
                    layer_cycle(k, t, tt, bits, state[k], count[k])
                cur = [min(c * 2**N // L, 2**N - 1) for c in count[k]]
        results.append(count[-1])
    return np.array(results, dtype=np.int64)


GOLDEN_CASES = [
    ScMlpParams(sizes="5,4,3", length=32),
    ScMlpParams(sizes="5,4,3", length=32, flip_rate=0.1),
    ScMlpParams(sizes="4,3,3,2", length=16, width=6, seed=5, chain="reencode", flip_rate=0.2, flip_seed=9,
                flip_sites="inputs,outputs"),
    ScMlpParams(sizes="4,3,2", length=32, adder="mux", weight_channels="shared", flip_rate=0.05,
                flip_sites="weights,products", flip_width=12),
    ScMlpParams(sizes="3,4,2", length=64, width=5, sng="sobol", input_channels="shared", states=6),
    ScLayerParams(inputs=6, neurons=3, length=32, flip_rate=0.1),
    ScLayerParams(inputs=5, neurons=2, length=32, activation="none", adder="mux", weights_seed=4),
]


GOLDEN_IDS = ["mlp-apc", "mlp-faults", "mlp-reencode-faults", "mlp-mux-shared-faults", "mlp-sobol-shared",
              "layer-faults", "layer-mux-linear"]


@pytest.mark.parametrize("p", GOLDEN_CASES, ids=GOLDEN_IDS)
def test_golden_matches_per_bit_reference(p):
    rng = np.random.default_rng(3)
    x = np.concatenate([np.zeros((1, p.layer_sizes[0]), int), np.full((1, p.layer_sizes[0]), 2**p.width - 1),
                        rng.integers(0, 2**p.width, size=(6, p.layer_sizes[0]))])
    net = p.network
    assert np.array_equal(golden.infer(p, x, net, block=3), reference(p, net, x))


def test_quantization_from_formula():
    """Codes round((w/s + 1)/2 2^N) clipped to 2^N - 1 with s the layer's max |w|; bias row last;
    auto states 2 round(s sum_i (1 - v^2)) (APC) and 2 round(s (n+1)) (MUX)."""
    rng = np.random.default_rng(1)
    w = [rng.normal(0, 0.7, size=(5, 4)), rng.normal(0, 0.3, size=(4, 3))]
    b = [rng.normal(0, 0.2, size=4), None]
    p = ScMlpParams(sizes="5,4,3", width=6)
    net = quantize_network(p, w, b)
    for lay, wl, bl in zip(net.layers, w, b):
        full = np.vstack([wl, np.zeros(wl.shape[1]) if bl is None else bl])
        s = np.abs(full).max()
        assert lay.scale == s
        want = np.clip(np.floor((full / s + 1) / 2 * 64 + 0.5), 0, 63)
        assert np.array_equal(lay.codes, want)
    v = 2 * net.layers[0].codes / 64 - 1
    assert net.layers[0].states == tuple(2 * np.maximum(1, np.floor(net.layers[0].scale * (1 - v**2).sum(0) + 0.5)).astype(int))
    assert net.layers[1].states is None  # the linear output layer
    mux = quantize_network(p.replace(adder="mux"), w, b)
    assert mux.layers[0].states == (2 * int(np.floor(mux.layers[0].scale * 6 + 0.5)),) * 4


def test_sc_estimates_follow_the_float_network():
    """The SC layer computes what it claims. 12-bit LFSRs over their whole period (L = 4096): the
    APC count gives z = h W + b of the quantized weights within 0.02, and the Btanh outputs
    (auto state counts) follow tanh(z) within 0.06 on average."""
    p = ScLayerParams(inputs=16, neurons=8, activation="none", width=12, length=4096)
    net = p.network
    x = golden.input_codes(p, np.random.default_rng(0).random((64, 16)))
    wv = golden.weight_values(p, net)[0]
    z = (2 * x / 2**12 - 1) @ wv[:16] + wv[16]
    est = golden.class_scores(p, net, golden.infer(p, x, net))
    assert np.abs(est - z).mean() < 0.02
    q = p.replace(activation="btanh")
    y = golden.class_scores(q, net, golden.infer(q, x, q.network))
    assert np.abs(y - np.tanh(z)).mean() < 0.06 and np.corrcoef(y.ravel(), np.tanh(z).ravel())[0, 1] > 0.99


def test_accuracy_rows():
    """`schw accuracy sc-layer`: the error against the float layer falls with L (12-bit LFSRs)."""
    rows = LAYER.accuracy(ScLayerParams(activation="none", width=12), [64, 4096])
    assert [r["length"] for r in rows] == [64, 4096] and rows[0]["cases"] == 512 * 4
    assert rows[1]["rmse"] < 0.02 < rows[0]["rmse"]


def test_fault_masks_rate_and_determinism():
    p = ScMlpParams(sizes="16,8,4", length=1024, flip_rate=0.1)
    masks = golden.fault_masks(p)
    assert set(masks) == {(0, s) for s in FLIP_SITES} | {(1, "inputs"), (1, "weights"), (1, "products")}
    allbits = np.concatenate([m.ravel() for m in masks.values()])
    assert abs(allbits.mean() - p.flip_threshold / 2**16) < 0.003
    again = golden.fault_masks(p)
    assert all(np.array_equal(masks[k], again[k]) for k in masks)
    other = golden.fault_masks(p.replace(flip_seed=2))
    assert not np.array_equal(masks[(0, "weights")], other[(0, "weights")])
    assert golden.fault_masks(p.replace(flip_rate=0.0)) == {}
    # flips change results, monotonically more with the rate (on average)
    x = np.random.default_rng(1).integers(0, 256, size=(50, 16))
    base = golden.infer(p.replace(length=256, flip_rate=0.0), x)
    diffs = [np.abs(golden.infer(p.replace(length=256, flip_rate=r), x) - base).mean() for r in (0.01, 0.1, 0.3)]
    assert 0 < diffs[0] < diffs[1] < diffs[2]


def test_params_rules():
    for bad, option in [({"flip_rate": 0.6}, "flip_rate"), ({"flip_rate": "x"}, "flip_rate"),
                        ({"flip_sites": "inputs,wires"}, "flip_sites"), ({"states": 7}, "states"),
                        ({"sizes": "8"}, "sizes"), ({"sizes": "8,0,2"}, "sizes"),
                        ({"sng": "sobol", "sizes": "16,8,4"}, "channels"), ({"weights": "/nonexistent.npz"}, "weights")]:
        with pytest.raises(ParamError) as e:
            ScMlpParams(**bad)
        assert e.value.name == option, (bad, e.value)
    p = ScMlpParams(flip_rate="0.05", flip_sites="products,inputs,products")
    assert p.flip_rate == 0.05 and p.flip_sites == "inputs,products" and p.flip_threshold == 3277
    assert ScMlpParams(chain="reencode", sizes="4,3,3,2").latency == 3 * 256


# -- weights files and the CLI ----------------------------------------------------------------------------

class _Run:
    def __init__(self, returncode, stderr):
        self.returncode, self.stderr = returncode, stderr


@pytest.fixture
def _schw(capsys):
    """``schw ARGS`` in this process (``schw.cli.main``): exit code and stderr."""
    def run(*args):
        capsys.readouterr()
        code = main(list(args))
        return _Run(code, capsys.readouterr().err)
    return run


def test_weights_file_shape_mismatch_exit_2_nothing_written(tmp_path, _schw):
    f = tmp_path / "w.npz"
    save_weights(f, [np.zeros((8, 5)), np.zeros((5, 4))])
    out = tmp_path / "o"
    r = _schw("gen", "sc-mlp", "--weights", str(f), "-o", str(out))
    assert r.returncode == 2 and "--weights" in r.stderr and "(8, 6)" in r.stderr and "(8, 5)" in r.stderr
    assert not out.exists()
    r = _schw("gen", "sc-layer", "--inputs", "8", "--neurons", "3", "--weights", str(f), "-o", str(out))
    assert r.returncode == 2 and "--weights" in r.stderr and not out.exists()
    r = _schw("gen", "sc-layer", "--weights", str(tmp_path / "missing.npz"), "-o", str(out))
    assert r.returncode == 2 and "--weights" in r.stderr and not out.exists()
    (tmp_path / "junk.npz").write_text("not a zip")
    r = _schw("gen", "sc-layer", "--weights", str(tmp_path / "junk.npz"), "-o", str(out))
    assert r.returncode == 2 and "--weights" in r.stderr and not out.exists()
    r = _schw("gen", "sc-mlp", "--flip-rate", "0.7", "-o", str(out))
    assert r.returncode == 2 and "--flip-rate" in r.stderr and not out.exists()
    r = _schw("gen", "sc-mlp", "--flip-sites", "inputs,memory", "-o", str(out))
    assert r.returncode == 2 and "--flip-sites" in r.stderr and not out.exists()


def test_weights_file_generation_is_byte_identical_and_hashed(tmp_path, _schw):
    rng = np.random.default_rng(5)
    f = tmp_path / "net.npz"
    save_weights(f, [rng.normal(size=(8, 6)), rng.normal(size=(6, 4))], [rng.normal(size=6), rng.normal(size=4)])
    a = _schw("gen", "sc-mlp", "--weights", str(f), "--flip-rate", "0.05", "-o", str(tmp_path / "a"))
    b = _schw("gen", "sc-mlp", "--weights", str(f), "--flip-rate", "0.05", "-o", str(tmp_path / "b"))
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    for name in ("sc_mlp.v", "sc_mlp.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    manifest = json.loads((tmp_path / "a" / "sc_mlp.json").read_text())
    assert manifest["weights"]["file_sha256"] == hashlib.sha256(f.read_bytes()).hexdigest()
    assert manifest["faults"]["enabled"] and manifest["faults"]["threshold"] == 3277
    assert manifest["latency_cycles"] == 256 and manifest["sizes"] == [8, 6, 4]
    ports = {q["name"]: q["width"] for q in manifest["ports"]}
    assert ports["x__7"] == 8 and ports["result__3"] == (7 * 256).bit_length()
    # another file, other constants
    save_weights(f, [rng.normal(size=(8, 6)), rng.normal(size=(6, 4))])
    c = _schw("gen", "sc-mlp", "--weights", str(f), "--flip-rate", "0.05", "-o", str(tmp_path / "c"))
    assert c.returncode == 0
    assert (tmp_path / "c" / "sc_mlp.v").read_bytes() != (tmp_path / "a" / "sc_mlp.v").read_bytes()


# -- RTL ----------------------------------------------------------------------------------------------------

RTL_PLAIN = ScLayerParams(inputs=6, neurons=3, length=64)
RTL_FAULTS = ScMlpParams(sizes="6,4,3", length=64, flip_rate=0.05, flip_seed=7)


@pytest.mark.sim
def test_rtl_matches_golden(sim):
    regression(LAYER, RTL_PLAIN, sim, count=20).raise_if_failed()


@pytest.mark.sim
def test_rtl_matches_golden_under_faults(sim):
    """P = 0.05 on every site: the wrapper's flips are the golden model's, bit for bit."""
    report = regression(MLP, RTL_FAULTS, sim, count=20)
    report.raise_if_failed()
    assert report.vectors > 20
    x = np.random.default_rng(0).integers(0, 256, size=(20, 6))
    assert not np.array_equal(golden.infer(RTL_FAULTS, x), golden.infer(RTL_FAULTS.replace(flip_rate=0.0), x))


@pytest.mark.sim
def test_rtl_reencode_mux_icarus():
    from conftest import need
    need("cocotb", "icarus")
    p = ScMlpParams(sizes="5,3,3,2", length=16, width=6, chain="reencode", adder="mux", flip_rate=0.1)
    regression(MLP, p, "icarus", count=10).raise_if_failed()


@pytest.mark.sim
def test_broken_rtl_is_caught(tmp_path: Path):
    """One weight constant changed in the Verilog: the regression reports mismatches."""
    from conftest import need
    need("cocotb", "icarus")
    p = RTL_PLAIN
    path = write_outputs(generate(LAYER, p), tmp_path)[0]
    text = path.read_text()
    code = int(p.network.layers[0].codes[2, 1])
    # the comparator of weight (row 2, neuron 1) against its constant, on row 2's SNG channel
    channel = channel_plan(p)[1][0].rows[2]
    needle = f"8'h{code:02x}"
    lines = text.splitlines()
    hits = [i for i, line in enumerate(lines) if line.strip().endswith(f"codes__{channel} < {needle};")]
    assert hits, "weight comparator not found"
    lines[hits[0]] = lines[hits[0]].replace(needle, f"8'h{(code + 40) % 256:02x}")
    path.write_text("\n".join(lines) + "\n")
    report = regression(LAYER, p, "icarus", rtl=[path], top=LAYER.top(p), count=20)
    assert not report.passed and report.mismatches
    with pytest.raises(CheckFailed):
        report.raise_if_failed()


@pytest.mark.slow
@pytest.mark.sim
@pytest.mark.parametrize("p", [
    ScMlpParams(),
    ScMlpParams(flip_rate=0.05),
    ScLayerParams(flip_rate=0.1, adder="mux", length=64),
    ScLayerParams(activation="none", sng="sobol", input_channels="shared", weight_channels="shared", width=5, length=32),
    ScMlpParams(chain="reencode", length=32, flip_rate=0.05),
], ids=str)
def test_rtl_matrix(sim, p):
    regression(MLP if isinstance(p, ScMlpParams) else LAYER, p, sim, count=15).raise_if_failed()
