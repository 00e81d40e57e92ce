"""SNG units: ``schw gen lfsr|sobol|halton|ramp`` - a stochastic number generator bank with
comparator SNGs, as a stand-alone block (for area, for reuse, and to verify the generators).

Interface (also in the manifest); no handshake, one code per channel per cycle:

* ``restart`` (In 1): the next cycle shows run position 0 (wins over ``step``);
* ``step`` (In 1): the next cycle shows the next position (else the codes hold);
* ``x<c>`` (In N, c = 0..channels-1): the operand of channel c's comparator;
* ``code<c>`` (Out N): channel c's random code at the current position (combinational from
  the state);
* ``bit<c>`` (Out 1): channel c's stream bit ``code<c> < x<c>`` (combinational), so the
  stream's value is ``x / 2^N``.

After reset the bank shows position 0. Which code a channel shows at position t is
:func:`schw.sc.golden.sng_codes_at` (the golden model): kind, seed, correlation ``mode`` and
``offset`` as in :mod:`schw.sc.spec`. The regression (per-cycle testbench ``schw.sim.tb_sng``)
drives seeded per-cycle patterns of restart/step/operands (runs, stalls, restarts mid-run,
positions past the period) and compares every code and bit of every cycle with the golden model.

Modules: ``params`` (one Params class per kind), ``golden`` (``positions``, per-cycle outputs,
accuracy), ``vectors``, ``rtl`` (:class:`SngStream`), ``unit`` (the registered units).
"""
