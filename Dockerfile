# The sidecar image: the fully static irsa-agent and Debian's CA bundle on an
# empty base, running as a numeric non-root user (scratch has no /etc/passwd).
#   docker build -t irsa-agent .
# The build stage needs only Debian's package mirrors (see packaging/build-static.sh).
# tests/integration/test_image.py builds this file with buildah and replaces the
# build stage by a folder (--build-context build=DIR) holding the static binary and
# the CA bundle at the paths the final stage copies from.

FROM debian:bookworm AS build
WORKDIR /src
COPY . .
RUN bash packaging/build-static.sh

FROM scratch
COPY --from=build /src/build-static/irsa-agent /irsa-agent
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
USER 65532:65532
ENTRYPOINT ["/irsa-agent", "run"]
