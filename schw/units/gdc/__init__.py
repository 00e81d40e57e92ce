"""Gradient-descent counters: sc-gdc and sc-gdc-array (SC-GDC), sc-gdm (SC gradient descent
with momentum) and fxp-acc (the fixed-point update datapath they are compared with).

``params`` (parameter sets, saturation limits), ``golden`` (the NumPy step functions that the
RTL regression and ``schw train`` share), ``vectors``, ``rtl`` (Amaranth), ``unit``
(registration, manifests) and ``tb`` (the per-cycle cocotb testbench). See docs/gdc.md."""
