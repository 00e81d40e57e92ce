"""int-mul: the binary baseline - a plain unsigned N x N multiplier, registered in and out.

Interface (the same handshake as sc-mul, so the same testbench, flow and wrappers apply):
``start`` (1-cycle pulse) latches ``a`` and ``b`` into the input registers; the next edge
registers ``result = a * b`` (2N bits, exact) and raises ``done`` for one cycle, so the
latency is 1 edge after the edge that sampled ``start``. ``result`` holds until the next
``done``. ``start`` may be high in any cycle (the multiplier is fully pipelined: a new pair
every cycle, results in order one cycle later), including the cycle ``done`` is high.
The product is one combinational ``*`` between the registers, which Yosys maps to its own
multiplier architecture (``synth`` + ``abc``); no pipelining inside.

Modules: ``params`` (:class:`IntMulParams`), ``golden`` (``products``), ``vectors``,
``rtl`` (:class:`IntMul`), ``unit`` (the registered ``int-mul``).
"""
