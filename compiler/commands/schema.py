"""`dativo schema`: JSON Schemas generated from the pydantic models (for editors and CI): the config files,
and plan.json, the contract between compiler, targets and runtime (runtime/plan.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from dativo.runtime.dag_events import DagEvent
from dativo.runtime.exitcodes import ExitCode
from dativo.runtime.plan import Plan
from dativo.targets import names, settings_model

from ..cli import UsageError
from ..models import SCHEMA_MODELS, ProjectFile
from ..models.project import Environment, EnvironmentName

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _project_model() -> type[BaseModel]:
    """dativo.yaml as editors should see it: `targets.<name>` described by each target's own settings model
    (the compiler validates the blocks with those models after the file, compiler/emit.py)."""
    blocks: dict[str, Any] = {}
    for name in names():
        model = settings_model(name)[0]
        blocks[name] = (model, Field(default_factory=model))
    targets = create_model(
        "TargetSettings",
        __config__=ConfigDict(extra="forbid"),
        __doc__="`targets:` one block per target, each validated by that target's own settings model.",
        **blocks,
    )
    # an environment's blocks are overrides, merged over the project's: the same models (every key optional)
    env = create_model("Environment", __base__=Environment, targets=(targets, Field(default_factory=targets)))
    return create_model(
        "ProjectFile",
        __base__=ProjectFile,
        targets=(targets, Field(default_factory=targets)),
        environments=(dict[EnvironmentName, env], Field(default_factory=dict)),
    )


def render() -> dict[str, str]:
    out = {}
    models: dict[str, Any] = {
        **SCHEMA_MODELS,
        "project": _project_model(),
        "plan": Plan,
        "events": DagEvent,
    }  # pydantic models
    for stem, model in sorted(models.items()):
        schema = {"$schema": DIALECT, **model.model_json_schema(by_alias=True)}
        out[f"{stem}.schema.json"] = json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return out


def main(args: argparse.Namespace) -> int:
    files = render()
    if getattr(args, "into", None):
        return _into(Path(args.into), files, args.check)
    out_dir = Path(args.out)
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


def _into(root: Path, files: dict[str, str], check: bool) -> int:
    """`--into PROJECT`: the schemas in the project and its files' schema links pointing at them."""
    from .. import editorschemas

    if not root.is_dir():
        raise UsageError(f"project directory {str(root)!r} does not exist")
    changes = editorschemas.plan_changes(root, files)
    if check:
        for path in changes:
            print(f"{path}: stale; run `dativo schema --into {root}`")
        return ExitCode.FINDINGS if changes else ExitCode.OK
    try:
        editorschemas.write(changes)
    except OSError as e:
        raise UsageError(f"cannot write the schemas into {str(root)!r}: {e.strerror or e}") from None
    print(
        f"dativo: {len(files)} schemas in {root / editorschemas.SCHEMA_DIR} ({len(changes)} files written)",
        file=sys.stderr,
    )
    return ExitCode.OK
