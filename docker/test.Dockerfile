# The image `make test` runs the suite in under Docker (docker-compose.test.yml): the
# toolchain plus what the tests drive for real — libpq, PostgreSQL 15 for the tests that
# start clusters of their own, Patroni and etcd for the failover test (scripts/ops/ha-test),
# HAProxy and wrk for the soak (scripts/ops/soak),
# esbuild, headless Chromium and chromedriver, curl, and python3 for Django's password hashes,
# which the Auth tests verify, and prometheus_client's parser of /metrics: both are installed
# on the host into .tmp, which the container sees through its /src mount (scripts/test/pypi-lib
# says why).
ARG SWIFT_VERSION=6.3.1
ARG SWIFT_IMAGE=swift:${SWIFT_VERSION}-bookworm
FROM ${SWIFT_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpq-dev postgresql-15 postgresql-client-15 patroni etcd-server haproxy wrk esbuild chromium chromium-driver curl \
        procps python3 python3-yaml \
    && rm -rf /var/lib/apt/lists/*
ENV PATH=/usr/lib/postgresql/15/bin:$PATH
WORKDIR /src
