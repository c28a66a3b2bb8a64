# A stand-in for Docker Hub's prom/prometheus:v2.42.0 built from Debian's prometheus (2.42 in
# bookworm), keeping the official image's contract: the configuration at
# /etc/prometheus/prometheus.yml, the data in /prometheus, the web UI and API on :9090, the
# server as the entrypoint so that a compose `command` gives only its flags.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends prometheus \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /prometheus \
    && chown prometheus:prometheus /prometheus
USER prometheus
WORKDIR /prometheus
EXPOSE 9090
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
