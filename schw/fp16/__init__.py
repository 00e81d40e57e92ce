"""FP16 processing element support (issue 6): contract, exact golden model, vector generator.

``from schw.fp16 import evaluate, generate, OPS, RM, FLAGS``.
"""

from .contract import CANONICAL_NAN16, CANONICAL_NAN32, FLAGS, OPS, RM, contract_dict
from .golden import evaluate, evaluate_one

__all__ = ["OPS", "RM", "FLAGS", "CANONICAL_NAN16", "CANONICAL_NAN32", "contract_dict",
           "evaluate", "evaluate_one", "generate", "class_cross", "directed"]


def __getattr__(name):  # vectors imports lazily (keeps `import schw.fp16` light)
    if name in ("generate", "class_cross", "directed"):
        from . import vectors
        return getattr(vectors, name)
    raise AttributeError(name)
