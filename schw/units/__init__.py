"""Unit families, one package each (``schw.units.<family>``): parameters, generator (``rtl``),
golden model (``golden``), vectors and harness glue side by side, registered by the family's
``unit`` module (see :mod:`schw.registry` and docs/DEVELOPING.md). Nothing is imported here, so
importing a golden model never pulls in the gateware."""
