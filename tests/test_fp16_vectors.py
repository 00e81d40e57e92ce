"""The FP16 vector generator (schw.units.fp16_pe.vectors): built from the spec, deterministic, covering."""

from __future__ import annotations

import numpy as np
import pytest

from schw.units.fp16_pe.contract import OPS, RM
from schw.units.fp16_pe.golden import evaluate
from schw.units.fp16_pe.vectors import CLASSES16, CLASSES32, class_cross, counts, directed, generate

FIELDS = ("op", "rm", "a", "b", "c")


@pytest.mark.parametrize("acc", ["fp16", "fp32"])
def test_layout_and_determinism(acc):
    cc, d = class_cross(acc), directed(acc)
    v1 = generate(3, 5000, acc)
    v2 = generate(3, 5000, acc)
    v3 = generate(4, 5000, acc)
    n_fixed = len(cc["op"]) + len(d["op"])
    assert all(len(v1[k]) == n_fixed + 5000 for k in FIELDS)
    assert all(np.array_equal(v1[k], v2[k]) for k in FIELDS)
    assert all(np.array_equal(v1[k][:n_fixed], v3[k][:n_fixed]) for k in FIELDS)
    assert any(not np.array_equal(v1[k][n_fixed:], v3[k][n_fixed:]) for k in ("a", "b", "c"))
    for k in FIELDS:
        assert np.array_equal(v1[k][:len(cc["op"])], cc[k])
        assert v1[k].dtype == np.int64
    w = 16 if acc == "fp16" else 32
    assert v1["a"].min() >= 0 and v1["a"].max() < 1 << 16 and v1["b"].max() < 1 << 16
    assert v1["c"].min() >= 0 and v1["c"].max() < 1 << w
    assert set(np.unique(v1["op"])) == set(OPS.values()) and set(np.unique(v1["rm"])) == set(RM.values())


@pytest.mark.parametrize("acc", ["fp16", "fp32"])
def test_class_cross_is_complete(acc):
    """Every class value for every operand an op reads, in every combination and mode."""
    cc = class_cross(acc)
    v16 = set(CLASSES16.values())
    vc = v16 if acc == "fp16" else set(CLASSES32.values())
    n16, nc = len(v16), len(vc)
    for name, code in OPS.items():
        for mode, rcode in RM.items():
            sel = (cc["op"] == code) & (cc["rm"] == rcode)
            rows = set(zip(cc["a"][sel].tolist(), cc["b"][sel].tolist(), cc["c"][sel].tolist()))
            if name == "fma":
                assert rows == {(x, y, z) for x in v16 for y in v16 for z in vc}
                assert sel.sum() == n16 * n16 * nc
            elif name == "add":
                assert rows == {(x, 0, z) for x in v16 for z in vc}
            else:
                assert rows == {(x, y, 0) for x in v16 for y in v16}


def _classify16(x):
    e, m, s = (x >> 10) & 0x1F, x & 0x3FF, x >> 15
    return {"zero": (e == 0) & (m == 0), "subnormal": (e == 0) & (m != 0), "normal": (e > 0) & (e < 31),
            "inf": (e == 31) & (m == 0), "qnan": (e == 31) & ((m & 0x200) != 0),
            "snan": (e == 31) & (m != 0) & ((m & 0x200) == 0), "neg": s == 1}


def test_class_values_are_what_they_say():
    """The class table, checked against the binary16 encoding rules and values."""
    c = {k: np.int64(v) for k, v in CLASSES16.items()}
    f = lambda k: float(np.array(CLASSES16[k], dtype=np.uint16).view(np.float16))  # noqa: E731
    assert f("+min_sub") == 2.0**-24 and f("+max_sub") == 2.0**-14 - 2.0**-24
    assert f("+min_norm") == 2.0**-14 and f("+max_norm") == 65504 and f("+1") == 1
    assert f("+2^-11") == 2.0**-11 and f("+1+ulp") == 1 + 2.0**-10
    assert _classify16(c["+snan"])["snan"] and _classify16(c["-snan_payload"])["snan"]
    assert _classify16(c["+qnan"])["qnan"] and _classify16(c["-qnan_payload"])["qnan"]
    assert _classify16(c["-0"])["zero"] and _classify16(c["-0"])["neg"]
    f32 = lambda k: float(np.array(CLASSES32[k], dtype=np.uint32).view(np.float32))  # noqa: E731
    assert f32("+min_sub") == 2.0**-149 and f32("+min_norm") == 2.0**-126 and f32("+2^-24") == 2.0**-24
    assert f32("+65504") == 65504 and f32("-65520") == -65520 and f32("+2^-48") == 2.0**-48


