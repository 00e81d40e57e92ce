"""fp32-sfu: the binary32 special-function unit of the RaPiD core (conversions, exponent modify,
approximate recip/rsqrt/exp2/log2).

Ops (``op`` port, codes fixed whatever ``--ops`` selects; encodings in :mod:`.params`):

* ``f16_to_f32``: binary16 ``a[15:0]`` -> binary32 (exact; a signalling NaN raises invalid);
* ``f32_to_f16``: binary32 ``a`` -> binary16 in ``result[15:0]`` (upper half 0), rounded in ``rm``;
* ``scale``: exponent modify ``a * 2^k`` in binary32 for the signed ``k`` port, rounded in ``rm``
  on underflow (subnormal results) and overflow;
* ``recip``, ``rsqrt``, ``exp2``, ``log2``: approximations in binary32 by fp16-pe's format-generic
  table method (:mod:`schw.units.fp16_pe.approx`, gateware :mod:`schw.units.fp16_pe.approx_rtl`;
  128 segments, quadratic interpolation), rounded in ``rm``; one instance per function generated.

One datapath serves the first three: decode the input (binary16 or binary32) to a normalised 24-bit
significand and an unbounded exponent (one leading-zero count and shifter for subnormal inputs),
add ``k`` for ``scale``, then one rounder to the target format (binary16 or binary32) with the
subnormal shift, the five RISC-V rounding modes, tininess after rounding, overflow and pack.
Rounding-mode codes, flag bits and the NaN rules are fp16-pe's (:mod:`schw.units.fp16_pe.contract`):
``rm`` 0..4 = rne, rtz, rdn, rup, rmm; ``flags`` bit 0..4 = nx, uf, of, dz, nv; every NaN result
is the canonical quiet NaN of the result format (payloads are not propagated), a signalling NaN
input raises nv.

Interface: ``in_valid``, ``op[2:0]``, ``rm[2:0]``, ``a[31:0]``, ``k[9:0]`` (two's complement),
``out_valid``, ``result[31:0]``, ``flags[4:0]``; one operation per cycle, ``stages`` cycles of
latency (0 = combinational). docs/fp32_sfu.md has the contract and the measured figures.

Modules (none imported here): ``params``, ``contract``, ``golden`` (NumPy, plus the SoftFloat
and binary64 references), ``vectors``, ``rtl`` (Amaranth), ``harness`` (fast Verilator/Icarus
stream driver), ``unit`` (the registered ``fp32-sfu``).
"""
