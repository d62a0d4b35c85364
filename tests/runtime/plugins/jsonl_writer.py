"""A test writer plugin of the documented interface (docs/runtime.md#python-plugins): JSON lines into the
folder `connection.out_dir` names. Batches are staged under `.staging/`; `commit_files` moves them into
place under the run key, and a run key already in place is not written twice (the dedupe the runtime
asks of a writer: it passes the run key, stable across retries and reruns)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


class JsonlWriter:
    def __init__(self, asset_definition: Any, target_config: Any, output_base: str):
        self.columns = [c["name"] for c in asset_definition.schema]
        self.out = Path(target_config.connection["out_dir"])
        self.fail_at = target_config.connection.get("fail_at_batch")
        self.run = hashlib.sha256(target_config.run_key.encode()).hexdigest()[:16]
        self.staging = self.out / ".staging" / self.run
        self.output_base = output_base

    def write_batch(self, records: list[dict[str, Any]], file_counter: int) -> list[dict[str, Any]]:
        if self.fail_at is not None and file_counter == int(self.fail_at):
            raise RuntimeError(f"the writer broke at batch {file_counter}")
        self.staging.mkdir(parents=True, exist_ok=True)
        path = self.staging / f"part-{file_counter:05d}.jsonl"
        text = "".join(json.dumps({k: r.get(k) for k in self.columns}, default=str) + "\n" for r in records)
        path.write_text(text, "utf-8")
        return [{"path": str(path), "size_bytes": len(text.encode()), "record_count": len(records)}]

    def commit_files(self, file_metadata: list[dict[str, Any]]) -> dict[str, Any]:
        done = self.out / self.run
        if done.exists():  # this run key is in place already: a rerun writes nothing twice
            return {"status": "already_committed", "files_added": 0}
        self.staging.rename(done) if file_metadata else done.mkdir(parents=True)
        return {"status": "success", "files_added": len(file_metadata)}


class NotAWriter:
    pass
