# Ballot's production image, in three stages; the classic builder builds it (no BuildKit-only
# syntax). Base images are build arguments; `make base-images` builds local stand-ins with
# these exact tags where Docker Hub is out of reach.
ARG SWIFT_VERSION=6.3.1
ARG SWIFT_IMAGE=swift:${SWIFT_VERSION}-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim
ARG ASSETS_IMAGE=debian:bookworm-slim

# Frontend assets: static/src → hashed files and a manifest in static/dist.
FROM ${ASSETS_IMAGE} AS assets
RUN apt-get update \
    && apt-get install -y --no-install-recommends esbuild \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY scripts/build-assets scripts/build-assets
COPY static/src static/src
RUN scripts/build-assets

# The server, a release build with the Swift runtime linked in; `ballot migrate` is the
# migrate command, so the image carries one binary.
FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies resolve in a layer of their own, reused until Package.swift changes.
COPY Package.swift ./
RUN swift package resolve
COPY Sources Sources
# Only the folders of the test targets, which the manifest names: .dockerignore leaves their
# files out. Benchmarks/ and Examples/ are packages of their own and not copied.
COPY Tests Tests
RUN swift build -c release --static-swift-stdlib --product ballot \
    && mkdir -p /out \
    && cp .build/release/ballot /out/ \
    && strip /out/ballot \
    && chmod 0755 /out/ballot

# What runs: the binaries, templates, built assets, migrations and version.json, read-only
# for the `app` user.
FROM ${RUNTIME_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log \
    && groupadd --gid 10001 app \
    && useradd --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin app
WORKDIR /app
COPY --from=build /out/ballot /app/bin/ballot
COPY --from=assets /src/static/dist /app/static/dist
COPY templates /app/templates
COPY api /app/api
COPY migrations /app/migrations
COPY docker/version-json.sh /app/docker/

ARG VERSION=""
ARG COMMIT=""
ARG SOURCE="https://github.com/ballot/ballot"
ARG BUILD_URL=""
ARG CREATED=""
# Written here, not copied, so the file matches the build; 0644 like everything under /app.
RUN VERSION="$VERSION" COMMIT="$COMMIT" SOURCE="$SOURCE" BUILD_URL="$BUILD_URL" \
    /app/docker/version-json.sh >/app/version.json \
    && chmod 0644 /app/version.json
LABEL org.opencontainers.image.title="ballot" \
    org.opencontainers.image.source="${SOURCE}" \
    org.opencontainers.image.revision="${COMMIT}" \
    org.opencontainers.image.version="${VERSION}" \
    org.opencontainers.image.created="${CREATED}"

ENV PORT=8000 \
    VERSION_JSON=/app/version.json \
    TEMPLATES_DIR=/app/templates \
    OPENAPI_PATH=/app/api/openapi.json \
    STATIC_DIR=/app/static \
    MIGRATIONS_DIR=/app/migrations
USER app
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["/app/bin/ballot", "healthcheck"]
# Every argument list is a `ballot` command: `serve` (the default), `migrate [up|down|status|
# check]`, `seed`, `createsuperuser`, `healthcheck`.
ENTRYPOINT ["/app/bin/ballot"]
CMD ["serve"]
