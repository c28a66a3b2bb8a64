#!/bin/bash
# Run by Patroni once, on the node that initialised the cluster: the application's role and
# database. $1 is a connection string to the new primary as the superuser.
set -euo pipefail
psql "$1" -v ON_ERROR_STOP=1 -q -v password="$BALLOT_PASSWORD" <<'SQL'
CREATE ROLE ballot LOGIN PASSWORD :'password';
CREATE DATABASE ballot OWNER ballot;
SQL
