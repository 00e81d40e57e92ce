"""sc-updown: up/down counter stream-to-binary converter, binary in, binary out.

One comparator SNG (channel 0 of ``SngSpec(sng, N, seed)``) turns the latched operand ``x``
into a stream (p = x / 2^N); an up/down counter (:class:`~schw.sc.rtl.UpDownCounter`) adds +1
for every 1 and -1 for every 0, starting from 0 and saturating at the limits of its
``C``-bit two's-complement range. ``counter_width = 0`` picks ``C = (L).bit_length() + 1``,
wide enough never to saturate; then ``result = 2 * ones - L`` and ``result / L`` estimates
the bipolar value ``2x / 2^N - 1``. A narrower counter saturates (modelled exactly).

``result`` (C bits) is the counter's final value in two's complement; ``done`` pulses L edges
after the edge that sampled ``start``.

Modules: ``params`` (:class:`ScUpDownParams`), ``golden`` (``updown_values``, accuracy grid),
``vectors``, ``rtl`` (:class:`ScUpDown`), ``unit`` (the registered ``sc-updown``).
"""
