"""Constraints on the parameters of the configurable parts, shared by their ``fit`` checks and config validation.

Each configurable part (normaliser, tokeniser, vectoriser, classifier factory) declares a ``{parameter:
constraint}`` dict beside its constructor; the constructor's signature holds the defaults (the one place they are
written). :func:`pipeline.training.recipe.validate_config` derives a section's keys from the signature and checks their
values with these constraints; a constraint is a predicate whose docstring says what it expects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Constraint = Callable[[Any], bool]
MAX_NGRAM = 8  # longest word or character n-gram a config may ask for


def _described(text: str) -> Callable[[Constraint], Constraint]:
    def wrap(check: Constraint) -> Constraint:
        check.__doc__ = text
        return check

    return wrap


@_described("true or false")
def boolean(v: Any) -> bool:  # noqa: D103 - the docstring is what the check expects
    return isinstance(v, bool)


@_described("an integer")
def integer(v: Any) -> bool:  # noqa: D103
    return isinstance(v, int) and not isinstance(v, bool)


@_described("a number")
def number(v: Any) -> bool:  # noqa: D103
    return isinstance(v, (int, float)) and not isinstance(v, bool)


@_described("an integer >= 0")
def count(v: Any) -> bool:  # noqa: D103
    return integer(v) and v >= 0


@_described("an integer >= 1")
def positive_int(v: Any) -> bool:  # noqa: D103
    return integer(v) and v >= 1


@_described("an integer >= 2")
def at_least_two(v: Any) -> bool:  # noqa: D103
    return integer(v) and v >= 2


@_described("a number >= 0")
def non_negative(v: Any) -> bool:  # noqa: D103
    return number(v) and v >= 0


@_described("a number > 0")
def positive(v: Any) -> bool:  # noqa: D103
    return number(v) and v > 0


@_described(f"a pair [min, max] with 1 <= min <= max <= {MAX_NGRAM}, or [0, 0]")
def ngram_range(v: Any) -> bool:  # noqa: D103
    if not (isinstance(v, (list, tuple)) and len(v) == 2 and all(integer(x) for x in v)):
        return False
    lo, hi = v
    return lo == hi == 0 or 1 <= lo <= hi <= MAX_NGRAM


def one_of(*choices: Any) -> Constraint:
    """A constraint accepting exactly the given values."""

    @_described("one of " + ", ".join(repr(c) for c in choices))
    def check(v: Any) -> bool:
        return any(v is c or (type(v) is type(c) and v == c) for c in choices)

    return check


def check_params(params: Mapping[str, Any], constraints: Mapping[str, Constraint], where: str) -> None:
    """Raise ``ValueError`` naming ``where`` and the parameter when a value breaks its constraint."""
    for name, check in constraints.items():
        if name in params and not check(params[name]):
            raise ValueError(f"{where}.{name} = {params[name]!r}: expected {check.__doc__}")


@_described("a number in [0, 1)")
def fraction(v: Any) -> bool:  # noqa: D103
    return number(v) and 0.0 <= v < 1.0


@_described("a number in [0, 1]")
def probability(v: Any) -> bool:  # noqa: D103
    return number(v) and 0.0 <= v <= 1.0


@_described("a string")
def string(v: Any) -> bool:  # noqa: D103
    return isinstance(v, str)


@_described("a string or null")
def optional_string(v: Any) -> bool:  # noqa: D103
    return v is None or isinstance(v, str)


@_described("a list of strings")
def string_list(v: Any) -> bool:  # noqa: D103
    return isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v)
