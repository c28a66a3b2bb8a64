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
COPY scripts/build/assets scripts/build/assets
COPY static/src static/src
RUN scripts/build/assets

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

# The runtime's root file system, gathered on Debian: the libraries the binary links (as `ldd`
# lists them: libpq and what it needs, glibc, libstdc++), CA certificates, time zones, and
# passwd/group files naming the `app` user. Nothing else: no shell, no package manager.
FROM ${RUNTIME_IMAGE} AS runtime-files
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ballot /out/ballot
# Paths under /lib go to /usr/lib with /lib a link to it, as in Debian's merged /usr.
RUN set -eu; \
    if ldd /out/ballot | grep 'not found'; then echo "a library of ballot is missing" >&2; exit 1; fi; \
    mkdir -p /rootfs/usr/lib /rootfs/etc/ssl/certs /rootfs/usr/share /rootfs/tmp /rootfs/app/bin; \
    for library in $(ldd /out/ballot | grep -o '/[^ ]*'); do \
        directory=$(dirname "$library"); \
        case "$directory" in /lib*) directory="/usr$directory" ;; esac; \
        mkdir -p "/rootfs$directory"; \
        cp -L "$library" "/rootfs$directory/"; \
    done; \
    ln -s usr/lib /rootfs/lib; \
    if [ -d /rootfs/usr/lib64 ]; then ln -s usr/lib64 /rootfs/lib64; fi; \
    cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/; \
    cp -a /usr/share/zoneinfo /rootfs/usr/share/; \
    printf 'root:x:0:0:root:/root:/sbin/nologin\napp:x:10001:10001:app:/app:/sbin/nologin\n' >/rootfs/etc/passwd; \
    printf 'root:x:0:\napp:x:10001:\n' >/rootfs/etc/group; \
    printf 'hosts: files dns\n' >/rootfs/etc/nsswitch.conf; \
    chmod 1777 /rootfs/tmp
COPY docker/version-json.sh /usr/local/bin/
ARG VERSION=""
ARG COMMIT=""
ARG SOURCE="https://github.com/ballot/ballot"
ARG BUILD_URL=""
# Written here, not copied, so the file matches the build; 0644 like everything under /app.
RUN mkdir -p /version \
    && VERSION="$VERSION" COMMIT="$COMMIT" SOURCE="$SOURCE" BUILD_URL="$BUILD_URL" \
    version-json.sh >/version/version.json \
    && chmod 0644 /version/version.json

# What runs: one binary, its libraries, templates, built assets, migrations and version.json,
# read-only for the `app` user; `ballot migrate` and `ballot healthcheck` need no shell.
FROM scratch
COPY --from=runtime-files /rootfs/ /
WORKDIR /app
COPY --from=build /out/ballot /app/bin/ballot
COPY --from=assets /src/static/dist /app/static/dist
COPY templates /app/templates
COPY api /app/api
COPY migrations /app/migrations
COPY --from=runtime-files /version/version.json /app/version.json
ARG VERSION=""
ARG COMMIT=""
ARG SOURCE="https://github.com/ballot/ballot"
ARG CREATED=""
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
