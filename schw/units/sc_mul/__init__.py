"""sc-mul: binary-in, binary-out stochastic-computing multiplier.

Two comparator SNGs turn the latched operands into streams (p = code / 2**N), an AND gate
(unipolar: value p_a * p_b) or an XNOR gate (bipolar: value x = 2p - 1, product x_a * x_b)
multiplies them, and a counter counts the ones over L cycles.

Interface (also in the manifest): ``start`` (1-cycle pulse, ignored while a run is under way)
latches ``a`` and ``b`` and restarts both SNGs; the run takes L cycles; ``done`` pulses for one
cycle L clock edges after the edge that sampled ``start``, and ``result`` (log2(L)+1 bits, the
number of ones) stays valid until the next ``done``. ``start`` may be asserted in the cycle
``done`` is high (back-to-back runs, no reset needed).
"""
