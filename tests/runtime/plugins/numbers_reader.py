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
        self.bad_at = source_config.connection.get("bad_at")  # this row's updated_at is not a timestamp

    def extract(self, state_manager: Any = None) -> Iterator[list[dict[str, Any]]]:
        start = int(state_manager.state.get("last_id", 0)) if state_manager else 0
        batch: list[dict[str, Any]] = []
        for i in range(start + 1, self.count + 1):
            if self.fail_at is not None and i == int(self.fail_at):
                raise RuntimeError(f"the source broke at row {i}")
            bad = self.bad_at is not None and i == int(self.bad_at)
            ts = "not a time" if bad else (T0 + timedelta(seconds=i)).isoformat()
            batch.append({"id": i, "name": f"{self.label}{i}", "updated_at": ts})
            if len(batch) == 1000:
                yield batch
                batch = []
        if batch:
            yield batch
        if state_manager is not None:
            state_manager.set({"last_id": max(start, self.count)})


class NotAReader:
    pass
