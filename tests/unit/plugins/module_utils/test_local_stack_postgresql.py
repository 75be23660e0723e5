"""Units for the PostgreSQL service's pure helpers (the service itself is exercised by Molecule)."""
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_stack_postgresql import (
    PostgresqlService, find_postgresql_bin_dir, sql_identifier, sql_literal,
)


def test_sql_quoting():
    assert sql_literal("it's") == "'it''s'"
    assert sql_identifier('we"ird') == '"we""ird"'


def test_bin_dir_prefers_the_given_one(tmp_path):
    for name in ('initdb', 'pg_ctl'):
        (tmp_path / name).write_text('')
    assert find_postgresql_bin_dir(str(tmp_path)) == str(tmp_path)


def test_facts_carry_no_secret(tmp_path):
    service = PostgresqlService(str(tmp_path), port=5999)
    facts = service.facts()
    assert facts['jdbc_url'] == 'jdbc:postgresql://127.0.0.1:5999/polaris'
    assert facts['credentials_file'].endswith('credentials/postgresql.json')
    assert not any('password' in key for key in facts)


def test_status_of_a_never_started_cluster(tmp_path):
    status = PostgresqlService(str(tmp_path)).status()
    assert status['running'] is False and status['healthy'] is False and status['pid'] is None
