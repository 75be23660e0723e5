# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Introspection of the live platform into a normalized, secret-free facts document (the platform_info module).

Sections of the document (each optional):
  * s3       - endpoint, server product, and per bucket: exists, versioning, lifecycle rules (by rule id);
  * catalog  - the Iceberg catalog (SQL or REST): per namespace its properties and tables, per table location,
               UUID, format version, columns (name, type, required), partition spec, sort order, properties, refs
               (tags and branches) and whether it has rows;
  * backups  - metastore backups under a bucket/prefix or directory: per database count, newest backup and its age;
  * polaris  - Apache Polaris (when a connection is given): catalogs, catalog roles with their grants, principals
               with their principal roles, principal roles with their catalog roles. ``deployed: false`` otherwise.

Values that change without anything having drifted (newest backup name/age/count, snapshot ids, row counts) are
"volatile": they are left out with volatile=False, which is what a recorded expectation (expected.yml) holds.
The drift between two documents is computed by the dataplatform.lakehouse.platform_drift filter.

No secret ever enters the document: connection values other than the endpoint URLs and the realm are not copied,
and the Polaris principals' client ids are left out as well.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.durations import parse_duration
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.client import quote_name
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.connection import polaris_client
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import ClientError, s3_client
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.errors import describe_s3_error, error_code, is_not_found
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.diagnose import identify_server
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.lifecycle import rule_from_s3
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.errors import IcebergModuleError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.options import identifier_text
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.backup.errors import BackupError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.backup.metastore import MetastoreBackup
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.backup.stores import DirectoryStore, S3Store

SECTIONS = ('s3', 'catalog', 'backups', 'polaris', 'hive_metastore')
# PyIceberg's SQL catalog marks a namespace with this property; it is bookkeeping, not configuration.
SQL_NAMESPACE_MARKER = 'exists'


class PlatformFactsError(LakehouseError):
    """The platform cannot be introspected (one actionable line)."""


# ---------------------------------------------------------------------------------------------------------------------
# S3
# ---------------------------------------------------------------------------------------------------------------------

def normalize_rule(s3rule):
    """A lifecycle rule read from S3 -> (id, {prefix, enabled, <the actions that are set>})."""
    canon = rule_from_s3(s3rule)
    rule_id = canon.pop('id') or ''
    return rule_id, dict((k, v) for k, v in sorted(canon.items()) if v is not None)


def bucket_facts(client, name, endpoint_url):
    """exists, versioning and lifecycle rules of one bucket."""
    try:
        client.head_bucket(Bucket=name)
    except ClientError as exc:
        if is_not_found(exc):
            return {'exists': False}
        raise PlatformFactsError(describe_s3_error(exc, endpoint_url, 'HEAD of bucket %s' % name))
    facts = {'exists': True}
    try:
        status = client.get_bucket_versioning(Bucket=name).get('Status')
    except ClientError as exc:
        raise PlatformFactsError(describe_s3_error(exc, endpoint_url, 'reading the versioning of bucket %s' % name))
    facts['versioning'] = (status or 'disabled').lower()
    try:
        rules = client.get_bucket_lifecycle_configuration(Bucket=name).get('Rules', [])
    except ClientError as exc:
        if error_code(exc) != 'NoSuchLifecycleConfiguration':
            raise PlatformFactsError(describe_s3_error(exc, endpoint_url,
                                                       'reading the lifecycle rules of bucket %s' % name))
        rules = []
    facts['lifecycle_rules'] = dict(normalize_rule(rule) for rule in rules)
    return facts


def s3_facts(conn, buckets=None, client=None):
    """Endpoint and buckets (the given ones, else every bucket the credentials can list)."""
    endpoint_url = conn['endpoint_url']
    client = client or s3_client(conn)
    try:
        listing = client.list_buckets()
    except Exception as exc:
        raise PlatformFactsError(describe_s3_error(exc, endpoint_url, 'listing the buckets'))
    headers = (listing.get('ResponseMetadata') or {}).get('HTTPHeaders') or {}
    names = list(buckets) if buckets is not None else [b['Name'] for b in listing.get('Buckets', [])]
    out = {
        'endpoint_url': endpoint_url,
        'region': conn.get('region') or 'us-east-1',
        'server': identify_server(headers)['product'],
        'buckets': {},
    }
    for name in sorted(set(names)):
        out['buckets'][name] = bucket_facts(client, name, endpoint_url)
    return out


