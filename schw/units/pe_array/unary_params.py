"""Rules and derived quantities of the unary PE (``--pe unary``), kept out of params.py.

Operands are sign-magnitude: lane = ``width + 1`` bits, bit ``width`` the sign, bits
``[0, width)`` the magnitude m; value ``(-1)^s * m / 2^width``. A step runs ``T = L >> et``
cycles; in cycle j of a step the row (A) edge compares every magnitude with code ``ra[j]``
and the column (B; ws: weight) edge with ``rb[j]`` (``bit = code < m``, :data:`schw.sc.spec.COMPARATOR_RULE`).

* ``sng lfsr|sobol`` (rate coding): one :class:`schw.sc.spec.SngSpec` bank of two independent
  sources; source 0 feeds every row, source 1 every column (rows never meet rows, so they share).
* ``sng temporal``: a ``2*width``-bit ramp; the column edge gets its low half (``j mod 2^width``,
  a thermometer repeated every ``2^width`` cycles), the row edge its high half bit-reversed (a
  van der Corput order of the ``2^width`` blocks). With ``L = 4^width`` a step counts exactly
  ``m_a * m_b``; with ``et > 0`` it counts ``m_b * ceil(m_a / 2^et)``.
"""

from __future__ import annotations

from schw.errors import ParamError
from schw.sc.spec import SngSpec

MAX_WIDTH = 10  # the golden count table has (2^width + 1)^2 entries


def unary_check(p) -> None:
    if p.width > MAX_WIDTH:
        raise ParamError("width", f"an integer in 2..{MAX_WIDTH} for --pe unary", p.width)
    lg = p.length.bit_length() - 1
    if p.sng == "temporal":
        if p.length != 1 << (2 * p.width):
            raise ParamError("length", f"4^width = {1 << (2 * p.width)} for --sng temporal (exact products)", p.length)
        if p.et > p.width:
            raise ParamError("et", f"an integer in 0..{p.width} for --sng temporal (whole thermometer blocks)", p.et)
        if p.seed != 0:
            raise ParamError("seed", "0 for --sng temporal (the ramp starts at 0)", p.seed)
    elif p.et > lg - 1:
        raise ParamError("et", f"an integer in 0..{lg - 1} (at least 2 cycles per step at --length {p.length})", p.et)
    if p.counter < step_count_bits(p):
        raise ParamError("counter", f"at least {step_count_bits(p)} bits (one step's signed count)", p.counter)


def step_count_bits(p) -> int:
    """Bits of a signed count in -T..T (the ws PE's per-step counter)."""
    return (p.length >> p.et).bit_length() + 1


def sng_spec(p) -> SngSpec:
    """The edge generator bank (two channels, see the module docstring)."""
    if p.sng == "temporal":
        return SngSpec("ramp", p.width, 0)
    return SngSpec(p.sng, p.width, p.seed)
