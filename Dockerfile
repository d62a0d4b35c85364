# syntax=docker/dockerfile:1
# The dativo ingestion image (docs/deploy.md): dativo with its runtime extra, run as a non-root user, and one
# project with its generated plan baked in at deploy.project_dir (/app), checked fresh at build time.
#
#   make image                                   # dativo:<version> with examples/ baked in
#   make image PROJECT=../my-project             # another project (a BuildKit named context)
#   docker build --target runtime -t dativo-runtime:<version> .   # no project: mount it at /app instead
#
# The base is pinned by the digest of its multi-arch index, so a rebuild gets the same Python and Debian.
# That digest was copied from public Dockerfiles pinning the same tag, not pulled (no Docker daemon where this
# file was written): verify it with the command below before the first build. Refresh it on purpose (then
# rebuild and review): the tag below, then its new digest from
#   docker buildx imagetools inspect python:3.11-slim-bookworm --format '{{json .Manifest.Digest}}'
ARG PYTHON_IMAGE=python:3.11-slim-bookworm@sha256:b18992999dbe963a45a8a4da40ac2b1975be1a776d939d098c647482bcad5cba
#: the image's user and group: targets.kubernetes.security_context.run_as_user's default (a number, so
#: Kubernetes' runAsNonRoot can check it)
ARG DATIVO_UID=10001

# ---- wheels of dativo and its runtime dependencies (the source stays out of the final image)
FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY compiler/ compiler/
COPY runtime/ runtime/
COPY targets/ targets/
COPY registry/ registry/
RUN pip wheel --no-cache-dir --wheel-dir /wheels '.[runtime]'

# ---- dativo alone: mount the project (with generated/plan.json) at /app and a writable volume at /app/state
FROM ${PYTHON_IMAGE} AS runtime
ARG DATIVO_UID
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    XDG_CACHE_HOME=/tmp/.cache
RUN groupadd --system --gid "${DATIVO_UID}" dativo \
 && useradd --system --uid "${DATIVO_UID}" --gid "${DATIVO_UID}" --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin dativo
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels 'dativo[runtime]'
WORKDIR /app
USER ${DATIVO_UID}:${DATIVO_UID}
ENTRYPOINT ["dativo"]
CMD ["--help"]

# ---- the project to bake in: examples/ unless `--build-context project=DIR` names another
FROM scratch AS project
COPY examples/ /

# ---- the project, cleaned of local state, owned by root (read-only to the runtime user)
FROM ${PYTHON_IMAGE} AS project-files
COPY --from=project / /project/
# local state and the conventional secrets folder never go into an image (mount secrets at run time)
RUN rm -rf /project/state /project/secrets /project/.git \
 && test -f /project/generated/plan.json \
 || { echo "the project has no generated/plan.json: run 'dativo compile' before building" >&2; exit 1; }

# ---- the deployable image: dativo, the project, and a state dir the runtime user may write
FROM runtime AS project-image
ARG DATIVO_UID
#: deploy.project_dir and deploy.state_dir of the environment the image is for (an environment's own
#: deployment values: --build-arg PROJECT_DIR=/srv/staging/app --build-arg CHECK_ARGS="--env staging")
ARG PROJECT_DIR=/app
ARG STATE_DIR=${PROJECT_DIR}/state
#: extra arguments of the build's freshness check, e.g. "--env staging"
ARG CHECK_ARGS=""
COPY --from=project-files /project/ ${PROJECT_DIR}/
USER 0:0
RUN install -d -o "${DATIVO_UID}" -g "${DATIVO_UID}" -m 0750 "${STATE_DIR}"
USER ${DATIVO_UID}:${DATIVO_UID}
WORKDIR ${PROJECT_DIR}
# a plan older than its project fails the build: the image never holds a plan that was not reviewed as built
RUN dativo compile "${PROJECT_DIR}" --check ${CHECK_ARGS}
