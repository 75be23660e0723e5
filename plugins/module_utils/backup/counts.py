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


HIVE_METASTORE_TABLES = ('DBS', 'TBLS', 'TABLE_PARAMS', 'VERSION')


def hive_metastore_entities(connection):
    """A Hive Metastore's databases, tables and Iceberg metadata locations, or None when the database is no HMS.

    Read from the metastore's own schema (public."DBS", "TBLS", "TABLE_PARAMS", "VERSION"), so that a restored
    copy can be compared entity by entity, not only row by row: the metadata_location parameter is what makes each
    Iceberg table readable.
    """
    present = connection.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name = ANY(%s)",
        (list(HIVE_METASTORE_TABLES),)).fetchone()[0]
    if present < len(HIVE_METASTORE_TABLES):
        return None
    databases = [row[0] for row in connection.execute('SELECT "NAME" FROM "DBS" ORDER BY 1').fetchall()]
    tables = [row[0] for row in connection.execute(
        'SELECT d."NAME" || \'.\' || t."TBL_NAME" FROM "TBLS" t JOIN "DBS" d ON d."DB_ID" = t."DB_ID" '
        'ORDER BY 1').fetchall()]
    locations = dict(connection.execute(
        'SELECT d."NAME" || \'.\' || t."TBL_NAME", p."PARAM_VALUE" FROM "TBLS" t '
        'JOIN "DBS" d ON d."DB_ID" = t."DB_ID" JOIN "TABLE_PARAMS" p ON p."TBL_ID" = t."TBL_ID" '
        'WHERE p."PARAM_KEY" = \'metadata_location\' ORDER BY 1').fetchall())
    version = connection.execute('SELECT "SCHEMA_VERSION" FROM "VERSION"').fetchone()
    return {'schema_version': version[0] if version else None, 'databases': databases, 'tables': tables,
            'iceberg_metadata_locations': locations}


def compare_hive_metastore(expected, actual):
    """Differences between the manifest's Hive Metastore entities and a restored database (lists of dicts)."""
    if expected is None and actual is None:
        return []
    expected, actual = expected or {}, actual or {}
    mismatches = []
    for kind in ('databases', 'tables'):
        missing = sorted(set(expected.get(kind) or []) - set(actual.get(kind) or []))
        extra = sorted(set(actual.get(kind) or []) - set(expected.get(kind) or []))
        if missing or extra:
            mismatches.append({'hive_metastore': kind, 'missing': missing, 'unexpected': extra})
    exp_loc = expected.get('iceberg_metadata_locations') or {}
    act_loc = actual.get('iceberg_metadata_locations') or {}
    for table in sorted(set(exp_loc) | set(act_loc)):
        if exp_loc.get(table) != act_loc.get(table):
            mismatches.append({'hive_metastore_table': table, 'metadata_location': True,
                               'expected': exp_loc.get(table), 'actual': act_loc.get(table)})
    if expected.get('schema_version') != actual.get('schema_version'):
        mismatches.append({'hive_metastore_schema_version': True, 'expected': expected.get('schema_version'),
                           'actual': actual.get('schema_version')})
    return mismatches


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
