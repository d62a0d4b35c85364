"""plan.json bytes: orjson's output equals the standard library's sorted, indented JSON (floats
aside: a tiny float's exponent is written 1e-7 rather than 1e-07; both parse to the same value)."""

from __future__ import annotations

import json

from helpers import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from dativo.runtime.plan import Plan

EXAMPLE = (REPO / "examples" / "generated" / "plan.json").read_text("utf-8")


def _stdlib(plan: Plan) -> str:
    return json.dumps(plan.model_dump(mode="json"), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def test_example_plan_round_trips_byte_for_byte() -> None:
    plan = Plan.from_json(EXAMPLE)
    assert plan.to_json() == EXAMPLE == _stdlib(plan)


@settings(max_examples=60, deadline=None)
@given(
    tags=st.dictionaries(st.text(min_size=1, max_size=12), st.text(max_size=20), max_size=5),
    delay=st.integers(min_value=0, max_value=10**6).map(float) | st.sampled_from([0.5, 1.25, 2.0, 300.0]),
)
def test_any_tags_and_delays_serialise_like_the_standard_library(tags: dict[str, str], delay: float) -> None:
    plan = Plan.from_json(EXAMPLE)
    sid = sorted(plan.schedules)[0]
    entry = plan.schedules[sid]
    entry = entry.model_copy(
        update={"tags": tags, "retry": entry.retry.model_copy(update={"initial_delay_seconds": delay})}
    )
    plan = plan.model_copy(update={"schedules": {**plan.schedules, sid: entry}})
    assert plan.to_json() == _stdlib(plan)


def test_integers_past_64_bits_fall_back_to_the_exact_encoder() -> None:
    plan = Plan.from_json(EXAMPLE)
    key = sorted(plan.jobs)[0]
    job = plan.jobs[key]
    job = job.model_copy(update={"source": job.source.model_copy(update={"engine_options": {"big": 10**30}})})
    plan = plan.model_copy(update={"jobs": {**plan.jobs, key: job}})
    assert plan.to_json() == _stdlib(plan)
    assert '"big": 1000000000000000000000000000000' in plan.to_json()


def test_specs_shared_between_jobs_are_written_where_each_job_has_them() -> None:
    # a compile gives jobs one spec object per distinct asset, retry, logging and credentials (SpecMemo); the
    # plan's text writes each such object once and places it at every job that holds it
    plan = Plan.from_json(EXAMPLE)
    first, *rest = sorted(plan.jobs)
    shared = plan.jobs[first]
    jobs = {
        key: job.model_copy(
            update={
                "asset": shared.asset,
                "retry": shared.retry,
                "logging": shared.logging,
                "source": job.source.model_copy(update={"credentials": shared.source.credentials}),
            }
        )
        for key, job in plan.jobs.items()
    }
    schedules = {k: e.model_copy(update={"retry": shared.retry}) for k, e in plan.schedules.items()}
    plan = plan.model_copy(update={"jobs": jobs, "schedules": schedules})
    assert rest and plan.to_json() == _stdlib(plan)
