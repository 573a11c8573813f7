#!/usr/bin/env bash
# Installs what building and testing irsa-agent needs on Debian bookworm (as root).
# Idempotent: installs only the packages that are missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config file ccache
  libcurl4-openssl-dev libssl-dev zlib1g-dev nlohmann-json3-dev libinih-dev doctest-dev
  openssl ca-certificates
  # the test suite: sanitizers and libFuzzer, the format check, valgrind, systemd-analyze, dpkg/cpack
  clang libclang-rt-14-dev clang-format valgrind systemd dpkg-dev curl
  # the image test: builds and runs the Dockerfile without a Docker engine
  buildah
  # test_metrics.py parses /metrics with a real Prometheus client library
  python3-prometheus-client
  # test_broker_sdk.py installs the AWS SDK for JavaScript v2 with npm
  nodejs
  # test_exec_clients.py: GDAL 3.6, Debian's AWS CLI v2, a Go program built
  # offline from Debian's AWS SDK for Go v1 and v2 (GOPATH /usr/share/gocode)
  gdal-bin awscli golang-go golang-github-aws-aws-sdk-go-dev golang-github-aws-aws-sdk-go-v2-dev
  # test_s3fs_client.py: s3fs 1.90 mounts moto's bucket (FUSE: needs /dev/fuse)
  s3fs
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm (Debian's package, or the one that came with a NodeSource nodejs).
if ! command -v npm >/dev/null; then
  apt-get install -y -qq --no-install-recommends npm
fi

# The integration tests drive the real AWS SDKs and moto from the default python3.
if ! python3 -c 'import boto3, botocore, moto, cryptography, yaml' 2>/dev/null; then
  echo "install-deps: python3 lacks boto3/botocore/moto/cryptography" >&2
  if ! python3 -m pip install --quiet boto3 awscli 'moto[server]' cryptography; then
    echo "install-deps: cannot install the Python test dependencies" >&2
    exit 1
  fi
fi