# ---------------------------------------------------------------------------------------------------------------------
# Iceberg catalog
# ---------------------------------------------------------------------------------------------------------------------

def _missing_catalog_tables(exc):
    """True when a SQL catalog database has no Iceberg catalog tables yet (nothing was ever created there)."""
    text = str(exc).lower()
    return exc.__class__.__name__ in ('ProgrammingError', 'OperationalError', 'UndefinedTable') and (
        'does not exist' in text or 'no such table' in text)


def table_facts(tbl, volatile=True):
    """The recorded facts of one table (describe_table of the iceberg module, normalized)."""
    # Imported here, like in catalog_facts: the other sections load neither pyiceberg nor pyarrow.
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.reads import describe_table
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.schema import MANAGED_PROPERTIES
    desc = describe_table(tbl, include_files=True, include_snapshots=False)
    records = desc['files']['records']
    facts = {
        'uuid': desc['table_uuid'],
        'location': desc['location'],
        'format_version': desc['format_version'],
        'schema': [{'name': f['name'], 'type': f['type_string'], 'required': bool(f['required'])}
                   for f in desc['schema']],
        'partition_spec': [{'name': f['name'], 'column': f['column'], 'transform': f['transform']}
                           for f in desc['partition_spec']],
        'sort_order': [dict(f) for f in desc['sort_order']],
        'properties': dict((k, v) for k, v in sorted(desc['properties'].items()) if k not in MANAGED_PROPERTIES),
        'refs': dict((name, ref['type']) for name, ref in sorted(desc['refs'].items())),
        'has_rows': records > 0,
    }
    if volatile:
        facts['current_snapshot_id'] = desc['current_snapshot_id']
        facts['records'] = records
        facts['data_files'] = desc['files']['data_files']
    return facts


def catalog_facts(params, namespaces=None, volatile=True, catalog=None):
    """Namespaces (the given ones, else every top-level namespace) with their properties and tables."""
    # Imported here: only the catalog section loads pyiceberg and pyarrow.
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.catalog import connect, describe_catalog_error
    # Read-only: never let PyIceberg's SQL catalog create its tables.
    params = dict(params)
    params['catalog_properties'] = dict(params.get('catalog_properties') or {}, init_catalog_tables='false')
    ctype = params.get('catalog_type') or 'rest'
    if catalog is None:
        catalog = connect(params)
    out = {'type': ctype, 'name': params.get('catalog_name') or 'lakehouse', 'namespaces': {}}
    if params.get('warehouse'):
        out['warehouse'] = params['warehouse']
    try:
        present = ['.'.join(ns) for ns in catalog.list_namespaces()]
    except Exception as exc:
        if not _missing_catalog_tables(exc):
            raise PlatformFactsError(describe_catalog_error(exc, params, 'listing the namespaces'))
        present = []
    wanted = list(namespaces) if namespaces is not None else present
    for ns in sorted(set(wanted)):
        if ns not in present:
            out['namespaces'][ns] = {'exists': False}
            continue
        ident = tuple(ns.split('.'))
        try:
            props = catalog.load_namespace_properties(ident)
            table_ids = sorted(catalog.list_tables(ident))
        except Exception as exc:
            raise PlatformFactsError(describe_catalog_error(exc, params, 'reading namespace %s' % ns))
        tables = {}
        for identifier in table_ids:
            name = identifier[-1]
            try:
                tbl = catalog.load_table(identifier)
                tables[name] = table_facts(tbl, volatile=volatile)
            except IcebergModuleError:
                raise
            except Exception as exc:
                raise PlatformFactsError(describe_catalog_error(exc, params,
                                                                'reading table %s' % identifier_text(identifier)))
        ns_props = dict((k, v) for k, v in sorted((props or {}).items())
                        if not (ctype == 'sql' and k == SQL_NAMESPACE_MARKER))
        out['namespaces'][ns] = {'exists': True, 'properties': ns_props, 'tables': tables}
    return out


