"""`dativo schema`: JSON Schemas generated from the pydantic models (for editors and CI)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dativo.runtime.exitcodes import ExitCode

from ..cli import UsageError
from ..models import SCHEMA_MODELS

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def render() -> dict[str, str]:
    out = {}
    for stem, model in sorted(SCHEMA_MODELS.items()):
        schema = {"$schema": DIALECT, **model.model_json_schema(by_alias=True)}
        out[f"{stem}.schema.json"] = json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return out


def main(args: argparse.Namespace) -> int:
    out_dir = Path(args.out)
    files = render()
    if args.check:
        stale = [
            name
            for name, text in files.items()
            if not (out_dir / name).is_file() or (out_dir / name).read_text("utf-8") != text
        ]
        for name in stale:
            print(f"{out_dir / name}: stale; run `dativo schema --out {out_dir}`")
        return ExitCode.FINDINGS if stale else ExitCode.OK
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        written = [n for n, t in files.items() if not (out_dir / n).is_file() or (out_dir / n).read_text("utf-8") != t]
        for name in written:
            (out_dir / name).write_text(files[name], encoding="utf-8")
    except OSError as e:  # --out naming a file, an unwritable folder: an environment error, not a traceback
        raise UsageError(f"cannot write the schemas into {str(out_dir)!r}: {e.strerror or e}") from None
    print(f"dativo: {len(files)} schemas in {out_dir} ({len(written)} written)", file=sys.stderr)
    return ExitCode.OK
