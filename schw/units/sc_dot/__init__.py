"""sc-dot: stochastic-computing dot-product PE (binary in, binary out).

k bipolar XNOR products summed by an accumulative parallel counter (APC) over L cycles.

Datapath: one SNG bank with two channels (channel 0 feeds every ``a`` lane's comparator,
channel 1 every ``b`` lane's), so lane i's streams are ``code0 < a[i]`` and ``code1 < b[i]``
(p = code / 2^N, bipolar value x = 2p - 1). Each lane multiplies by XNOR; the APC adds the
k product bits of a cycle (balanced adder tree, combinational, no pipeline) to a binary count.
Sharing the two sources between lanes keeps the SNG cost at two generators per PE; every
product still sees two different sources, so each lane is an unbiased bipolar multiplier
(the lanes' errors are correlated, which the accuracy figures include).

Interface (also in the manifest) - :class:`ScDot` ``(p: ScDotParams)``:

``start``     In 1. 1-cycle pulse; latches ``a`` and ``b`` and restarts the SNGs; ignored
              while a run is under way; may be high in the cycle ``done`` is high.
``a``, ``b``  In, k x N bits each (Amaranth array ports; Verilog ``a__0`` .. ``a__{k-1}``,
              ``b__0`` .. ``b__{k-1}``), unsigned operand codes.
``done``      Out 1. 1-cycle pulse exactly L clock edges after the edge that sampled ``start``
              (``latency_cycles = L``: the APC adds no pipeline stage).
``result``    Out ``(k * L).bit_length()`` bits: the number of ones among the k x L product
              bits; held until the next ``done``.

Value: ``(2 * result - k * L) / L`` estimates ``sum_i (2 a_i / 2^N - 1) (2 b_i / 2^N - 1)``.
Golden model: :func:`dot_counts` ``(p, a, b)`` with a, b of shape (n, k) returns ``result`` (n,).
"""
