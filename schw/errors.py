"""Exceptions the CLI turns into one-line messages and exit codes.

``ParamError`` is a usage error (exit 2): it names the parameter and what it may be.
``ToolError`` is a tool or run failure (exit 1): a missing simulator, a Yosys run that failed.
``CheckFailed`` is a verification that ran and found mismatches (exit 1).
"""


class SchwError(Exception):
    exit_code = 1


class ParamError(SchwError, ValueError):
    """A parameter outside its allowed values."""

    exit_code = 2

    def __init__(self, name: str, allowed: str, got=None):
        self.name = name
        self.allowed = allowed
        self.got = got
        shown = "" if got is None else f", got {got!r}"
        super().__init__(f"invalid value for {self.option}: must be {allowed}{shown}")

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


class ToolError(SchwError):
    """A required external tool is missing or a tool run failed."""


class CheckFailed(SchwError):
    """Verification ran and the design under test disagreed with the golden model."""
