"""Validate loaded documents against the pydantic models; errors become positioned diagnostics."""

from __future__ import annotations

import re
import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from dativo.runtime.secretnames import is_secret_name

from . import codes
from .diagnostics import Diagnostics, did_you_mean, json_path
from .load import Document
from .models.common import NOT_FINITE

M = TypeVar("M", bound=BaseModel)


_TYPE_WORDS = {
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "string": "a string",
    "list": "a list",
    "dict": "a mapping",
    "model": "a mapping",
}


def validate(doc: Document, model: type[M], diags: Diagnostics, what: str) -> M | None:
    """The model instance, or None with one diagnostic per problem."""
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            _report(doc, model, err, diags, what)
        return None


def _data_path(data: Any, loc: tuple) -> tuple:
    """Drop the union-member tags pydantic puts into `loc`: keep what exists in the data."""
    out: list = []
    cur = data
    for part in loc:
        if isinstance(cur, dict) and isinstance(part, str) and part in cur:
            out.append(part)
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            out.append(part)
            cur = cur[part]
        elif isinstance(cur, dict) and isinstance(part, str) and part == loc[-1]:
            out.append(part)  # a missing or extra key: the last part names it
            cur = None
        else:
            continue
    return tuple(out)


def _report(doc: Document, model: type[BaseModel], err: ErrorDetails, diags: Diagnostics, what: str) -> None:
    kind: str = err["type"]
    path = _data_path(doc.data, tuple(err["loc"]))
    jp = json_path(path)
    field = _field_name(path, what)
    where = f" in {_describe(path[:-1], what)}"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, path[:-1])
        diags.error(
            codes.UNKNOWN_KEY,
            f"unknown key {field!r}{where}",
            doc.span(path, key=True),
            path=jp,
            hint=did_you_mean(field, allowed) or (f"allowed keys: {', '.join(sorted(allowed))}" if allowed else None),
        )
    elif kind == "missing":
        diags.error(
            codes.MISSING_FIELD, f"missing required field {field!r}{where}", doc.span(path[:-1], key=True), path=jp
        )
    elif kind in ("literal_error", "enum"):
        expected = err.get("ctx", {}).get("expected", "")
        value = err.get("input")
        options = re.findall(r"'([^']*)'", expected)
        hint = did_you_mean(str(value), options) if isinstance(value, str) else None
        diags.error(
            codes.INVALID_VALUE,
            f"{field!r} must be {expected}, got {_show(field, value)}",
            doc.span(path),
            path=jp,
            hint=hint,
        )
    elif kind == NOT_FINITE:  # in a free-form value, `at` leads from the field to the number
        ctx = err.get("ctx") or {}
        path = path + tuple(ctx.get("at", ()))
        number = ctx.get("number", err.get("input"))
        diags.error(
            codes.INVALID_VALUE,
            f"{_field_name(path, what)!r} must be a finite number, got {number!r}",
            doc.span(path),
            path=json_path(path),
            hint="YAML reads .inf, .nan and numbers past 1.8e308 (1e400) "
            "as infinite or not a number, which the plan (JSON) cannot hold: write a finite value",
        )
    elif kind.endswith("_type") or kind.endswith("_parsing") or kind == "model_attributes_type":
        base = kind.split("_")[0]
        want = _TYPE_WORDS.get(base, base)
        hint = "quote the value to make it a string" if base == "string" else None
        if base in ("int", "float") and _numeric(err.get("input")):
            hint = "remove the quotes to make it a number"
        diags.error(
            codes.WRONG_TYPE,
            f"{field!r} must be {want}, got {_show(field, err.get('input'))}",
            doc.span(path),
            path=jp,
            hint=hint,
        )
    else:
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        diags.error(codes.INVALID_VALUE, f"{field!r}: {msg}", doc.span(path), path=jp)


def _numeric(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return isinstance(value, str)


def _field_name(path: tuple, what: str) -> str:
    if not path:
        return what
    if isinstance(path[-1], int):
        return f"{_field_name(path[:-1], what)}[{path[-1]}]"
    return str(path[-1])


def _describe(parent: tuple, what: str) -> str:
    return f"{what} at {json_path(parent)[2:]}" if parent else what


def _show(field: str, value: Any) -> str:
    """Describe a bad value without ever echoing something that may be a secret."""
    if is_secret_name(field):
        return "a value that is not shown (secret-like key)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _allowed_keys(model: type[BaseModel], parent: tuple) -> list[str]:
    """Keys the model accepts at `parent`, walking field annotations (for did-you-mean)."""
    current: Any = model
    for part in parent:
        if isinstance(part, int):
            current = _item_type(current)
            continue
        cls = _model_of(current)
        if cls is None:
            return []
        f = next((f for n, f in cls.model_fields.items() if (f.alias or n) == part), None)
        if f is None:
            return []
        current = f.annotation
    cls = _model_of(current)
    if cls is None:
        return []
    return [f.alias or n for n, f in cls.model_fields.items()]


def _model_of(tp: Any) -> type[BaseModel] | None:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    for arg in typing.get_args(tp):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _item_type(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            if typing.get_origin(arg) is list:
                return typing.get_args(arg)[0]
    if origin is list:
        return typing.get_args(tp)[0]
    return tp
