"""Stochastic-computing building blocks shared by the SC unit families, split by layer:
:mod:`~schw.sc.spec` (what a generator is), :mod:`~schw.sc.golden` (NumPy sequences and
streams) and :mod:`~schw.sc.rtl` (Amaranth gateware). Nothing is imported here."""
