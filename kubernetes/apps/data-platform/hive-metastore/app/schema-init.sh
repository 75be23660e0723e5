#!/bin/sh
# Ansible managed
# The Hive Metastore's schema on PostgreSQL, safe to re-run. `init` (the Job hive-metastore-schema-init):
#   the schema is the server's version (4.0.0)  -> MetastoreSchemaTool -validate, nothing is written;
#   no schema (no VERSION table)                     -> MetastoreSchemaTool -initSchema, once;
#   another version, or an interrupted init          -> one line with the fix, exit 1, nothing is written.
# `wait` (the Deployment's init container): until the schema is the server's version (at most 600 s).
# The same decisions as the local stack's hive_metastore service (plugins/module_utils/local_stack_hive_metastore.py).
# The login is in the environment only (metastore-site.xml names ${env.HIVE_METASTORE_DB_USER} and
# ${env.HIVE_METASTORE_DB_PASSWORD}): never in argv, never in a file.
set -u
mode=${1:-init}
home=${METASTORE_HOME:-/opt/hive-metastore}
conf=${HIVE_METASTORE_CONF_DIR:-$home/conf}
lib=${HIVE_METASTORE_LIB_DIR:-$home/lib}
database=hive_metastore
expected=4.0.0
export HADOOP_HOME="${HADOOP_HOME:-/tmp}"

say() { echo "schema-init: $*"; }
tool() {
  "${JAVA:-java}" -Xmx512m -cp "$conf:$lib/*" org.apache.hadoop.hive.metastore.tools.schematool.MetastoreSchemaTool \
    -dbType postgres "$@" 2>&1
}
# The first error line of the schema tool's output (its exceptions, without the stack trace).
first_error() { printf '%s\n' "$1" | grep -E 'ERROR|FAILED|Exception|refused' | grep -v 'Use --verbose' | head -n 1 | sed 's/^.*MetastoreSchemaTool - //'; }
info() { out=$(tool -info); rc=$?; }

case "$mode" in
  wait)
    waited=0
    while :; do
      info
      if [ "$rc" -eq 0 ]; then say "schema $expected present in database $database"; exit 0; fi
      if [ "$waited" -ge 600 ]; then
        say "no schema of version $expected in database $database after $waited s ($(first_error "$out")); run the Job hive-metastore-schema-init (re-apply the tree) and read its log"
        exit 1
      fi
      sleep 5
      waited=$((waited + 5))
    done
    ;;
  init) ;;
  *) say "unknown mode '$mode': use init or wait"; exit 2 ;;
esac

info
printf '%s\n' "$out"
if [ "$rc" -eq 0 ]; then
  say "schema $expected present in database $database: validating it, nothing is written"
  tool -validate
  exit $?
fi
case "$out" in
  *'relation "VERSION" does not exist'*)
    say "no schema in database $database: initialising it (MetastoreSchemaTool -initSchema, version $expected)"
    init=$(tool -initSchema); init_rc=$?
    printf '%s\n' "$init" | tail -n 20
    if [ "$init_rc" -ne 0 ]; then
      say "the schema init FAILED ($(first_error "$init")); the database may hold part of the schema: drop and recreate database $database (owner: the Secret's user), then run the Job again"
      exit 1
    fi
    info
    if [ "$rc" -ne 0 ]; then say "the init ran but the schema does not answer: $(first_error "$out")"; exit 1; fi
    say "schema $expected initialised in database $database"
    exit 0
    ;;
  *'is not compatible'*)
    found=$(printf '%s\n' "$out" | sed -n 's/.*Database Schema Version: *\([^ ]*\).*/\1/p' | head -n 1)
    say "database $database has schema version $found but the server is $expected; upgrade the schema (MetastoreSchemaTool -upgradeSchema -dbType postgres) or set hive_metastore_version to $found"
    exit 1
    ;;
  *'Could not find version info'*)
    say "database $database has tables but no schema version (an interrupted init, or a schema made by something else); drop and recreate the database, or point hive_metastore_database at an empty one"
    exit 1
    ;;
  *)
    say "cannot read the schema of database $database: $(first_error "$out"); check the Secret hive-metastore-db-credentials and that PostgreSQL at polaris-postgresql.data-platform.svc:5432 answers"
    exit 1
    ;;
esac
