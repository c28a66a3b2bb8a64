#!/bin/sh
# Writes Dockerflow's version.json ({"source","version","commit","build"}) to stdout from the
# variables SOURCE, VERSION, COMMIT and BUILD_URL; used by the Dockerfile and `make version-json`.
set -eu
escape() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'; }
printf '{"source": "%s", "version": "%s", "commit": "%s", "build": "%s"}\n' \
    "$(escape "${SOURCE:-}")" "$(escape "${VERSION:-}")" "$(escape "${COMMIT:-}")" "$(escape "${BUILD_URL:-}")"
