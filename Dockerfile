# syntax=docker/dockerfile:1
# The donations server as a container: a release build in a Rust image, then the one binary
# (templates, assets, migrations and Stripe fixtures are compiled into it) on Debian slim,
# running as a non-root user with its SQLite database and mail outbox on the /data volume.
#
#   docker build -t donations .
#   docker run -p 8080:8080 -v donations-data:/data donations
#
# See docs/deploy.md for PostgreSQL, TLS, Stripe and SMTP.

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

FROM docker.io/library/rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS build
WORKDIR /src
COPY . .
# The registry and target caches speed up rebuilds on the same machine; they are not in the image.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p donations \
    && install -m 0755 target/release/donations /usr/local/bin/donations

FROM docker.io/library/debian:${DEBIAN_RELEASE}-slim AS runtime
# ca-certificates for SMTP providers reached over TLS with the system's roots; tzdata for
# organizations that name their time zone.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin donations \
    && install -d -o donations -g donations -m 0750 /data /data/outbox
COPY --from=build /usr/local/bin/donations /usr/local/bin/donations

USER donations:donations
WORKDIR /data
ENV BIND_ADDR=0.0.0.0:8080 \
    DATABASE_URL=sqlite:///data/donations.db \
    MAIL_OUTBOX_DIR=/data/outbox \
    LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
# /ready makes a test write: a server that cannot record a gift is reported unhealthy.
HEALTHCHECK --interval=30s --timeout=6s --start-period=30s --retries=3 \
    CMD ["donations", "ready-check"]
# SIGTERM drains: requests in flight and the mail round finish (SHUTDOWN_TIMEOUT).
STOPSIGNAL SIGTERM
CMD ["donations", "serve"]
