# Dockerfile - Switchyard on Debian 12 (bookworm), in two stages:
#   build    the same scripts CI uses: scripts/install-deps.sh --build-only
#            (packages + lwIP via scripts/fetch-lwip.sh), then scripts/setup.sh's
#            cmake configure and build of the `switchyard` target
#   runtime  bookworm-slim with only the libraries the binary links
#            (deploy/runtime-packages.txt, checked by
#            scripts/check-docker-runtime-deps.sh), user `switchyard`,
#            config /etc/switchyard/switchyard.toml, state /var/lib/switchyard
# docker compose up -d --build   (docker-compose.yml); see deploy/switchyard.toml.

FROM debian:bookworm AS build
WORKDIR /src
# Dependencies first, in their own layer: it is rebuilt only when the scripts change.
COPY scripts/install-deps.sh scripts/fetch-lwip.sh scripts/
# hadolint ignore=DL3008
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ca-certificates \
 && scripts/install-deps.sh --build-only \
 && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWITCHYARD_TESTS=OFF \
 && cmake --build build --target switchyard -j "$(nproc)" \
 && strip --strip-debug build/bin/switchyard

FROM debian:bookworm-slim AS runtime
COPY deploy/runtime-packages.txt /tmp/runtime-packages.txt
# hadolint ignore=DL3008
RUN apt-get update -q \
 && grep -v '^#' /tmp/runtime-packages.txt \
    | xargs env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt
RUN useradd --system --user-group --uid 10001 --home-dir /var/lib/switchyard --shell /usr/sbin/nologin switchyard \
 && mkdir -p /etc/switchyard /var/lib/switchyard \
 && chown switchyard:switchyard /var/lib/switchyard
COPY --from=build /src/build/bin/switchyard /usr/local/bin/switchyard
COPY deploy/switchyard.toml /etc/switchyard/switchyard.toml
COPY deploy/healthcheck.sh /usr/local/bin/switchyard-healthcheck
USER switchyard
VOLUME ["/var/lib/switchyard"]
# 8086: VMs (/net/..., /wisp/...) and the demo; 8087: the admin API and dashboard.
EXPOSE 8086 8087
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/usr/local/bin/switchyard-healthcheck"]
ENTRYPOINT ["/usr/local/bin/switchyard", "--config", "/etc/switchyard/switchyard.toml", "--state-dir", "/var/lib/switchyard"]
