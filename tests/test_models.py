"""Rules every config model keeps, checked over all of them (present and future fields alike)."""

from __future__ import annotations

import math
import typing
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from dativo.compiler.finite import _finite_everywhere
from dativo.compiler.models import SCHEMA_MODELS
from dativo.compiler.models.common import NOT_FINITE, Free, RetryConfig
from dativo.compiler.models.project import ProjectFile
from dativo.targets import names, settings_model


def _all_models() -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []
    # the targets' settings models too: the compiler validates `targets.<name>` with them (compiler/emit.py)
    todo: list[Any] = [*SCHEMA_MODELS.values(), *(settings_model(n)[0] for n in names())]
    while todo:
        tp = todo.pop()
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if tp not in seen:
                seen.append(tp)
                todo.extend(f.annotation for f in tp.model_fields.values())
        else:
            todo.extend(typing.get_args(tp))
    return sorted(seen, key=lambda m: f"{m.__module__}.{m.__qualname__}")


def _leaves(tp: Any, metadata: tuple = ()) -> list[tuple[Any, tuple]]:
    """(type, its Annotated metadata) of every leaf type of an annotation."""
    if typing.get_origin(tp) is typing.Annotated:
        inner, *meta = typing.get_args(tp)
        return _leaves(inner, metadata + tuple(meta))
    args = typing.get_args(tp)
    if args and not (isinstance(tp, type) and issubclass(tp, BaseModel)):
        return [leaf for a in args for leaf in _leaves(a)]
    return [(tp, metadata)]


def _finite_checked(leaf: Any, metadata: tuple) -> bool:
    return any(getattr(m, "func", None) is _finite_everywhere for m in metadata)


MODELS = _all_models()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__qualname__)
def test_every_number_of_every_model_must_be_finite(model: type[BaseModel]) -> None:
    """A non-finite number became null in the plan (JSON), and every run of that plan failed: floats
    refuse inf and nan (the model config, or Number), and free-form values (Any) are Free."""
    for name, f in model.model_fields.items():
        for leaf, metadata in _leaves(f.annotation, tuple(f.metadata)):
            if leaf is float:
                allowed = [getattr(m, "allow_inf_nan", None) for m in metadata]
                assert model.model_config.get("allow_inf_nan") is False or False in allowed, f"{model.__name__}.{name}"
            # a target's settings model reads a `targets:` block whose every number is checked already (below)
            if leaf is Any and not model.__module__.startswith("dativo.targets."):
                assert _finite_checked(leaf, metadata), f"{model.__name__}.{name}: use Free, not Any"


def test_target_settings_blocks_are_finite_before_the_targets_models_read_them() -> None:
    blocks = ProjectFile.model_fields["targets"].annotation
    leaves = _leaves(typing.get_args(blocks)[1])
    assert [leaf for leaf, _ in leaves] == [str, Any] and _finite_checked(*leaves[1])


def test_the_walk_sees_every_model() -> None:
    names = {m.__name__ for m in MODELS}
    assert {"RetryConfig", "EngineBlock", "Schedule", "Column", "Task", "Settings", "Resources"} <= names


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, float("1e400")])
def test_retry_numbers_refuse_non_finite(value: float) -> None:
    with pytest.raises(ValidationError) as e:
        RetryConfig.model_validate({"max_delay_seconds": value})
    assert e.value.errors()[0]["type"] == NOT_FINITE


def test_free_values_name_the_number_that_is_not_finite() -> None:
    from pydantic import TypeAdapter

    with pytest.raises(ValidationError) as e:
        TypeAdapter(dict[str, Free]).validate_python({"ok": [1.5, {"x": 2}], "pool": {"timeouts": [30, math.inf]}})
    [err] = e.value.errors()
    assert (err["type"], err["loc"], err["ctx"]["at"]) == (NOT_FINITE, ("pool",), ("timeouts", 1))
    assert TypeAdapter(dict[str, Free]).validate_python({"a": [1.5, {"b": None}]}) == {"a": [1.5, {"b": None}]}


def test_kubernetes_quantities_refuse_non_finite_numbers() -> None:
    from dativo.targets.kubernetes.settings import Resources

    assert Resources.model_validate({"limits": {"cpu": 0.5}}).limits == {"cpu": "0.5"}
    with pytest.raises(ValidationError, match="finite"):
        Resources.model_validate({"limits": {"cpu": math.inf}})
