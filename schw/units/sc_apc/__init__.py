"""sc-apc: accumulative parallel counter, binary in, binary out (start/done/result like sc-mul).

k = ``inputs`` operands on the array port ``x`` (Verilog ``x__0`` .. ``x__{k-1}``); operand i
is compared against channel i of ``SngSpec(sng, N, seed, mode)`` (``mode=shared``: every
operand reads one generator - the APC sum does not depend on correlation between its inputs,
so sharing is exact in expectation and cheaper). Every cycle the APC (:class:`~schw.sc.rtl.Apc`:
balanced adder tree + accumulator, no pipeline) adds the number of ones among the k stream bits.

``result`` ((k L).bit_length() bits) = total ones over k streams and L cycles; ``result / L``
estimates ``sum_i x_i / 2^N``. ``done`` pulses L edges after the edge that sampled ``start``.
"""
