"""A test plugin of the documented interface (docs/runtime.md#python-plugins): numbered rows up to
`connection.count`, incremental by the last id it committed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class NumbersReader:
    def __init__(self, source_config: Any):
        self.count = int(source_config.connection["count"])
        self.label = source_config.connection.get("label", "n")
        self.fail_at = source_config.connection.get("fail_at")

    def extract(self, state_manager: Any = None) -> Iterator[list[dict[str, Any]]]:
        start = int(state_manager.state.get("last_id", 0)) if state_manager else 0
        batch: list[dict[str, Any]] = []
        for i in range(start + 1, self.count + 1):
            if self.fail_at is not None and i == int(self.fail_at):
                raise RuntimeError(f"the source broke at row {i}")
            batch.append({"id": i, "name": f"{self.label}{i}", "updated_at": (T0 + timedelta(seconds=i)).isoformat()})
            if len(batch) == 1000:
                yield batch
                batch = []
        if batch:
            yield batch
        if state_manager is not None:
            state_manager.set({"last_id": max(start, self.count)})


class NotAReader:
    pass
