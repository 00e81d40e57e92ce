"""Fast stream harness of the fp32-sfu: the shared one (:mod:`schw.stream_harness`), with the
fp32-sfu build-cache kind and the Icarus top ``sfu32_harness`` (the waveform's top scope)."""

from schw.stream_harness import DRAIN, StreamHarness

HARNESS = StreamHarness(kind="sfufast", label="fp32-sfu", module="sfu32_harness")
build = HARNESS.build
simulate = HARNESS.simulate

__all__ = ["DRAIN", "HARNESS", "build", "simulate"]
