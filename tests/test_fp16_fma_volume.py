"""fp16-pe FMA at volume: Berkeley TestFloat's level-1 case structure for f16_mulAdd (6,133,248
vectors per rounding mode) in all five rounding modes - 30,666,240 FMA vectors - through the RTL
on the fast Verilator path, every result and flag compared with the golden model, and the golden
model compared with Berkeley SoftFloat (compiled batch loop over softfloatpy's SoftFloat) on every
one of those vectors.

Measured figures (vectors/s of each part, total time): bench/bench_fp16_golden.py --volume.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import need, need_module
from schw.registry import get
from schw.units.fp16_pe import harness, level1, softfloat_batch, volume
from schw.units.fp16_pe.contract import RM
from schw.units.fp16_pe.golden import softfloat_evaluate
from schw.units.fp16_pe.vectors import generate

UNIT = get("fp16-pe")
P = UNIT.Params
TESTFLOAT_LEVEL1_F16_MULADD = 9 * 88 ** 3  # TestFloat 3e genCases_f16_abc_init, level 1: 6,133,248


@pytest.fixture
def softfloat():
    need_module("softfloatpy")
    why = softfloat_batch.available()
    assert why is None, f"the SoftFloat batch helper cannot be built or loaded: {why}"


# ---- the vector set ----------------------------------------------------------------------------
def test_level1_structure():
    """88 corner operands (22 exponent patterns x 4 significands, from the IEEE encodings), 9
    sub-cases per corner triple, one row per mode: TestFloat's level-1 count per mode."""
    assert len(level1.CORNERS) == len(set(level1.CORNERS.tolist())) == 88
    assert level1.PER_MODE == TESTFLOAT_LEVEL1_F16_MULADD == 6_133_248
    assert len(level1.P2) == len(set(level1.P2.tolist())) == 36
    v = level1.chunk(3, 5, 7)  # two corner a-operands, all modes
    n = 2 * 88 * 88 * 9 * 5
    assert all(len(v[k]) == n for k in ("op", "rm", "a", "b", "c"))
    assert (v["op"] == 0).all() and all(((v[k] >= 0) & (v[k] < 1 << 16)).all() for k in "abc")
    rows = {k: v[k].reshape(2, 88, 88, 9, 5) for k in ("rm", "a", "b", "c")}
    assert (rows["rm"] == np.arange(5)).all()  # mode changes every row
    corner = {"a": level1.CORNERS[5:7, None, None], "b": level1.CORNERS[None, :, None],
              "c": level1.CORNERS[None, None, :]}
    for j, name in enumerate("abc"):
        fixed = level1.SUBCASES[:, j]
        got = rows[name]
        assert (got[..., fixed, :] == corner[name][..., None, None]).all()
        rand = got[..., ~fixed, :]
        # random operands differ from row to row and reach every exponent field
        assert len(np.unique(rand)) > 20_000
        assert set(np.unique((rand >> 10) & 0x1F).tolist()) == set(range(32))
    # the (A, B, C) sub-case: every corner triple once per mode
    abc = np.flatnonzero(level1.SUBCASES.all(axis=1))
    assert len(abc) == 1
    # deterministic, and chunks depend only on their own arguments
    assert all((level1.chunk(3, 5, 7)[k] == v[k]).all() for k in "abc")
    assert not (level1.chunk(4, 5, 7)["a"] == v["a"]).all()


def test_level1_chunks_tile_all_corner_triples():
    """Chunks over disjoint a-ranges tile the set: the corner triples (A, B, C) of chunks 0..87
    are all 88^3 triples, once each (checked on the a, b, c patterns of the last sub-case, one
    mode; test_level1_structure checks that every mode repeats the corner operands)."""
    seen = []
    for a0, a1 in ((0, 30), (30, 31), (31, 88)):
        v = level1.chunk(1, a0, a1, modes=["rup"])
        seen.append(np.stack([v[k].reshape(-1, 9)[:, 8] for k in "abc"], axis=1))
    seen = np.concatenate(seen)
    t = level1.corner_triples()
    assert (seen == np.stack([t["a"], t["b"], t["c"]], axis=1)).all()
    assert len(np.unique(seen[:, 0] << 32 | seen[:, 1] << 16 | seen[:, 2])) == 88 ** 3


@pytest.mark.parametrize("bad", [dict(modes=["rne", "rod"]), dict(modes=[]), dict(a_stop=89)])
def test_level1_rejects(bad):
    kw = {"seed": 1, "a_start": 0, "a_stop": 1, **bad}
    with pytest.raises(ValueError):
        level1.chunk(**kw)


