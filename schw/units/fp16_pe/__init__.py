"""fp16-pe: IEEE 754 binary16 processing element (fma, mul, add, min, max, lt, le, eq).

One single-path fused multiply-add serves ``fma``, ``mul`` (a*b + a zero of the product's sign)
and ``add`` (a*1.0 + c): the 11x11-bit significand product is exact; the addend is aligned to it
in a window of ``p + 3`` bits below the product, the 22 product bits and ``p + 3`` bits above
(``p`` = 11 for ``acc="fp16"``, 24 for ``acc="fp32"``), bits that fall below the window are
jammed into a sticky bit, and a product far below the addend is replaced by a sticky one; then
add/subtract, leading-zero count, normalise (stopping at the subnormal boundary), round in the
five RISC-V modes, detect tininess after rounding, pack. Special operands (NaN, infinity, an
exact-zero product) and the comparison ops take a side path computed in the first phase.

Interface: ``in_valid``, ``op[2:0]``, ``rm[2:0]``, ``a[15:0]``, ``b[15:0]``, ``c`` (16 or 32 bits),
``out_valid``, ``result`` (16 or 32 bits), ``flags[4:0]``; one operation per cycle, no stalls.
``stages`` = S register stages, so ``out_valid``/``result``/``flags`` for the operation
presented in cycle t appear in cycle t+S (S=0: combinational, ``out_valid = in_valid``).
Synchronous reset clears the valid bits of the pipeline (operations in flight are dropped).

Modules (this ``__init__`` imports none of them, so the golden model loads without Amaranth):

* ``params`` - :class:`Fp16PeParams`, the port encodings and the pipeline cut table.
* ``contract`` - the interface contract (op/rm encodings, flag bits, NaN, min/max/compare
  rules) as the manifest embeds it; docs/fp16.md.
* ``golden`` - the exact integer golden model :func:`evaluate` (NumPy) and the SoftFloat
  reference :func:`softfloat_evaluate`.
* ``vectors`` - test vectors built from the specification.
* ``rtl`` - the Amaranth generator :class:`Fp16Pe`.
* ``unit`` - the registered ``fp16-pe`` unit (generator, golden model, vectors, regression).
* ``harness`` - the fast verification path (a compiled Verilator C++ harness
  ``fp16_harness.cpp``, an Icarus Verilog top ``fp16_harness.v.tmpl``), the cocotb pipeline
  run and the exhaustive ``--full`` job.
* ``tb`` - the cocotb testbench of the pipeline run.
"""
