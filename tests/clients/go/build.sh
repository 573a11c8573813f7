#!/usr/bin/env bash
# Builds tests/clients/go/s3get OFFLINE against Debian's packaged AWS SDKs for
# Go (GOPATH mode over /usr/share/gocode; no module download, GOPROXY=off)
# into OUT_DIR/s3get. The Go build cache lives in OUT_DIR/go-cache, so a
# rebuild with unchanged sources takes seconds. Bounded: 900 s at most.
# Usage: build.sh OUT_DIR
set -euo pipefail
out=${1:?usage: build.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/gopath/src" "$out/go-cache"
ln -sfn "$here/s3get" "$out/gopath/src/s3get"
export GO111MODULE=off GOPROXY=off GOFLAGS= GOTOOLCHAIN=local CGO_ENABLED=0
export GOPATH="$out/gopath:/usr/share/gocode" GOCACHE="$out/go-cache"
cd "$out/gopath/src/s3get"
timeout 900 go build -o "$out/s3get" .
