# A stand-in for Docker Hub's haproxy:2.6 built from Debian's haproxy (2.6 in bookworm),
# keeping the official image's contract: the configuration at
# /usr/local/etc/haproxy/haproxy.cfg, the `haproxy` user, SIGUSR1 for a soft stop.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends haproxy \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /usr/local/etc/haproxy /var/lib/haproxy \
    && chown haproxy:haproxy /var/lib/haproxy
USER haproxy
STOPSIGNAL SIGUSR1
CMD ["haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]
