"""sc-mux-add and sc-or-add: SC adders, binary in, binary out (start/done/result like sc-mul).

sc-mux-add (MUX scaled adder)
    k = ``inputs`` operands (2..16) on the array port ``x`` (Verilog
    ``x__0`` .. ``x__{k-1}``). Every operand's comparator reads the *data* source (channel 0
    of ``SngSpec(sng, N, seed)``): a MUX adder does not need independent data streams, only
    a select that is independent of them. The select generator is channel 1 of
    ``SngSpec(select, N, seed)`` (LFSR polynomial #2, Sobol dimension 2, Halton base 3, or the
    clock-divided ramp): select index = ``(code * k) >> N`` (the top log2(k) bits when k is a
    power of two; otherwise input j gets floor or ceil of 2^N / k of the codes, a weight within
    2^-N of 1/k), except for ``select=ramp`` (k a power of two) where it is the low log2(k) bits
    (floor(t / 2^N) mod k: each input is held for a whole data ramp, so ramp data + ramp select
    is exact when k 2^N divides L).
    Output bit ``y_t = (code0_t < x[sel_t])``; ``result`` = ones over L cycles;
    ``result / L`` estimates ``mean_i x_i / 2^N``.

sc-or-add (OR adder)
    k = ``inputs`` operands (2..16), operand i compared against channel i of
    ``SngSpec(sng, N, seed)`` (independent sources); ``y_t = OR_i (code_i,t < x_i)``;
    ``result / L`` estimates ``1 - prod_i (1 - x_i / 2^N)`` (about the sum for small inputs).

Both: ``start`` latches the operands and restarts the generators, ``done`` pulses L edges after
the edge that sampled ``start`` (latency L), ``result`` ((L).bit_length() bits) is held until
the next ``done``; ``start`` may be high in the cycle ``done`` is high.
"""