# ---------------------------------------------------------------------------------------------------------------------
# Metastore backups
# ---------------------------------------------------------------------------------------------------------------------

def backup_store(conn, bucket=None, prefix='', directory=None, client=None):
    if bucket:
        return S3Store(client or s3_client(conn), bucket, prefix or '', conn['endpoint_url'])
    return DirectoryStore(directory)


def backup_facts(store, databases=None, max_age_seconds=None, volatile=True):
    """Good backups per database: count, newest backup, its age; invalid ones counted."""
    try:
        store.ensure(create=False)
        exists = True
    except BackupError as exc:
        if 'does not exist' not in exc.message:
            raise PlatformFactsError(exc.message)
        exists = False
    if exists:
        try:
            dummy, listing = MetastoreBackup({'database': None, 'verify_checksums': False}, store).handle_list()
        except BackupError as exc:
            raise PlatformFactsError(exc.message)
    else:
        listing = {'backups': [], 'invalid': [], 'destination': store.location('')}
    found = {}
    for backup in listing['backups']:          # newest first
        found.setdefault(backup['database'], []).append(backup)
    wanted = list(databases) if databases else sorted(found)
    out = {'destination': listing['destination'], 'databases': {}}
    for database in sorted(set(wanted)):
        backups = found.get(database, [])
        facts = {'present': bool(backups)}
        if max_age_seconds is not None:
            facts['max_age_seconds'] = int(max_age_seconds)
        if volatile:
            facts['count'] = len(backups)
            facts['invalid'] = len([i for i in listing['invalid'] if i.get('database') == database])
            if backups:
                newest = backups[0]
                facts['newest'] = newest['name']
                facts['newest_finished_at'] = newest['finished_at']
                facts['newest_age_seconds'] = int(round(newest['age_days'] * 86400))
        out['databases'][database] = facts
    return out


# ---------------------------------------------------------------------------------------------------------------------
# Apache Polaris (management API)
# ---------------------------------------------------------------------------------------------------------------------

def grant_text(grant):
    """A Polaris grant as one readable, comparable string."""
    kind = grant.get('type', 'catalog')
    privilege = grant.get('privilege', '?')
    if kind == 'catalog':
        return '%s on catalog' % privilege
    namespace = '.'.join(grant.get('namespace') or [])
    if kind == 'namespace':
        return '%s on namespace %s' % (privilege, namespace)
    name = grant.get('tableName') or grant.get('viewName') or grant.get('policyName') or ''
    return '%s on %s %s' % (privilege, kind, '.'.join(p for p in (namespace, name) if p))


def polaris_facts(client, catalogs=None):
    """Catalogs, catalog roles and grants, principals and principal roles, as seen by the management API."""
    listed = dict((c['name'], c) for c in client.get('catalogs').get('catalogs', []))
    wanted = list(catalogs) if catalogs is not None else sorted(listed)
    out = {'deployed': True, 'uri': client.base, 'realm': client.realm or None, 'catalogs': {}, 'principals': {},
           'principal_roles': {}}
    for name in sorted(set(wanted)):
        catalog = listed.get(name)
        if catalog is None:
            out['catalogs'][name] = {'exists': False}
            continue
        storage = catalog.get('storageConfigInfo') or {}
        properties = dict(catalog.get('properties') or {})
        roles = {}
        for role in client.get('catalogs/%s/catalog-roles' % quote_name(name)).get('roles', []):
            grants = client.get('catalogs/%s/catalog-roles/%s/grants' % (quote_name(name), quote_name(role['name']))).get('grants', [])
            roles[role['name']] = {'grants': sorted(grant_text(g) for g in grants)}
        out['catalogs'][name] = {
            'exists': True,
            'type': catalog.get('type'),
            'default_base_location': properties.pop('default-base-location', None),
            'properties': dict(sorted(properties.items())),
            'storage_type': storage.get('storageType'),
            'allowed_locations': sorted(storage.get('allowedLocations') or []),
            'roles': roles,
        }
    for principal in client.get('principals').get('principals', []):
        roles = client.get('principals/%s/principal-roles' % quote_name(principal['name'])).get('roles', [])
        out['principals'][principal['name']] = {'principal_roles': sorted(r['name'] for r in roles)}
    scoped = [name for name in out['catalogs'] if out['catalogs'][name].get('exists')]
    for role in client.get('principal-roles').get('roles', []):
        assigned = {}
        for name in scoped:
            got = client.get('principal-roles/%s/catalog-roles/%s' % (quote_name(role['name']), quote_name(name))).get('roles', [])
            if got:
                assigned[name] = sorted(r['name'] for r in got)
        out['principal_roles'][role['name']] = {'catalog_roles': assigned}
    return out


