"""Berkeley SoftFloat on whole arrays of FMA vectors: the outside reference at millions of vectors.

:func:`schw.units.fp16_pe.golden.softfloat_evaluate` calls SoftFloat through softfloatpy once
per vector from Python (a few hundred thousand vectors/s at best: bench/bench_fp16_golden.py). Here a
small compiled loop (``softfloat_batch.cpp``, built once per machine under ``$SCHW_CACHE/softfloat``
with the C++ compiler Verilator needs anyway) calls the SoftFloat C functions that softfloatpy's
extension module contains - ``f16_mulAdd``, ``f16_to_f32``, ``f32_mulAdd``, located with ctypes
- over NumPy arrays. The arithmetic is SoftFloat's own; the loop only sets the rounding mode,
clears the flags, calls, and stores the result and flags.

Same contract as :func:`softfloat_evaluate` for ``op = fma``: tininess after rounding, NaN results
reported canonical, SoftFloat's "infinite" (divide-by-zero) bit masked (an FMA never raises it),
acc="fp32" through ``f16_to_f32`` then ``f32_mulAdd``. No ftz (the PE's flush rule is applied
around SoftFloat by :func:`softfloat_evaluate`; the volume test runs ftz off).
"""

from __future__ import annotations

import ctypes
import hashlib
import shutil
import subprocess
from importlib import resources
from pathlib import Path

import numpy as np

from schw.errors import ToolError
from schw.sim import runner

from .contract import CANONICAL_NAN16, CANONICAL_NAN32, RM

_SOURCE = "softfloat_batch.cpp"
_TININESS_AFTER_ROUNDING = 1  # SoftFloat's softfloat_tininess_afterRounding
_lib = None


def _core_library() -> Path:
    """The extension module of softfloatpy: SoftFloat's C code with its symbols exported."""
    import softfloatpy  # noqa: F401  (the oracle: a test dependency, imported only when used)
    core = sorted(Path(softfloatpy.__file__).parent.glob("_core*.so"))
    if not core:
        raise ToolError("softfloatpy has no _core*.so extension module (a build this helper cannot use)")
    return core[0]


def _build(core: Path) -> Path:
    src = resources.files(__package__).joinpath(_SOURCE).read_bytes()
    cxx = shutil.which("g++") or shutil.which("c++")
    if cxx is None:
        raise ToolError("no C++ compiler (g++/c++) on PATH for the SoftFloat batch helper; "
                        "install: sudo apt-get install -y g++")
    parts = [src, cxx.encode(), hashlib.sha256(core.read_bytes()).hexdigest().encode()]
    with runner.build_slot("softfloat", "cxx", "batch", parts) as (d, done):
        lib = d / "libsfbatch.so"
        if done and lib.exists():
            return lib
        (d / _SOURCE).write_bytes(src)
        out = subprocess.run([cxx, "-O2", "-shared", "-fPIC", "-o", str(lib), _SOURCE], cwd=d,
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise ToolError(f"building the SoftFloat batch helper failed:\n{out.stdout}{out.stderr}")
        runner.mark_built(d)
    return lib


def _library():
    """The compiled loop, bound to SoftFloat's functions and state in softfloatpy (once per process)."""
    global _lib
    if _lib is None:
        core_path = _core_library()
        core = ctypes.CDLL(str(core_path))
        lib = ctypes.CDLL(str(_build(core_path)))
        state = [ctypes.addressof(ctypes.c_uint8.in_dll(core, name))
                 for name in ("softfloat_roundingMode", "softfloat_detectTininess", "softfloat_exceptionFlags")]
        fns = [ctypes.cast(getattr(core, name), ctypes.c_void_p).value
               for name in ("f16_mulAdd", "f32_mulAdd", "f16_to_f32")]
        lib.sfb_bind.argtypes = [ctypes.c_void_p] * 6
        lib.sfb_bind.restype = None
        lib.sfb_bind(*fns, *state)
        ptr = ctypes.c_void_p
        for name in ("sfb_f16_mul_add", "sfb_f16f32_mul_add"):
            getattr(lib, name).argtypes = [ctypes.c_size_t, ptr, ptr, ptr, ptr, ptr, ptr, ctypes.c_uint8]
            getattr(lib, name).restype = None
        _lib = lib
    return _lib


def available() -> str | None:
    """None when the helper can be built and loaded, else why not (for a clear test failure)."""
    try:
        _library()
    except (ImportError, OSError, ToolError) as e:
        return str(e)
    return None


def fma(rm, a, b, c, acc: str = "fp16"):
    """SoftFloat's a*b + c for every row: ``(result uint32, flags uint8)`` as
    :func:`schw.units.fp16_pe.golden.evaluate` returns them for ``op = fma`` (flags bit i =
    contract.FLAGS[i]; NaN results canonical). ``rm``: codes 0..4 (contract.RM); ``a``, ``b``
    binary16 patterns; ``c`` binary16 (acc="fp16") or binary32 (acc="fp32") patterns."""
    lib = _library()
    rm, a, b, c = (np.ravel(np.asarray(x)) for x in np.broadcast_arrays(rm, a, b, c))
    if rm.size and (rm.min() < 0 or rm.max() > max(RM.values())):
        raise ValueError("rm codes must be 0..4 (see schw.units.fp16_pe.contract.RM)")
    n = rm.size
    wide = acc == "fp32"
    if acc not in ("fp16", "fp32"):
        raise ValueError(f"acc must be fp16 or fp32, got {acc!r}")
    rm8 = np.ascontiguousarray(rm, dtype=np.uint8)
    a16, b16 = (np.ascontiguousarray(x, dtype=np.uint16) for x in (a, b))
    cdt = np.uint32 if wide else np.uint16
    cw = np.ascontiguousarray(c, dtype=cdt)
    res = np.empty(n, dtype=cdt)
    flg = np.empty(n, dtype=np.uint8)
    fn = lib.sfb_f16f32_mul_add if wide else lib.sfb_f16_mul_add
    if n:
        fn(n, rm8.ctypes.data, a16.ctypes.data, b16.ctypes.data, cw.ctypes.data, res.ctypes.data,
           flg.ctypes.data, _TININESS_AFTER_ROUNDING)
    res = res.astype(np.uint32)
    if wide:
        nan = ((res & 0x7F800000) == 0x7F800000) & ((res & 0x007FFFFF) != 0)
        res[nan] = CANONICAL_NAN32
    else:
        nan = ((res & 0x7C00) == 0x7C00) & ((res & 0x03FF) != 0)
        res[nan] = CANONICAL_NAN16
    return res, (flg & 0x17).astype(np.uint8)  # nx uf of nv; SoftFloat's infinite bit (0x08) masked
