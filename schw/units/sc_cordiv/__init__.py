"""sc-cordiv: CORDIV stochastic divider (Chen & Hayes, 2016), binary in, binary out.

Both operands are compared against ONE random source (channel 0 of ``SngSpec(sng, N, seed)``),
so the dividend stream ``a_t = code_t < a`` and divisor stream ``b_t = code_t < b`` are
maximally correlated (SCC = +1). The CORDIV cell (:class:`~schw.sc.rtl.CorDiv`: a 2:1 MUX and one
flip-flop) outputs ``z_t = a_t`` when ``b_t = 1`` and repeats its previous output bit
otherwise (the flip-flop is cleared at ``start``, so ``z`` is 0 before the first ``b_t = 1``).
For ``a <= b`` the output probability is ``a / b``; for ``a > b`` the output is 1 after the
first ``b_t = 1``. ``depth = D > 1`` keeps the last D output bits and, when ``b_t = 0``,
outputs ``z_(t-1-s_t)`` with ``s_t`` = the top log2(D) bits of channel 1 of the same SNG kind
(independent of the operands' source): the shuffle that removes the bias a deterministic
source's run lengths cause with D = 1 (the history starts at 0 every run). ``result``
((L).bit_length() bits) counts the ones of ``z`` over L cycles; ``result / L`` estimates
``min(a / b, 1)``. ``done`` pulses L edges after the edge that sampled ``start``.

Modules: ``params`` (:class:`ScCorDivParams`), ``golden`` (``cordiv_counts``, accuracy grid),
``vectors``, ``rtl`` (:class:`ScCorDiv`), ``unit`` (the registered ``sc-cordiv``).
"""
