#!/usr/bin/env bash
# Create .venv with the collection's Python dependencies (requirements.txt, or requirements-test.txt with --test).
# Idempotent: it reinstalls only when a requirements file changed since the last run.
set -euo pipefail
cd "$(dirname "$0")/.."
req=requirements.txt
[ "${1:-}" = "--test" ] && req=requirements-test.txt
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $($python --version)"
  if ! $python -m venv .venv 2>/dev/null; then
    echo "==> python3-venv is missing: installing it with apt"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
    $python -m venv .venv
  fi
fi
stamp=.venv/.installed-$(cat requirements*.txt | sha256sum | cut -c1-16)-$(basename "$req" .txt)
if [ ! -e "$stamp" ]; then
  echo "==> installing Python dependencies from $req into .venv (first run: about 2-3 minutes)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r "$req"
  # The optional Spark client (iceberg_spark_sql, its integration target): tests only, about 40 s and 372 MB.
  [ "$req" = requirements-test.txt ] && .venv/bin/python -m pip install -q -r requirements-spark.txt
  touch "$stamp"
fi
echo "==> .venv ready: ansible-core $(.venv/bin/python -c "from ansible.release import __version__; print(__version__)")"
