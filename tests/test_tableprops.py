"""Assets as dativo-ingest accepts them, and the table properties derived from them (issue 13).

The fixtures (tests/fixtures/governance/) are ours, in dativo-ingest's shapes; the expected properties are
what dativo-ingest's tag_derivation.py and IcebergCommitter._derive_table_properties give for them
(checked against its code once; the names and values are written out here so the test stands alone)."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
from helpers import EXAMPLES, REPO

from dativo.compiler import tableprops
from dativo.compiler.assetview import ASSET_ID_NAMESPACE, asset_meta
from dativo.compiler.diagnostics import Diagnostics
from dativo.compiler.models.asset import LegacyAsset
from dativo.compiler.pipeline import check_project, plan_project
from dativo.runtime.envvars import has_reference
from dativo.runtime.plan import Plan

BASE = REPO / "tests" / "cases" / "base"
FIXTURES = REPO / "tests" / "fixtures" / "governance"

STAFF = {
    "asset.name": "staff",
    "asset.object": "file",
    "asset.source_type": "csv",
    "asset.version": "2.1",
    "classification.default": "restricted",
    "classification.fields.full_name": "pii",
    "classification.fields.salary": "restricted",
    "classification.fields.work_email": "high_pii",
    "dativo.tags": "hr,staff",
    "dativo.tenant": "globex",
    "finops.business_tags": "hr,payroll",
    "finops.cost_center": "PEOPLE-9",
    "finops.project": "people-platform",
    "governance.owner": "hr-platform@globex.example",
    "governance.retention_days": "365",
}
INVOICES = {
    "asset.data_product": "receivables",
    "asset.domain": "billing",
    "asset.name": "invoices",
    "asset.object": "file",
    "asset.source_type": "csv",
    "asset.version": "1.0",
    "classification.default": "sensitive",
    "classification.fields.amount": "financial",
    "classification.fields.customer_email": "pii",
    "dativo.tags": "billing,finance",
    "dativo.tenant": "globex",
    "finops.business_tags": "revenue,billing",
    "finops.cost_center": "FIN-42",
    "finops.environment": "production",
    "finops.project": "receivables",
    "governance.data_product": "receivables",
    "governance.domain": "billing",
    "governance.owner": "billing-data@globex.example",
    "governance.regulations": "GDPR,SOX",
}


def assemble(root: Path, extra: dict[str, str] | None = None) -> Path:
    shutil.copytree(BASE, root)
    shutil.copytree(FIXTURES, root, dirs_exist_ok=True)
    for rel, text in (extra or {}).items():
        (root / rel).write_text(text, "utf-8")
    return root


def planned(root: Path) -> Plan:
    result = plan_project(root)
    assert not result.diags.has_errors(), [d.message for d in result.diags.items]
    assert result.plan is not None
    return result.plan


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return planned(assemble(tmp_path_factory.mktemp("gov") / "p"))


def test_job_overrides_win_over_the_legacy_assets_governance(plan: Plan) -> None:
    """classification_overrides (incl. `default`), finops and governance_overrides over the asset's
    column classifications, governance block (migrated to compliance and team) and finops."""
    assert plan.jobs["jobs/globex/staff_overrides.yaml"].target.table_properties == STAFF


def test_odcs_asset_metadata_becomes_properties(plan: Plan) -> None:
    assert plan.jobs["jobs/globex/invoices.yaml"].target.table_properties == INVOICES


def test_properties_are_sorted_and_hold_no_reference(plan: Plan) -> None:
    for spec in plan.jobs.values():
        props = spec.target.table_properties
        assert list(props) == sorted(props)
        assert not [v for v in props.values() if has_reference(v)]
    # the base project's jobs get theirs too: the legacy stripe asset's owner, tags and column classification
    stripe = plan.jobs["jobs/acme/stripe_customers.yaml"].target.table_properties
    assert stripe["governance.owner"] == "finance-data@acme.example"
    assert stripe["classification.fields.email"] == "pii"
    assert stripe["dativo.tags"] == "stripe" and stripe["dativo.tenant"] == "acme"


def test_an_odcs_asset_without_id_gets_the_same_id_every_compile(plan: Plan, tmp_path: Path) -> None:
    want = str(uuid.uuid5(ASSET_ID_NAMESPACE, "csv\0file\0invoices\x001.0"))
    assert plan.jobs["jobs/globex/invoices.yaml"].asset.id == want
    assert planned(assemble(tmp_path / "again")).jobs["jobs/globex/invoices.yaml"].asset.id == want
    # an id the asset writes is kept
    assert plan.jobs["jobs/globex/events_csv.yaml"].asset.id == "7a1c5e2e-3b0f-4c8e-9d55-0d6a1f9b2c41"


def _legacy(governance: dict, compliance: dict | None = None) -> LegacyAsset:
    body = {
        "name": "a",
        "source_type": "csv",
        "object": "file",
        "version": "1",
        "schema": [{"name": "x", "type": "string"}],
        "governance": governance,
    }
    if compliance is not None:
        body["compliance"] = compliance
    return LegacyAsset.model_validate({"asset": body})


def test_legacy_governance_migrates_and_an_explicit_compliance_key_wins() -> None:
    meta = asset_meta(_legacy({"owner": "o@x", "tags": ["t"], "classification": ["PII"], "retention_days": 30}).asset)
    assert meta.owner == "o@x" and meta.tags == ("t",)
    assert meta.compliance is not None
    assert (meta.compliance.classification, meta.compliance.retention_days) == (["PII"], 30)
    both = asset_meta(_legacy({"retention_days": 30, "classification": ["PII"]}, {"retention_days": 7}).asset)
    assert both.compliance is not None
    assert (both.compliance.classification, both.compliance.retention_days) == (["PII"], 7)


def test_an_empty_owner_override_removes_the_assets_owner(tmp_path: Path) -> None:
    job = (FIXTURES / "jobs" / "globex" / "staff_overrides.yaml").read_text("utf-8")
    job = job.replace("  owner: hr-platform@globex.example", '  owner: ""')
    plan = planned(assemble(tmp_path / "p", {"jobs/globex/staff_overrides.yaml": job}))
    props = plan.jobs["jobs/globex/staff_overrides.yaml"].target.table_properties
    assert "governance.owner" not in props and props["governance.retention_days"] == "365"


def test_jobs_without_overrides_share_the_assets_properties_and_overrides_stay_their_own(tmp_path: Path) -> None:
    """The plan builder derives the properties once per asset and tenant for jobs that override nothing
    (jobspec.SpecMemo): a job with overrides, before or after them, still gets its own."""
    job = (FIXTURES / "jobs" / "globex" / "staff_overrides.yaml").read_text("utf-8")
    plain = job.split("# dativo-ingest's governance keys")[0]
    extra = {
        "jobs/globex/a_staff.yaml": plain.replace("branch: globex", "branch: globex\n  table: a_staff"),
        "jobs/globex/z_staff.yaml": plain.replace("branch: globex", "branch: globex\n  table: z_staff"),
    }
    plan = planned(assemble(tmp_path / "p", extra))
    assert plan.jobs["jobs/globex/staff_overrides.yaml"].target.table_properties == STAFF
    own = {  # the asset's, none of the overrides'
        "classification.default": "confidential",
        "classification.fields.work_email": "pii",
        "finops.cost_center": "PEOPLE-7",
        "governance.owner": "people-data@globex.example",
        "governance.retention_days": "120",
    }
    for rel in extra:
        props = plan.jobs[rel].target.table_properties
        assert {k: props.get(k) for k in own} == own, rel


def test_properties_shared_across_tenants_are_those_each_job_derives(tmp_path: Path) -> None:
    """SpecMemo derives the properties of an asset once and gives each tenant's jobs a copy with their
    tenant (tableprops.for_tenant): for every job that overrides nothing, in the same order, what
    `derive` gives for it alone."""
    root = tmp_path / "p"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns("state"))
    c = check_project(root)
    tenants_of: dict[str, set[str]] = {}
    for unit in c.jobs.values():
        rj = unit.rj
        if unit.spec is None or rj.asset is None or tableprops.shared_key(rj.asset, rj.job) is None:
            continue
        alone = tableprops.derive(rj.asset, rj.job, Diagnostics())
        assert list(unit.spec.target.table_properties.items()) == list(alone.items()), rj.job.rel
        tenants_of.setdefault(rj.asset.loaded.rel, set()).add(rj.tenant)
    assert any(len(tenants) > 1 for tenants in tenants_of.values())  # an asset two tenants' jobs share
