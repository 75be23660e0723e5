# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a backup manifest records of a database's contents, and the comparison with a restored copy: exact row
counts of the user tables, and Apache Polaris's catalog entities by type (when the database is Polaris's).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.postgresql.connection import sql

# org.apache.polaris.core.entity.PolarisEntityType
POLARIS_ENTITY_TYPES = {
    0: 'NULL_TYPE', 1: 'ROOT', 2: 'PRINCIPAL', 3: 'PRINCIPAL_ROLE', 4: 'CATALOG', 5: 'CATALOG_ROLE',
    6: 'NAMESPACE', 7: 'TABLE_LIKE', 8: 'TASK', 9: 'FILE', 10: 'POLICY',
}

POLARIS_SCHEMA = 'polaris_schema'
POLARIS_ENTITIES = 'entities'
# relational-jdbc keeps its schema version in polaris_schema.version (version_key 'version'; 4 in Polaris 1.4.1).
POLARIS_VERSION_TABLE = 'version'

_USER_TABLES_SQL = """
SELECT n.nspname, c.relname
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp\\_%%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2
"""


def table_key(schema, table):
    return '%s.%s' % (schema, table)


def count_rows(connection, parallel=True):
    """{'schema.table': exact row count} of every ordinary user table (leaf partitions; not extension tables).

    parallel=False keeps each count on one core (used while pg_dump runs, so they do not compete).
    """
    if not parallel:
        connection.execute('SET LOCAL max_parallel_workers_per_gather = 0')
    tables = connection.execute(_USER_TABLES_SQL).fetchall()
    counts = {}
    for schema, table in tables:
        query = sql.SQL('SELECT count(*) FROM ONLY {}.{}').format(sql.Identifier(schema), sql.Identifier(table))
        counts[table_key(schema, table)] = connection.execute(query).fetchone()[0]
    return counts


def polaris_entity_counts(connection):
    """Polaris catalog entities by type, or None when the database has no polaris_schema.entities."""
    present = connection.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
        "AND column_name = 'type_code'", (POLARIS_SCHEMA, POLARIS_ENTITIES)).fetchone()[0]
    if not present:
        return None
    rows = connection.execute(sql.SQL('SELECT type_code, count(*) FROM {}.{} GROUP BY type_code ORDER BY type_code')
                              .format(sql.Identifier(POLARIS_SCHEMA), sql.Identifier(POLARIS_ENTITIES))).fetchall()
    by_code = dict((str(code), int(count)) for code, count in rows)
    by_type = dict((POLARIS_ENTITY_TYPES.get(int(code), 'TYPE_%s' % code), count) for code, count in by_code.items())
    return {'total': sum(by_code.values()), 'by_type_code': by_code, 'by_type': by_type,
            'schema_version': polaris_schema_version(connection)}


def polaris_schema_version(connection):
    """The relational-jdbc schema version (an int), or None when the database does not record one."""
    present = connection.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
        (POLARIS_SCHEMA, POLARIS_VERSION_TABLE)).fetchone()[0]
    if not present:
        return None
    row = connection.execute(sql.SQL("SELECT version_value FROM {}.{} WHERE version_key = 'version'")
                             .format(sql.Identifier(POLARIS_SCHEMA), sql.Identifier(POLARIS_VERSION_TABLE))).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def compare_counts(expected_tables, actual_tables, expected_polaris=None, actual_polaris=None):
    """Differences between the manifest's row counts (and Polaris entity counts) and a restored database."""
    mismatches = []
    for table in sorted(set(expected_tables) | set(actual_tables)):
        exp, act = expected_tables.get(table), actual_tables.get(table)
        if exp != act:
            mismatches.append({'table': table, 'expected': exp, 'actual': act})
    if expected_polaris is not None or actual_polaris is not None:
        exp_codes = (expected_polaris or {}).get('by_type_code', {})
        act_codes = (actual_polaris or {}).get('by_type_code', {})
        for code in sorted(set(exp_codes) | set(act_codes), key=int):
            if exp_codes.get(code) != act_codes.get(code):
                mismatches.append({'polaris_entity_type': POLARIS_ENTITY_TYPES.get(int(code), code),
                                   'type_code': int(code), 'expected': exp_codes.get(code),
                                   'actual': act_codes.get(code)})
        # A manifest written before the schema version was recorded has none: nothing to compare then.
        exp_version = (expected_polaris or {}).get('schema_version')
        act_version = (actual_polaris or {}).get('schema_version')
        if exp_version is not None and exp_version != act_version:
            mismatches.append({'polaris_schema_version': True, 'expected': exp_version, 'actual': act_version})
    return mismatches
