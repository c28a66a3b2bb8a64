#!/bin/bash
# `patroni`: writes this node's configuration from PATRONI_NAME, ETCD_HOST and the passwords
# (PATRONI_SUPERUSER_PASSWORD, PATRONI_REPLICATION_PASSWORD, BALLOT_PASSWORD), then runs
# Patroni. Anything else (`etcd …`) runs as given.
set -euo pipefail
if [ "${1:-}" != patroni ]; then exec "$@"; fi
: "${PATRONI_NAME:?set PATRONI_NAME (pg1, pg2, …)}"
: "${PATRONI_SUPERUSER_PASSWORD:?}" "${PATRONI_REPLICATION_PASSWORD:?}" "${BALLOT_PASSWORD:?}"
config=/tmp/patroni.yml
cat >"$config" <<YAML
scope: ballot
namespace: /ballot/
name: $PATRONI_NAME
restapi:
  listen: 0.0.0.0:8008
  connect_address: $PATRONI_NAME:8008
etcd:
  host: ${ETCD_HOST:-etcd:2379}
bootstrap:
  dcs:
    # As scripts/ha-postgres: a lost leader is replaced after ttl (10 s) at most.
    ttl: 10
    loop_wait: 1
    retry_timeout: 5
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        wal_log_hints: "on"
        wal_keep_size: 128MB
        max_connections: 200
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - data-checksums
  pg_hba:
    - local all all trust
    - host replication replicator all scram-sha-256
    - host all all all scram-sha-256
  post_bootstrap: /usr/local/bin/post-bootstrap.sh
postgresql:
  listen: 0.0.0.0:5432
  connect_address: $PATRONI_NAME:5432
  data_dir: /var/lib/postgresql/data
  bin_dir: /usr/lib/postgresql/15/bin
  pgpass: /tmp/pgpass
  authentication:
    superuser:
      username: postgres
      password: $PATRONI_SUPERUSER_PASSWORD
    replication:
      username: replicator
      password: $PATRONI_REPLICATION_PASSWORD
  parameters:
    unix_socket_directories: /var/run/postgresql
YAML
exec patroni "$config"
