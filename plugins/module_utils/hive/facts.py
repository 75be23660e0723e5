# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Hive Metastore's databases and tables as facts (platform_info's ``hive_metastore`` section): per database
whether it exists and its tables; per table its type, whether it is an Iceberg table and, for one, its
``metadata_location`` (the pointer a restore or a stray writer changes: a recorded expectation keeps it)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.hive.client import MetastoreClient, MetastoreError


def _is_missing(exc):
    return type(exc).__name__ == 'NoSuchObjectException'


def table_facts(table):
    """Facts of one HMS Table object (pure)."""
    params = dict(table.parameters or {})
    iceberg = str(params.get('table_type', '')).upper() == 'ICEBERG'
    out = {'table_type': table.tableType, 'iceberg': iceberg}
    if iceberg:
        out['metadata_location'] = params.get('metadata_location')
    location = getattr(table.sd, 'location', None) if table.sd is not None else None
    if location:
        out['location'] = location
    return out


def metastore_facts(uri, databases=None, timeout=10.0):
    """{uri, databases: {name: {exists, tables: {name: table_facts}}}} for the given databases (None: every
    database of the metastore). Raises MetastoreError (one line) when the metastore cannot be reached."""
    doc = {'uri': uri, 'databases': {}}
    with MetastoreClient(uri, timeout=timeout) as client:
        try:
            names = sorted(databases) if databases is not None else sorted(client.get_all_databases())
            for name in names:
                try:
                    client.get_database(name)
                except Exception as exc:
                    if _is_missing(exc):
                        doc['databases'][name] = {'exists': False}
                        continue
                    raise
                tables = {}
                for table_name in sorted(client.get_all_tables(name)):
                    try:
                        tables[table_name] = table_facts(client.get_table(name, table_name))
                    except Exception as exc:
                        if not _is_missing(exc):  # dropped between the listing and the lookup: not there
                            raise
                doc['databases'][name] = {'exists': True, 'tables': tables}
        except MetastoreError:
            raise
        except Exception as exc:
            raise MetastoreError('reading the Hive Metastore at %s failed: %s: %s' % (
                uri, type(exc).__name__, ' '.join(str(getattr(exc, 'message', None) or exc).split())[:300]))
    return doc
