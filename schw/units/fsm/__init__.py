"""Brown & Card FSM units (fsm-tanh, fsm-sigmoid, fsm-exp, fsm-stream).

* :mod:`.params` - the machine definition (:class:`~.params.Fsm`) and the units' parameters.
* :mod:`.golden` - the golden model (the machine run on bit streams, the units' ones counts and
  per-cycle outputs) and the Markov-chain theory (steady states, closed forms, exact moments).
* :mod:`.vectors` - regression vectors.
* :mod:`.rtl` - the Amaranth components :class:`~.rtl.FsmStream` and :class:`~.rtl.FsmUnitHw`.
* :mod:`.unit` - the registered units.
"""
