"""Numbers in configs are finite: the one rule, for the config models and the `targets:` blocks of
dativo.yaml (checked raw, before each target's settings model reads its block; compiler/emit.py).
compiler.models.common re-exports it.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

#: pydantic error type of a number that is not finite (validate.py words it)
NOT_FINITE = "finite_number"


def _finite_everywhere(value: Any) -> Any:
    """A free-form value with every number in it finite, or the error naming (`at`: the keys and indexes
    under the value) the first that is not."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), value)]
    while stack:
        at, v = stack.pop()
        if isinstance(v, float) and not math.isfinite(v):
            raise PydanticCustomError(NOT_FINITE, "Input should be a finite number", {"at": at, "number": v})
        if isinstance(v, dict):
            stack.extend(((*at, k), item) for k, item in reversed(v.items()))
        elif isinstance(v, list):
            stack.extend(((*at, i), item) for i, item in reversed(list(enumerate(v))))
    return value


# YAML reads .inf, .nan and numbers past 1.8e308 (1e400) as infinite or not a number. The plan is
# JSON, which holds neither (they became null there, and every run of the plan then failed), so no
# config may hold one: typed numbers are `Number`, untyped values `Free`, and the base model refuses
# non-finite floats in any field declared with plain `float` as well.
Number = Annotated[float, Field(allow_inf_nan=False)]
Free = Annotated[Any, AfterValidator(_finite_everywhere)]
