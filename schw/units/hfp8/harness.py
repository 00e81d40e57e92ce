"""Fast stream harness of the hfp8 units: the shared one (:mod:`schw.stream_harness`), with
the hfp8 build-cache kind and the Icarus top ``hfp8_harness`` (the waveform's top scope)."""

from schw.stream_harness import DRAIN, StreamHarness

HARNESS = StreamHarness(kind="hfp8fast", label="hfp8", module="hfp8_harness")
build = HARNESS.build
simulate = HARNESS.simulate

__all__ = ["DRAIN", "HARNESS", "build", "simulate"]
