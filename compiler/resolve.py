"""Resolve each job: job -> connector recipes -> registry -> asset, with recipe defaults merged under the job."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import codes, precedence, refs
from .assetview import AssetView, asset_view
from .checks import asset_metadata
from .diagnostics import Diagnostics, Span, did_you_mean
from .document import Document
from .models import Job, Recipe
from .models.registry import RegistryConnector
from .project import Loaded, Project


@dataclass
class Endpoint:
    """One side of a job (source or target) after resolution."""

    role: str
    name: str
    recipe: Loaded[Recipe] | None
    reg: RegistryConnector | None
    type: str
    engine: str
    engine_at: tuple[Document, tuple[str, ...]]  # where the engine was chosen (a Span only when reported)
    engine_options: dict[str, Any]

    @property
    def engine_span(self) -> Span:
        doc, path = self.engine_at
        return doc.span(path)


@dataclass
class ResolvedJob:
    job: Loaded[Job]
    source: Endpoint | None
    target: Endpoint | None
    asset: AssetView | None

    @property
    def tenant(self) -> str:
        return self.job.model.tenant_id

    def span(self, *path: str | int, key: bool = False) -> Span:
        return self.job.doc.span(tuple(path), key=key)


class Resolver:
    def __init__(self, project: Project, diags: Diagnostics):
        self.p, self.diags = project, diags
        self.registry = project.registry.model.connectors if project.registry else {}
        self.assets = {rel: asset_view(a) for rel, a in project.assets.items()}
        for view in self.assets.values():
            asset_metadata.run(view, diags)  # once per asset file, whichever jobs write it
        self.assets_by_name: dict[str, list[AssetView]] = {}
        for view in self.assets.values():
            self.assets_by_name.setdefault(view.name, []).append(view)
        self.recipes_by_name: dict[str, list[Loaded[Recipe]]] = {}
        for r in project.recipes.values():
            self.recipes_by_name.setdefault(r.model.name, []).append(r)

    def resolve_all(self) -> list[ResolvedJob]:
        return [self.resolve(j) for j in self.p.jobs.values()]

    def resolve(self, job: Loaded[Job]) -> ResolvedJob:
        m = job.model
        source = self._endpoint(job, "source", m.source_connector, m.source_connector_path, m.source.engine)
        target = self._endpoint(job, "target", m.target_connector, m.target_connector_path, m.target.engine)
        asset = self._asset(job)
        return ResolvedJob(job, source, target, asset)

    # -- connectors -------------------------------------------------------------
    def _endpoint(
        self, job: Loaded[Job], role: str, name: str, path: str | None, engine_override: Any
    ) -> Endpoint | None:
        field = f"{role}_connector"
        recipe = self._recipe(job, field, name, path)
        if path and recipe is None:
            return None
        ctype = recipe.model.type if recipe else name
        reg = self.registry.get(ctype)
        if reg is None and (self.p.registry is None or (recipe is None and name not in self.recipes_by_name)):
            return None  # no registry at all, or an unknown connector: both already reported
        if reg is None:
            where = job.doc.span((field,)) if recipe is None else recipe.doc.span(("type",))
            self.diags.report(
                codes.UNKNOWN_CONNECTOR,
                where,
                what="connector type",
                name=ctype,
                why=" is not in the registry",
                hint=did_you_mean(ctype, self.registry) or "add it to registry/connectors.yaml",
            )
            return None
        eng = precedence.engine(engine_override, recipe.model.default_engine if recipe else None, reg.default_engine)
        if eng.from_job:
            at: tuple[Document, tuple[str, ...]] = (job.doc, (role, "engine", "type"))
        elif recipe is not None and recipe.model.default_engine is not None:
            at = (recipe.doc, ("default_engine", "type"))
        else:
            at = (job.doc, (field,))
        engine, options = eng.type, eng.options
        # only the chosen engine's own options travel with the job: the block's own mapping, read, never
        # written, so the jobs of one recipe share it (SpecMemo.plain sorts it once)
        chosen = options.get(engine, options) if isinstance(options.get(engine), dict) else options
        return Endpoint(role, name, recipe, reg, ctype, engine, at, chosen)

    def _recipe(self, job: Loaded[Job], field: str, name: str, path: str | None) -> Loaded[Recipe] | None:
        if path:
            rel, recipe = refs.lookup(
                self.p, "recipe", path, job.doc.span((f"{field}_path",)), self.diags, "connector recipe"
            )
            if recipe is None:
                return None
            if recipe.model.name != name:
                self.diags.report(
                    codes.RECIPE_MISMATCH,
                    job.doc.span((field,)),
                    recipe=rel,
                    recipe_name=recipe.model.name,
                    name=name,
                    field=field,
                )
            return recipe
        found = self.recipes_by_name.get(name, [])
        if not found and name not in self.registry:
            self.diags.report(
                codes.UNKNOWN_CONNECTOR,
                job.doc.span((field,)),
                what="unknown connector",
                name=name,
                why="",
                hint=did_you_mean(name, [*self.recipes_by_name, *self.registry]),
            )
        return found[0] if found else None

    # -- asset ------------------------------------------------------------------
    def _asset(self, job: Loaded[Job]) -> AssetView | None:
        m = job.model
        if m.asset_path:
            rel, _ = refs.lookup(self.p, "asset", m.asset_path, job.doc.span(("asset_path",)), self.diags, "asset")
            view = self.assets.get(rel) if rel is not None else None
            if view is None:
                return None
            if view.name != m.asset:
                self.diags.report(
                    codes.ASSET_NAME_MISMATCH, job.doc.span(("asset",)), file=rel, defined=view.name, named=m.asset
                )
            return view
        views = self.assets_by_name.get(m.asset, [])
        if not views:
            self.diags.report(
                codes.UNKNOWN_ASSET,
                job.doc.span(("asset",)),
                asset=m.asset,
                hint=did_you_mean(m.asset, self.assets_by_name) or "set asset_path to the asset file",
            )
            return None
        if len(views) > 1:
            files = ", ".join(sorted(v.loaded.rel for v in views))
            self.diags.report(codes.AMBIGUOUS_ASSET, job.doc.span(("asset",)), asset=m.asset, files=files)
            return None
        return views[0]
