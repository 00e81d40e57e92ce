"""schw: generate and verify stochastic-computing and FP16 accelerator hardware."""

__version__ = "0.1.0"
