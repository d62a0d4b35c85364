"""The check that a deployed artifact runs the plan it was generated for.

One function computes the digest on both sides (`plan_digest`, in the plan contract): the targets stamp it
into what they generate (a CronJob's env and annotation, a unit's Environment=), and `dativo run` compares
the digest of the plan it loaded with `DATIVO_PLAN_DIGEST`. The digest is of the plan's canonical text,
`Plan.to_json()`: the exact bytes `dativo compile` writes to plan.json, and what a loaded plan gives
back (byte-identical: `dativo compile --check` relies on the same round trip). A plan.json that only a
checkout reformatted (CRLF line ends) keeps its digest; any change of content does not.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from .plan import PLAN_DIGEST_ENV as ENV
from .plan import PLAN_IMAGE_ENV as IMAGE_ENV
from .plan import Plan, PlanError, plan_digest

__all__ = ["ENV", "IMAGE_ENV", "check_deployed", "plan_digest"]


def check_deployed(plan: Plan, plan_file: Path, environ: Mapping[str, str] = os.environ) -> None:
    """Refuse (PlanError: exit 2) a plan whose digest is not the one the running artifact was generated for.

    Unset or empty `DATIVO_PLAN_DIGEST` (a run from a shell, an artifact of an older dativo) checks nothing.
    """
    wanted = environ.get(ENV, "").strip()
    if not wanted:
        return
    have = plan_digest(plan)
    if wanted == have:
        return
    image = environ.get(IMAGE_ENV, "").strip()
    where = f" (image {image})" if image else ""
    raise PlanError(
        f"this artifact{where} was generated for plan {wanted} ({ENV}), but the deployed plan "
        f"{plan_file} is {have}: the image or host holds another compile of the project than the "
        "CronJob or unit that started this run. Deploy the image (or project) built from the same commit "
        "as the applied artifacts, or run `dativo compile` and apply its artifacts again"
    )