# ---- the SoftFloat batch loop against softfloatpy's own per-vector calls -------------------------
@pytest.mark.parametrize("acc", ["fp16", "fp32"])
@pytest.mark.usefixtures("softfloat")
def test_softfloat_batch_matches_softfloatpy(acc):
    """The compiled loop gives what softfloatpy's Python calls give (golden.softfloat_evaluate),
    vector for vector: level-1 rows (fp16) or the default generator's fma rows (both widths)."""
    parts = [generate(5, 40_000, acc, ops=["fma"])]
    if acc == "fp16":
        parts.append(level1.chunk(9, 40, 41))
    pick = [np.random.default_rng(i).choice(len(p["op"]), 40_000, replace=False) for i, p in enumerate(parts)]
    v = {k: np.concatenate([p[k][i] for p, i in zip(parts, pick)]) for k in ("op", "rm", "a", "b", "c")}
    got = softfloat_batch.fma(v["rm"], v["a"], v["b"], v["c"], acc=acc)
    ref = softfloat_evaluate(v["op"], v["rm"], v["a"], v["b"], v["c"], acc=acc)
    bad = np.flatnonzero((got[0] != ref[0]) | (got[1] != ref[1]))
    assert bad.size == 0, [(int(v["a"][i]), int(v["b"][i]), int(v["c"][i]), int(got[0][i]), int(ref[0][i]))
                           for i in bad[:5]]
    assert {int(x) for x in np.unique(v["rm"])} == set(RM.values())
    assert len(v["op"]) >= 40_000
    # SoftFloat's state is left as it was: a later per-vector call still sees its own modes
    assert softfloat_evaluate([0], [1], [0x3C01], [0x3C01], [0], acc="fp16")[0][0] == 0x3C02


# ---- the volume run -----------------------------------------------------------------------------
@pytest.mark.usefixtures("softfloat")
def test_fma_level1_all_modes_rtl_golden_softfloat():
    """TestFloat level 1 for f16_mulAdd in rne, rtz, rdn, rup and rmm: 30,666,240 FMA vectors
    through the Verilator harness (S = 2, acc fp16, with bubbles), RTL == golden on every result
    and flag, golden == SoftFloat on every vector."""
    need("verilator")
    r = volume.run(UNIT, P(stages=2, acc="fp16"), seed=2026, progress=print)
    s = r["seconds"]
    print(f"\n{r['vectors']:,} FMA vectors on the RTL (TestFloat level 1 x {len(RM)} modes), "
          f"{r['softfloat_vectors']:,} golden vs SoftFloat: {s['total']} s wall, CPU {s['cpu']} s + "
          f"{s['child_cpu']} s in the Verilator harness "
          f"(generate {s['generate']} s, simulation {s['sim']} s of which harness {s['harness']} s, "
          f"golden {s['golden']} s, SoftFloat {s['softfloat']} s in its thread)")
    print(harness.format_counts(r["cases"]))
    assert not r["rtl_failures"], "\n\n".join(r["rtl_failures"][:3])
    assert r["softfloat_mismatches"] == 0, "\n".join(r["softfloat_examples"])
    total = TESTFLOAT_LEVEL1_F16_MULADD * len(RM)
    assert r["sent"] == r["vectors"] == r["softfloat_vectors"] == total >= 6_100_000
    assert r["cases"] == {"fma": {m: TESTFLOAT_LEVEL1_F16_MULADD for m in RM}}
    assert r["corner_triples_per_mode"] == 88 ** 3
    assert r["flags_raised"] == ["nx", "uf", "of", "nv"]  # dz cannot arise in an FMA
    assert r["latency_seen"] == [2] == [r["latency_expected"]]


@pytest.mark.usefixtures("softfloat")
def test_volume_run_catches_a_softfloat_disagreement(monkeypatch):
    """The golden-vs-SoftFloat comparison of the volume run really compares: a reference that
    differs on one flag in one mode is reported (one corner a-operand, rdn only: 69,696 vectors)."""
    need("verilator")
    real = softfloat_batch.fma

    def off_by_one(rm, a, b, c, acc="fp16"):
        r, f = real(rm, a, b, c, acc=acc)
        return r, f ^ np.where(np.asarray(b) == 0x3C00, 1, 0).astype(np.uint8)  # nx flipped where b == 1.0

    monkeypatch.setattr(softfloat_batch, "fma", off_by_one)
    r = volume.run(UNIT, P(stages=2, acc="fp16"), seed=7, modes=["rdn"], a_range=(30, 31))
    assert not r["rtl_failures"]
    assert r["vectors"] == 88 * 88 * 9 == r["softfloat_vectors"]
    assert r["softfloat_mismatches"] > 0 and r["softfloat_examples"]
