"""Field-level differences between two plan values, generic over the plan models: every field of a
model is compared, so a field added to the plan later shows up in `dativo plan` without code here."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

#: keys that name an element of a list of objects (asset columns by name, DAG tasks by id)
_KEYS = ("name", "id")


def dump(value: BaseModel | None) -> Any:
    """A model as plain JSON data (None stays None)."""
    return None if value is None else value.model_dump(mode="json")


def same(before: BaseModel | None, after: BaseModel | None) -> bool:
    """Whether two plan values are the same JSON: a cheaper test than `changed` on their dumps (pydantic
    writes JSON in Rust), for the common case of an entry no change touched."""
    if before is None or after is None:
        return before is after
    return type(before) is type(after) and before.model_dump_json() == after.model_dump_json()


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaves of `value` by dotted name: objects by key, lists of named objects by `[name]`; other lists
    and scalars are leaves (a list of strings changes as a whole)."""
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key in sorted(value):
            out.update(flatten(value[key], f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value and (key := _element_key(value)) is not None:
        out = {}
        for item in value:
            out.update(flatten({k: v for k, v in item.items() if k != key}, f"{prefix}[{item[key]}]"))
        return out
    return {prefix: value}


def _element_key(items: list[Any]) -> str | None:
    """The key that names each element of a list of objects, when one does uniquely."""
    if not all(isinstance(i, dict) for i in items):
        return None
    for key in _KEYS:
        names = [i.get(key) for i in items]
        if all(isinstance(n, str) for n in names) and len(set(names)) == len(names):
            return key
    return None


def changed(before: Any, after: Any, prefix: str = "") -> dict[str, dict[str, Any]]:
    """`{name: {"before", "after"}}` for every leaf that differs (None where a side has no such leaf)."""
    if before == after:
        return {}
    old, new = flatten(before, prefix), flatten(after, prefix)
    out = {}
    for name in sorted(old.keys() | new.keys()):
        b, a = old.get(name), new.get(name)
        if _canon(b) != _canon(a):
            out[name] = {"before": b, "after": a}
    return out


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
