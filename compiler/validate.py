"""Validate loaded documents against the pydantic models; errors become positioned diagnostics."""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from dativo.runtime.secretnames import is_secret_name

from . import codes
from .diagnostics import Diagnostics, Span, did_you_mean, json_path
from .document import Document
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


def validate_at(
    doc: Document, at: tuple[str, ...], data: Any, model: type[M], diags: Diagnostics, code: codes.Code
) -> M | None:
    """`data`, the value at `at` in `doc` (a target's settings block, say), as an instance of `model`, or
    None with one diagnostic per problem, positioned and worded as `validate`'s but all with `code`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            _report(doc, model, {**err, "loc": (*at, *err["loc"])}, diags, "project file", base=len(at), code=code)
        return None


def _report(
    doc: Document,
    model: type[BaseModel],
    err: ErrorDetails,
    diags: Diagnostics,
    what: str,
    base: int = 0,
    code: codes.Code | None = None,
) -> None:
    """`base`: how many parts of the error's path lead to where `model` applies; `code`: instead of the
    usual code of each kind of problem (worded as that kind's)."""
    kind: str = err["type"]
    path = _data_path(doc.data, tuple(err["loc"]))
    field = _field_name(path, what)
    at = _At(doc, path, diags, code)
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, path[base:-1])
        hint = did_you_mean(field, allowed) or (f"allowed keys: {', '.join(sorted(allowed))}" if allowed else None)
        at.report(codes.UNKNOWN_KEY, doc.span(path, key=True), key=field, where=_describe(path[:-1], what), hint=hint)
    elif kind == "missing":
        at.report(codes.MISSING_FIELD, doc.span(path[:-1], key=True), field=field, where=_describe(path[:-1], what))
    elif kind in ("literal_error", "enum"):
        _not_one_of(at, field, err)
    elif kind == NOT_FINITE:
        _not_finite(at, what, err)
    elif kind.endswith("_type") or kind.endswith("_parsing") or kind == "model_attributes_type":
        _wrong_type(at, field, kind, err)
    else:
        at.report(codes.VALUE_REFUSED, doc.span(path), field=field, problem=err["msg"].removeprefix("Value error, "))


@dataclass(frozen=True)
class _At:
    """Where a validation error is: its document and the path of the offending value, and the code that
    stands in for each kind's own (a target's settings code), if any."""

    doc: Document
    path: tuple
    diags: Diagnostics
    code: codes.Code | None = None

    def report(self, code: codes.Code, span: Span, **fields: Any) -> None:
        if self.code is None:
            self.diags.report(code, span, path=json_path(self.path), **fields)
            return
        problem, hint = code.render(**fields)  # worded as the kind's own code, reported as the target's
        self.diags.report(self.code, span, path=json_path(self.path), problem=problem, hint=hint)


def _not_one_of(at: _At, field: str, err: ErrorDetails) -> None:
    expected = err.get("ctx", {}).get("expected", "")
    value = err.get("input")
    options = re.findall(r"'([^']*)'", expected)
    hint = did_you_mean(str(value), options) if isinstance(value, str) else None
    got = _show(field, value)
    at.report(codes.INVALID_VALUE, at.doc.span(at.path), field=field, expected=expected, got=got, hint=hint)


def _not_finite(at: _At, what: str, err: ErrorDetails) -> None:
    """In a free-form value, the error's `at` leads from the field to the number."""
    ctx = err.get("ctx") or {}
    path = at.path + tuple(ctx.get("at", ()))
    number = ctx.get("number", err.get("input"))
    field = _field_name(path, what)
    _At(at.doc, path, at.diags, at.code).report(codes.NOT_FINITE, at.doc.span(path), field=field, number=number)


def _wrong_type(at: _At, field: str, kind: str, err: ErrorDetails) -> None:
    base = kind.split("_")[0]
    hint = "quote the value to make it a string" if base == "string" else None
    if base in ("int", "float") and _numeric(err.get("input")):
        hint = "remove the quotes to make it a number"
    want = _TYPE_WORDS.get(base, base)
    got = _show(field, err.get("input"))
    at.report(codes.WRONG_TYPE, at.doc.span(at.path), field=field, want=want, got=got, hint=hint)


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
        if typing.get_origin(current) is dict:  # a name of a mapping of models (`environments.<name>`)
            current = typing.get_args(current)[1]
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
