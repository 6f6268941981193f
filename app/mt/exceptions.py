"""Errors raised by the machine-translation component."""

from __future__ import annotations


class MTError(Exception):
    """Base class of every error this package raises on purpose."""


class InvalidModelPackage(MTError, ValueError):
    """A model package (.argosmodel) was refused: the message says what is wrong and what is accepted."""

    def __init__(self, file: str, problem: str, accepted: str) -> None:
        self.file = file
        self.problem = problem
        self.accepted = accepted
        super().__init__(f"refused model package {file}: {problem}. Accepted: {accepted}")


class PairUnavailable(MTError, LookupError):
    """No installed model translates from_code to to_code, neither directly nor through the pivot."""

    def __init__(self, from_code: str, to_code: str, pivot: str | None = "en") -> None:
        self.from_code = from_code
        self.to_code = to_code
        self.pivot = pivot
        via = ""
        if pivot and pivot not in (from_code, to_code):
            via = f", nor {from_code}->{pivot} + {pivot}->{to_code} through {pivot}"
        super().__init__(
            f"no machine translation {from_code}->{to_code}: "
            f"no installed model pair {from_code}->{to_code}{via}"
        )


class ModelLoadError(MTError, RuntimeError):
    """An installed pair is present but CTranslate2 or SentencePiece could not load it."""

    def __init__(self, from_code: str, to_code: str, path: str, reason: str) -> None:
        self.from_code = from_code
        self.to_code = to_code
        self.path = path
        super().__init__(
            f"cannot load the {from_code}->{to_code} model at {path}: {reason}; reinstall the package"
        )