def polaris_not_deployed(reason):
    return {'deployed': False, 'reason': reason}


# ---------------------------------------------------------------------------------------------------------------------
# The whole document
# ---------------------------------------------------------------------------------------------------------------------

def choose_sections(params):
    """Sections to introspect: the given ones, else each one whose connection options are set."""
    if params.get('sections'):
        return [s for s in SECTIONS if s in params['sections']]
    chosen = ['s3']
    if params.get('catalog_uri'):
        chosen.append('catalog')
    if params.get('backup_bucket') or params.get('backup_directory'):
        chosen.append('backups')
    chosen.append('polaris')
    if params.get('hive_metastore_uri'):
        chosen.append('hive_metastore')
    return chosen


def check_params(params, sections):
    """A one-line problem with the options, or None."""
    needs_s3 = 's3' in sections or ('backups' in sections and params.get('backup_bucket'))
    if needs_s3:
        missing = [name for name in ('endpoint_url', 'access_key', 'secret_key') if not params.get(name)]
        if missing:
            return 'The S3 connection is incomplete: %s not set (sections %s).' % (', '.join(missing), ', '.join(sections))
    if 'catalog' in sections and not params.get('catalog_uri'):
        return 'Section catalog needs catalog_uri (and catalog_type, catalog_password or client_id/client_secret).'
    if 'backups' in sections and not (params.get('backup_bucket') or params.get('backup_directory')):
        return 'Section backups needs backup_bucket (with backup_prefix) or backup_directory.'
    if 'hive_metastore' in sections and not params.get('hive_metastore_uri'):
        return 'Section hive_metastore needs hive_metastore_uri (thrift://HOST:PORT).'
    if params.get('polaris_uri') and not (params.get('polaris_client_id') and params.get('polaris_client_secret')):
        return 'polaris_uri needs polaris_client_id and polaris_client_secret (a principal that may read the management API).'
    return None


def gather(params, sections, s3_conn):
    """The facts document for the sections (raises PlatformFactsError / IcebergModuleError with one line)."""
    doc = {}
    client = None
    if 's3' in sections or ('backups' in sections and params.get('backup_bucket')):
        client = s3_client(s3_conn)
    if 's3' in sections:
        doc['s3'] = s3_facts(s3_conn, params.get('buckets'), client=client)
    if 'catalog' in sections:
        doc['catalog'] = catalog_facts(params, params.get('namespaces'), volatile=params.get('volatile', True))
    if 'backups' in sections:
        max_age = None
        if params.get('backup_max_age') is not None:
            max_age = int(round(parse_duration(params['backup_max_age'], 'backup_max_age', positive=True,
                                               error=PlatformFactsError)))
        store = backup_store(s3_conn, params.get('backup_bucket'), params.get('backup_prefix'),
                             params.get('backup_directory'), client=client)
        doc['backups'] = backup_facts(store, params.get('backup_databases'), max_age,
                                      volatile=params.get('volatile', True))
    if 'polaris' in sections:
        if params.get('polaris_uri'):
            doc['polaris'] = polaris_facts(polaris_client(params), params.get('polaris_catalogs'))
        else:
            doc['polaris'] = polaris_not_deployed('no Polaris connection was given (polaris_uri)')
    if 'hive_metastore' in sections:
        # Imported here: the other sections do not load the Thrift client.
        from ansible_collections.dataplatform.lakehouse.plugins.module_utils.hive.facts import metastore_facts
        doc['hive_metastore'] = metastore_facts(params['hive_metastore_uri'], params.get('hive_metastore_databases'))
    return doc
