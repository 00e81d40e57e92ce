"""hfp8: hybrid 8-bit floating point (HFP8) — FP8 formats, binary16 <-> FP8 conversions with
round-to-nearest-even or stochastic rounding, and an FP8 x FP8 MAC accumulating in binary16
with optional chunk-based accumulation and stochastic rounding of the accumulator.

Formats (:data:`schw.units.hfp8.params.FORMATS`; derivation in docs/hfp8.md):

* ``e4m3b11`` - HFP8 forward 1-4-3: bias 11 (7 + 4), exponent code 15 holds finite numbers
  (max 1.875 * 2^4 = 30), subnormals, no infinity, one NaN 0x80, no -0 (the rules of
  ``ml_dtypes.float8_e4m3b11fnuz``);
* ``e5m2`` - HFP8 backward 1-5-2: IEEE-style, bias 15, infinities, NaNs, -0, subnormals;
* ``e4m3`` - OCP E4M3 (``e4m3fn``): bias 7, no infinity, NaN = S.1111.111, -0, subnormals.

Units: ``hfp8-conv`` (binary16 -> FP8 and FP8 -> binary16, one of each per cycle; the SR LFSR
inside) and ``hfp8-mac`` (FP8 x FP8 products accumulated in binary16, chunk length CL).
Stochastic rounding adds a 16-bit word of a 32-bit Galois LFSR (``schw.sc.spec`` polynomial
``LFSR_TAPS[32][0]``, start state ``lfsr_init(32, seed, 0)``, 32 steps per operation) to the
16 bits below the rounding position and keeps the carry (see :mod:`.params`).

Modules: ``params`` (formats, Params, LFSR constants), ``golden`` (NumPy / exact-integer golden
models and the swamping curves), ``vectors``, ``rtl`` (Amaranth), ``harness`` (fast Verilator
C++ / Icarus stream harness), ``unit`` (the registered units). This ``__init__`` imports none.
"""
