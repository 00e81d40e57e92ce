"""Verilator build cost of one configuration, three ways:

    python bench/bench_builds.py [--unit pe-array] [--rows 4] [--pe fp16] [--repeat 3]

* ``all public``: cocotb's runner default, every signal of every instance public
  (``--public-flat-rw``), no ccache;
* ``top public``: what schw does (``--no-public-flat-rw`` and a control file that makes only the
  top module's signals public), no ccache;
* ``top public + ccache``: the same with ``OBJCACHE=ccache`` and a ccache warmed by building a
  *different* configuration first (so only the runtime objects hit, not the design).

Each build goes to a fresh cache directory; the figure is the median wall time of ``--repeat``
builds, with the CPU time of the compiler processes and the size of the generated C++.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _cxx_bytes(build_dir: Path) -> int:
    return sum(f.stat().st_size for f in build_dir.iterdir() if f.suffix in (".cpp", ".h"))


def _one_build(sources, top, args, env) -> tuple[float, float, int]:
    from schw.sim import runner
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        with tempfile.TemporaryDirectory(prefix="schw-bench-build-") as cache:
            os.environ["SCHW_CACHE"] = cache
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            _, build_dir = runner.build("verilator", sources, top, args)
            dt = time.perf_counter() - t0
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
            return dt, cpu, _cxx_bytes(build_dir)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=4, help="pe-array rows = cols (default 4)")
    ap.add_argument("--pe", default="fp16", help="pe-array PE type (default fp16)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-all-public", action="store_true", help="skip the slow cocotb-default builds")
    a = ap.parse_args(argv)

    from schw import tools
    from schw.units.pe_array.harness import VERILATOR_ARGS
    from schw.registry import get
    from schw.verify import rtl_from_params
    tools.require_simulator("verilator")
    if shutil.which("ccache") is None:
        print("ccache is not installed: apt-get install ccache", file=sys.stderr)
        return 1
    from schw.errors import ParamError
    unit = get("pe-array")
    try:
        p = unit.Params(rows=a.rows, pe=a.pe)
    except ParamError as e:
        print(f"bench_builds: {e}", file=sys.stderr)
        return 2
    other = unit.Params(rows=max(1, a.rows - 1), pe=a.pe)  # warms ccache's runtime objects only
    work = Path(tempfile.mkdtemp(prefix="schw-bench-src-"))
    try:
        sources, top = rtl_from_params(unit, p, work)
        warm_src, warm_top = rtl_from_params(unit, other, work)
        ways = []
        if not a.skip_all_public:
            ways.append(("all public", [*VERILATOR_ARGS, "--public-flat-rw"], {"OBJCACHE": ""}))
        ways.append(("top public", VERILATOR_ARGS, {"OBJCACHE": ""}))
        ways.append(("top public + ccache", VERILATOR_ARGS, {"OBJCACHE": "ccache"}))
        print(f"pe-array {a.rows}x{a.rows} {a.pe} ({top}), Verilator {tools.find('verilator').version}, "
              f"median of {a.repeat} cold builds")
        base = None
        for name, args, env in ways:
            runs = []
            for _ in range(a.repeat):
                run_env = env
                if env["OBJCACHE"]:  # a fresh ccache per build, warmed by the other configuration
                    run_env = {**env, "CCACHE_DIR": tempfile.mkdtemp(prefix="schw-bench-ccache-", dir=work)}
                    _one_build(warm_src, warm_top, args, run_env)
                runs.append(_one_build(sources, top, args, run_env))
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            base = base or wall
            print(f"  {name:<22} {wall:7.1f} s wall  {cpu:7.1f} s CPU  {runs[0][2] / 1e6:7.2f} MB of C++  "
                  f"({base / wall:.1f}x faster than the first line)", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
