#!/usr/bin/env bash
# The whole test suite (what `make test` and CI run), in stages:
#   lint         ansible-lint, production profile
#   sanity       ansible-test sanity (on a copy placed at ansible_collections/dataplatform/lakehouse)
#   units        pytest tests/unit (with `promtool check rules` and `promtool test rules` of the alert rules:
#                tests/unit/plugins/filter/test_monitoring.py; promtool from the Debian package prometheus)
#   molecule     Molecule scenarios against the REAL local stack (brings the stack up: Ceph RGW, PostgreSQL)
#   integration  module integration targets against the same stack
# `scripts/test.sh units molecule` runs only those stages. Every stage runs even when an earlier one failed;
# the exit status is non-zero when any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$root/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$root/ansible.cfg"
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 ANSIBLE_NOCOLOR=1
# The Polaris build's extra Maven repositories, as `make` sets them (see scripts/maven-repositories).
export LAKEHOUSE_MAVEN_REPOSITORIES=${LAKEHOUSE_MAVEN_REPOSITORIES-$(scripts/maven-repositories)}
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(lint sanity units molecule integration)
passed=0; failed=0; failed_names=()
log_dir=${LAKEHOUSE_TEST_LOG_DIR:-$root/tests/output/logs}
mkdir -p "$log_dir"

stage() {  # stage NAME COMMAND...: run, time and record one stage
  local name=$1; shift
  local start=$SECONDS
  echo "=== [$name] $(date -u +%H:%M:%S) $*"
  if "$@"; then
    passed=$((passed + 1)); echo "=== [$name] PASSED in $((SECONDS - start)) s"
  else
    failed=$((failed + 1)); failed_names+=("$name"); echo "=== [$name] FAILED in $((SECONDS - start)) s"
  fi
}

run_lint() {
  # ansible-lint always searches ~/.ansible/collections, ahead of the checkout: an installed copy of this collection
  # there (older Molecule runs' prerun made one) is linted against instead of the code here, and a module added since
  # then "cannot be resolved". Only a copy installed by ansible-galaxy (it has MANIFEST.json) is removed.
  local installed=$HOME/.ansible/collections/ansible_collections/dataplatform/lakehouse
  if [ -f "$installed/MANIFEST.json" ] && [ ! -L "$installed" ]; then
    echo "removing the installed copy $installed (it shadows this checkout for ansible-lint)"
    rm -rf "$installed"
  fi
  ansible-lint --profile production --offline || return 1
  # Changelog fragments follow antsibull-changelog's rules (sections, add object.role/playbook, no new modules).
  command -v antsibull-changelog >/dev/null || { echo "antsibull-changelog missing: pip install -r requirements-test.txt"; return 1; }
  antsibull-changelog lint
}

run_sanity() {
  # ansible-test needs the collection at .../ansible_collections/<namespace>/<name>.
  local copy=$root/tests/output/sanity/ansible_collections/dataplatform/lakehouse
  rm -rf "$copy" && mkdir -p "$copy"
  # Only what git tracks (or would track): never .venv, caches or test output.
  (cd "$root" && git ls-files -z --cached --others --exclude-standard | grep -zv "^\.collections/" | xargs -0 cp --parents -t "$copy")
  git -C "$copy" init -q && git -C "$copy" add -A >/dev/null 2>&1
  # ansible-test bootstraps pip in its sanity venvs with a script from a host we cannot reach: give it ours.
  local pip_version
  pip_version=$(python -c 'import re,ansible_test._internal.python_requirements as m,inspect; print(re.search(r"pip=.([0-9.]+)", inspect.getsource(m)).group(1))')
  mkdir -p ~/.ansible/test/cache
  cp tests/sanity/get_pip_offline.py ~/.ansible/test/cache/get_pip_${pip_version//./_}.py
  (cd "$copy" && ansible-test sanity --python 3.11 --venv --color no 2>&1 | tail -60)
}

run_units() { python -m pytest -q -p no:cacheprovider tests/unit; }

run_stack() { ansible-playbook playbooks/local_stack.yml; }

run_molecule() {
  # The phase's order first (later objectives use what earlier ones set up, as in phase1.yml), then any other.
  local rc=0 scenario ordered=(local_stack s3_storage polaris iceberg_tables metastore_backup metastore_dr polaris_dr)
  for scenario in molecule/*/molecule.yml; do
    scenario=$(basename "$(dirname "$scenario")")
    [[ " ${ordered[*]} " == *" $scenario "* ]] || ordered+=("$scenario")
  done
  for scenario in "${ordered[@]}"; do
    [ -f "molecule/$scenario/molecule.yml" ] || continue
    if [ "$scenario" = kind ] && ! { command -v docker && command -v kind && command -v flux; } >/dev/null; then
      echo "--- molecule scenario kind SKIPPED: needs docker, kind and flux on PATH (docs/local-kubernetes.md)"
      continue
    fi
    echo "--- molecule scenario $scenario"
    molecule test -s "$scenario" || rc=1
  done
  return $rc
}

run_integration() { ansible-playbook tests/integration/run.yml ${LAKEHOUSE_TARGETS:+-e targets=$LAKEHOUSE_TARGETS}; }

for name in "${stages[@]}"; do
  case $name in
    lint) stage lint run_lint ;;
    sanity) stage sanity run_sanity ;;
    units) stage units run_units ;;
    stack) stage stack run_stack ;;
    molecule) stage molecule run_molecule ;;
    integration) stage integration run_integration ;;
    *) echo "unknown stage: $name (lint sanity units stack molecule integration)"; exit 2 ;;
  esac
done

echo
[ $failed -eq 0 ] || echo "failed stages: ${failed_names[*]}"
echo "stages: $passed passed, $failed failed"
[ $failed -eq 0 ]
