"""sc-layer and sc-mlp: stochastic-computing neural-network inference (bipolar XNOR multipliers
feeding layer after layer), generated from weights, with an optional fault-injection wrapper.

What the network computes (the float model)
-------------------------------------------
``h0 = 2u - 1`` (u = input intensity in [0, 1]), ``z_l = h_{l-1} W_l + b_l``, hidden layers
``h_l = tanh(z_l)``, the last layer linear (class scores, argmax). A float MLP trained that way
(tanh hidden units on bipolar inputs) is what the SC network approximates;
:func:`.golden.float_forward` is exactly it.

Encoding and quantization (:mod:`.params`)
-------------------------------------------
* Input codes: ``x = min(round(u 2^N), 2^N - 1)``; stream bit ``code_t < x`` (the library's
  comparator rule), bipolar value ``2x/2^N - 1``.
* Weights: per layer a scale ``s_l = max(|W_l|, |b_l|)``; code ``min(round((w/s_l + 1)/2 2^N),
  2^N - 1)``, bipolar. The bias is the weight of an input that is the constant-1 stream, so its
  product is the bias weight stream itself. The scale is folded into the activation gain:
* Activation: Btanh (Kim et al., DAC 2016). Neuron j of a hidden layer has a saturating counter
  over ``r_j`` states (the fsm family's tanh machine: initial state r/2, output 1 while the
  state is at least r/2, a Moore output); each cycle it moves by the APC's bipolar sum
  ``d_t = 2 s_t - (n + 1)`` (s_t = ones among the layer's n + 1 product bits of neuron j),
  clipped to 0..r-1. For a random walk with drift u = sum_i x_i w_ij (bipolar units) and step
  variance sigma^2 the steady-state output is about ``tanh(r u / (2 sigma^2))``; with n = 1 this
  is Brown & Card's ``tanh(r x / 2)``. Wanted: tanh(s_l u), so ``r_j = 2 round(s_l sigma_j^2)``
  with ``sigma_j^2 = sum_i (1 - v_ij^2)`` (v = bipolar weight values, inputs at +-1; capped at
  4096; ``--states R`` forces R). With the MUX adder (one product per cycle, d = +-1, mean
  u/(n+1)) the machine is the fsm family's FSM itself and ``r = 2 round(s_l (n + 1))``.
  The walk needs about (r/sigma)^2 = 4 s_l^2 sigma^2 cycles to forget its start, so a layer with
  large fan-in and scale wants L well above that (the experiments measure it).

Datapath of a layer (n inputs, m neurons)
-----------------------------------------
input streams (n) -> XNOR with the weight streams ((n+1) x m comparators against constant codes)
-> per neuron an APC (balanced adder tree of its n + 1 product bits; default) or a MUX adder
(``--adder mux``: one product per cycle, select ``sel_t = (code_t (n+1)) >> N`` from a select
channel, shared by the layer's neurons) -> Btanh (hidden layers) or a counter (the last layer).

SNG channels (``--input-channels``, ``--weight-channels``): one bank of independent channels
(:func:`.params.channel_plan`), layer by layer: the input channels (one per input, or one shared
by all), the weight-row channels (one per input row of the layer, shared by the layer's m
neurons - so the n + 1 products a neuron sums are independent of each other - or one per
layer), the MUX select channel. Row channels cost n + 1 SNGs per layer instead of one, but with
a single shared weight channel all weight streams of a neuron are comonotone and the per-cycle
APC sum swings by up to n + 1, which the Btanh turns into a much lower gain. With Sobol (16
dimensions) only small layers fit; LFSR channels beyond the polynomials of a width repeat a
polynomial from another start state (for N = 8: 4 polynomials x 255 states).

Between layers (``--chain``, sc-mlp)
------------------------------------
``stream`` (default): the hidden layer's activation output streams feed the next layer's XNORs
directly, in the same cycle (the Btanh output comes from its state register, so no
combinational path crosses a layer). All layers run in the same L cycles: latency L, no
counters, registers or SNGs for hidden values. The price: the next layer sees autocorrelated
(an FSM output has runs), mutually correlated streams (all hidden neurons share the input
streams) and the Btanh's start-up transient. This is the structure of the seed's figure
(stochastic multipliers, layer 1 .. layer N) and the cheapest hardware.
``reencode``: each hidden layer runs its own L cycles, counts the ones of each activation
stream, turns the count c into a code ``min(c 2^N / L, 2^N - 1)`` and the next layer makes new
comparator streams from it with its own input channels: decorrelated, fresh streams, at the
cost of an input SNG channel set and an (log2 L + 1)-bit counter and N-bit register per hidden
neuron and latency K L (K layers; the layers run one after the other, not pipelined).

Interface (:class:`.rtl.ScNet`), start/done like sc-dot
-------------------------------------------------------
``start`` In 1: latches ``x`` and restarts the SNG bank, the Btanh counters and the fault
generators; ignored while busy; may be high in the cycle ``done`` is high.
``x`` In n0 x N (Verilog ``x__0`` ..): input codes.
``done`` Out 1: a 1-cycle pulse ``latency_cycles`` edges after the edge that sampled start
(L; K L with ``--chain reencode``).
``result`` Out m_K x ``result_width`` (``result__0`` ..), held until the next done:
sc-mlp - per class the last layer's APC count, the ones among its (n+1) x L product bits
(score estimate ``s (2c - (n+1) L) / L``; with the MUX adder the ones of its output stream);
sc-layer - with ``--activation btanh`` per neuron the ones of its activation stream, with
``none`` its APC (or MUX) count.

Weights
-------
``--weights FILE.npz`` (``w0`` (n0, n1), ``b0`` (n1,), ``w1``, ... float; biases optional) or
``random`` (default; a seeded random network from ``--weights-seed``). The layer sizes are
parameters (``--sizes`` / ``--inputs --neurons``); a file whose shapes differ is a usage error
naming ``--weights`` (exit 2, nothing written). The Verilog holds the weight codes as constants;
the manifest records the file's sha256 and the codes' sha256.

Fault injection (``--flip-rate P --flip-sites ... --flip-seed S --flip-width w``)
--------------------------------------------------------------------------------
Sites: ``inputs`` (each layer's input streams, before the fanout to its neurons), ``weights``
(each weight stream), ``products`` (each XNOR output; bias row included), ``outputs`` (each
activation output stream). Per (layer, site kind) the sites form a rows x cols grid
(:func:`.params.fault_plan`); site (a, b) flips in run cycle t when ``(R_a[t] ^ C_b[t]) < T``
with ``T = floor(P 2^w + 1/2)``, R and C w-bit Galois LFSRs with different polynomials, started
(at every run start, like the SNGs) from ``lfsr_init(w, S, g)``, g a running generator index.
rows + cols generators per grid instead of rows x cols; the XOR of two independent m-sequences
is uniform over all w-bit codes, so P(flip) = T / 2^w. Because the generators restart with
every run, a run's result depends only on its operands (the flip pattern is one seeded
realization per flip seed, the same for every image); the golden model applies the same masks
to whole test sets. P = 0 (T = 0) generates no wrapper at all.

Golden model (:mod:`.golden`): :func:`~.golden.infer` ``(p, x, net=None)`` -> (B, m_K) result
ports, bit exact, for whole test sets (vectorized over images, one BLAS product per layer and
cycle); :func:`~.golden.infer_layers`, :func:`~.golden.input_codes`,
:func:`~.golden.class_scores`, :func:`~.golden.fault_masks`, :func:`.params.quantize_network`
(float arrays in memory -> the hardware network).
"""
