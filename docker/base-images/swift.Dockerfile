# A stand-in for Docker Hub's swift:<version>-bookworm: the same system packages, the toolchain
# in /usr, and a local mirror of the Swift packages that git reads instead of github.com.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        binutils git gnupg2 libc6-dev libcurl4-openssl-dev libedit2 libgcc-12-dev libncurses-dev \
        libpython3-dev libsqlite3-0 libstdc++-12-dev libxml2-dev libz3-dev pkg-config tzdata zip zlib1g-dev \
        ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY toolchain/usr/ /usr/
COPY swift-packages/ /opt/swift-packages/
RUN git config --system url./opt/swift-packages/.insteadOf https://github.com/ \
    && git config --system --add safe.directory '*' \
    && swift --version
CMD ["swift", "--version"]
