#!/usr/bin/env bash
# Build kubeconform (github.com/yannh/kubeconform, no replace lines) from the Go module proxy, cached by version, for
# the offline validation of the GitOps tree (tests/unit/test_kubeconform.py). No prebuilt binary is downloaded.
#   KUBECONFORM_VERSION=0.7.0 tests/tools/kubeconform-build.sh     # last line: "kubeconform: <path> (built|cached)"
set -euo pipefail
exec "$(dirname "$0")/go-tool-build.sh" kubeconform github.com/yannh/kubeconform "${KUBECONFORM_VERSION:-0.7.0}" \
  cmd/kubeconform "-s -w -X main.version=v${KUBECONFORM_VERSION:-0.7.0}"