@pytest.mark.parametrize("acc", ["fp16", "fp32"])
def test_directed_rows_in_every_mode(acc):
    d = directed(acc)
    assert len(d["op"]) > 0 and len(d["case"]) == len(d["op"])
    for case in set(d["case"]):
        sel = d["case"] == case
        per_mode = [int(((d["rm"] == r) & sel).sum()) for r in RM.values()]
        assert len(set(per_mode)) == 1 and per_mode[0] > 0, case
    # the worked example of docs/fp16.md (0x03EE * 0x3C12 + -0) is there verbatim
    sel = d["case"] == "issue_03EE_3C12_8000"
    c0 = 0x8000 if acc == "fp16" else 0x80000000
    assert set(zip(d["a"][sel], d["b"][sel], d["c"][sel])) == {(0x03EE, 0x3C12, c0)}


@pytest.mark.parametrize("acc", ["fp16", "fp32"])
def test_random_part_covers_edges(acc):
    """The weighted random part alone reaches the interesting regions (measured by the model's
    flags and by operand classes; the model's correctness is tested elsewhere)."""
    n_fixed = len(class_cross(acc)["op"]) + len(directed(acc)["op"])
    v = {k: x[n_fixed:] for k, x in generate(11, 50_000, acc).items()}
    for name in ("zero", "subnormal", "normal", "inf", "qnan", "snan"):
        assert _classify16(v["a"])[name].sum() > 200, name
    r, f = evaluate(v["op"], v["rm"], v["a"], v["b"], v["c"], acc=acc)
    arith = v["op"] <= OPS["add"]
    nflag = {k: int(((f >> i) & 1)[arith].sum()) for i, k in enumerate(("nx", "uf", "of", "dz", "nv"))}
    print(f"\nrandom part, acc={acc}: flags over {int(arith.sum())} arithmetic vectors: {nflag}")
    assert nflag["nx"] > 5000 and nflag["nv"] > 500 and nflag["dz"] == 0
    # binary32 overflows only from c in the top binade with a same-signed product, directed modes
    assert nflag["of"] > (50 if acc == "fp16" else 10)
    if acc == "fp16":
        assert nflag["uf"] > 200
        # exact results far below the product: cancellation (result exponent << product's)
        fma = v["op"] == OPS["fma"]
        ea = (v["a"] >> 10) & 0x1F
        eb = (v["b"] >> 10) & 0x1F
        er = (r.astype(np.int64) >> 10) & 0x1F
        fin = fma & (ea > 0) & (ea < 31) & (eb > 0) & (eb < 31) & (er < 31) & (r != 0)
        assert (fin & (er < ea + eb - 15 - 8)).sum() > 200
        zero_res = arith & ((r & 0x7FFF) == 0) & (f == 0)
        assert zero_res.sum() > 100


def test_filters_and_counts():
    v = generate(1, 1000, "fp16", ops=["mul", "lt"], modes=["rup"])
    assert set(np.unique(v["op"])) == {OPS["mul"], OPS["lt"]} and set(np.unique(v["rm"])) == {RM["rup"]}
    c = counts(v)
    assert set(c) == {("mul", "rup"), ("lt", "rup")} and sum(c.values()) == len(v["op"])
    with pytest.raises(ValueError):
        generate(1, 10, "fp16", ops=["div"])
    with pytest.raises(ValueError):
        generate(1, 10, "bf16")
    empty = generate(1, 0, "fp16", ops=[])
    assert all(len(empty[k]) == 0 for k in FIELDS)


def test_random_rows_are_prefix_stable():
    """generate(seed, n) is a prefix of generate(seed, m > n): a check of the larger set covers
    every smaller run with the same seed (block boundaries at 65536 included)."""
    big = generate(1, 140_000, "fp32", ops=["fma", "add"])
    for n in (0, 1, 65_535, 65_536, 65_537, 131_100):
        small = generate(1, n, "fp32", ops=["fma", "add"])
        assert all(np.array_equal(big[k][:len(small[k])], small[k]) for k in FIELDS), n
