"""pe-array: a systolic R x C array of int8, fp16 or sc PEs, output- or weight-stationary.

``params`` (PeArrayParams), ``timing`` (the one statement of the array's timing), ``contract``
(manifest text), ``golden`` (arithmetic, tiling driver, cycle model), ``vectors`` (random GEMM
problems), ``rtl`` (PEs, the Amaranth array, template emission), ``harness`` (the tiling
regression), ``tb`` (its cocotb testbench), ``unit`` (the registered unit). The Verilog top
comes from ``pe_array_os.v.tmpl`` / ``pe_array_ws.v.tmpl`` beside them.
"""
