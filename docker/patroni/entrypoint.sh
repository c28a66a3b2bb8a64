#!/bin/bash
# `patroni`: writes this node's configuration from patroni.yml.template (render-config) with
# PATRONI_NAME, ETCD_HOST and the passwords (PATRONI_SUPERUSER_PASSWORD,
# PATRONI_REPLICATION_PASSWORD; BALLOT_PASSWORD for post-bootstrap.sh), then runs Patroni.
# Anything else (`etcd …`) runs as given.
set -euo pipefail
if [ "${1:-}" != patroni ]; then exec "$@"; fi
: "${PATRONI_NAME:?set PATRONI_NAME (pg1, pg2, …)}"
: "${PATRONI_SUPERUSER_PASSWORD:?}" "${PATRONI_REPLICATION_PASSWORD:?}" "${BALLOT_PASSWORD:?}"
config=/tmp/patroni.yml
render-config /usr/local/share/patroni/patroni.yml.template \
    NAME="$PATRONI_NAME" \
    RESTAPI_LISTEN=0.0.0.0:8008 RESTAPI_ADDRESS="$PATRONI_NAME:8008" \
    ETCD_HOST="${ETCD_HOST:-etcd:2379}" \
    CLIENTS=all \
    POST_BOOTSTRAP=/usr/local/bin/post-bootstrap.sh \
    POSTGRES_LISTEN=0.0.0.0:5432 POSTGRES_ADDRESS="$PATRONI_NAME:5432" \
    DATA_DIR=/var/lib/postgresql/data BIN_DIR=/usr/lib/postgresql/15/bin PGPASS=/tmp/pgpass \
    SOCKET_DIR=/var/run/postgresql \
    SUPERUSER_PASSWORD="$PATRONI_SUPERUSER_PASSWORD" REPLICATION_PASSWORD="$PATRONI_REPLICATION_PASSWORD" \
    >"$config"
exec patroni "$config"
