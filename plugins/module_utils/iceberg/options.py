# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of the Iceberg catalog connection, pure: it imports neither pyiceberg nor pyarrow, so that a
module can declare the options without loading them (platform_info with only S3 or PostgreSQL facts).

* the one argument spec of the catalog and its FileIO (documented by plugins/doc_fragments/iceberg.py, the S3
  options of the collection's S3 layer by plugins/doc_fragments/s3.py);
* the PyIceberg catalog properties built from it, and the S3 environment of pyarrow's FileIO;
* table identifiers.

Connecting with them is catalog.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible.module_utils.basic import env_fallback

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.errors import IcebergModuleError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import s3_argument_spec


def iceberg_catalog_argument_spec():
    """Catalog + FileIO options shared by iceberg_table and iceberg_table_info (doc fragment dataplatform.lakehouse.iceberg)."""
    spec = dict(
        catalog_type=dict(type='str', default='rest', choices=['rest', 'sql', 'hive']),
        catalog_name=dict(type='str', default='lakehouse'),
        catalog_uri=dict(type='str', required=True, aliases=['uri'],
                         fallback=(env_fallback, ['LAKEHOUSE_CATALOG_URI'])),
        warehouse=dict(type='str'),
        client_id=dict(type='str', no_log=False, fallback=(env_fallback, ['LAKEHOUSE_CATALOG_CLIENT_ID'])),
        client_secret=dict(type='str', no_log=True, fallback=(env_fallback, ['LAKEHOUSE_CATALOG_CLIENT_SECRET'])),
        oauth_scope=dict(type='str', default='PRINCIPAL_ROLE:ALL'),
        oauth2_server_uri=dict(type='str'),
        token=dict(type='str', no_log=True),
        realm=dict(type='str'),
        realm_header=dict(type='str', default='Polaris-Realm'),
        catalog_password=dict(type='str', no_log=True),
        catalog_properties=dict(type='dict', default={}),
        s3_path_style_access=dict(type='bool', default=True),
        commit_retries=dict(type='int', default=8),
        commit_retry_max_wait=dict(type='float', default=5.0),
    )
    # The S3 options of the collection's S3 layer, optional here (a SQL catalog on a local warehouse needs none):
    # they configure PyIceberg's pyarrow FileIO and the boto3 client of maintenance's listings and batch deletes.
    spec.update(s3_argument_spec(required=False))
    return spec


def catalog_properties(params):
    """PyIceberg catalog properties for the connection options (pure; secrets included, never log the result)."""
    ctype = params.get('catalog_type') or 'rest'
    uri = params.get('catalog_uri')
    props = {'type': ctype, 'uri': uri}
    if params.get('warehouse'):
        props['warehouse'] = params['warehouse']
    if ctype == 'rest':
        client_id, client_secret = params.get('client_id'), params.get('client_secret')
        if bool(client_id) != bool(client_secret):
            raise IcebergModuleError('client_id and client_secret must be given together (the OAuth2 client credential).')
        if client_id:
            props['credential'] = '%s:%s' % (client_id, client_secret)
            props['scope'] = params.get('oauth_scope') or 'PRINCIPAL_ROLE:ALL'
            props['oauth2-server-uri'] = params.get('oauth2_server_uri') or uri.rstrip('/') + '/v1/oauth/tokens'
        if params.get('token'):
            props['token'] = params['token']
        if params.get('realm'):
            props['header.%s' % (params.get('realm_header') or 'Polaris-Realm')] = params['realm']
        # No access delegation: with Polaris on Ceph RGW (stsUnavailable) asking for vended credentials is a 400;
        # the client brings its own S3 keys.
        props['header.X-Iceberg-Access-Delegation'] = ''
    elif ctype == 'hive':
        hive_uri_problem(uri)
    elif ctype == 'sql':
        if params.get('catalog_password'):
            props['uri'] = _sql_uri_with_password(uri, params['catalog_password'])
        props.setdefault('init_catalog_tables', 'true')
    # FileIO (pyarrow). s3.region is always set: without it pyarrow tries to resolve an AWS bucket region.
    props['py-io-impl'] = 'pyiceberg.io.pyarrow.PyArrowFileIO'
    if params.get('endpoint_url'):
        props['s3.endpoint'] = params['endpoint_url']
    if params.get('access_key'):
        props['s3.access-key-id'] = params['access_key']
    if params.get('secret_key'):
        props['s3.secret-access-key'] = params['secret_key']
    props['s3.region'] = params.get('region') or 'us-east-1'
    props['s3.force-virtual-addressing'] = 'false' if params.get('s3_path_style_access', True) else 'true'
    if params.get('connect_timeout'):
        props['s3.connect-timeout'] = str(params['connect_timeout'])
    if params.get('read_timeout'):
        props['s3.request-timeout'] = str(params['read_timeout'])
    for key, value in (params.get('catalog_properties') or {}).items():
        props[str(key)] = value if isinstance(value, str) else json.dumps(value) if isinstance(value, (dict, list)) \
            else str(value).lower() if isinstance(value, bool) else str(value)
    return props


def hive_uri_problem(uri):
    """Refuse a catalog_uri that is not thrift://HOST:PORT for catalog_type hive (one line with the fix)."""
    # Imported here: the HMS layer loads the Thrift client (40 ms), which only catalog_type hive needs.
    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.hive.client import MetastoreError, parse_thrift_uri
    try:
        parse_thrift_uri((uri or '').strip(), default_port=None)
    except MetastoreError:
        raise IcebergModuleError('catalog_uri %r is not a Hive metastore URI; for catalog_type hive use '
                                 'thrift://HOST:PORT, for example thrift://127.0.0.1:9083.' % (uri,))


def namespace_properties(params, namespace):
    """Properties of a namespace this module creates: for a Hive metastore its location under the warehouse
    (<warehouse>/<database>.db, where PyIceberg's SQL catalog puts tables too). Without it HMS gives the database
    its own warehouse directory, and PyIceberg puts the tables there instead of under O(warehouse)."""
    if params.get('catalog_type') == 'hive' and params.get('warehouse'):
        return {'location': '%s/%s.db' % (params['warehouse'].rstrip('/'), '.'.join(namespace))}
    return {}


def _sql_uri_with_password(uri, password):
    try:
        from sqlalchemy.engine import make_url
        return make_url(uri).set(password=password).render_as_string(hide_password=False)
    except Exception as exc:  # pragma: no cover - sqlalchemy is a pyiceberg[sql] dependency
        raise IcebergModuleError('catalog_uri is not a valid SQLAlchemy URL: %s' % exc)


def apply_s3_environment(params):
    """Export the checksum settings BEFORE the first pyarrow S3FileSystem exists (the AWS SDK reads them then).

    Ceph RGW before 19.x needs when_required for both, else uploads fail with 411 MissingContentLength.
    """
    for option, env in (('request_checksum_calculation', 'AWS_REQUEST_CHECKSUM_CALCULATION'),
                        ('response_checksum_validation', 'AWS_RESPONSE_CHECKSUM_VALIDATION')):
        if params.get(option):
            os.environ[env] = params[option]
    if params.get('ca_bundle') and params.get('validate_certs', True):
        os.environ['AWS_CA_BUNDLE'] = params['ca_bundle']
    # Explicit keys and region are given; never wait on the EC2 metadata service.
    os.environ.setdefault('AWS_EC2_METADATA_DISABLED', 'true')


# Names this collection accepts for namespace levels and tables. Iceberg itself allows almost any string, but
# catalogs and FileIO make some unsafe: a table's location is <warehouse>/<ns levels>/<table>, so "/" makes
# extra directories (a/b.c creates .../a/b.c), "." is the level separator of the dotted namespace and of table
# names in SQL and in Spark/Trino, and the REST protocol joins levels with the 0x1F control character (Polaris
# refuses it). So: non-empty, at most 255 characters, no "/", no ".", no control characters, no surrounding spaces.
NAME_RULE = ('use a non-empty name of at most 255 characters without "/", ".", control characters or surrounding '
             'spaces (letters, digits, "_" and "-" are safe everywhere)')
MAX_NAME_LENGTH = 255


def name_problem(value):
    """Why a namespace level or table name is refused (None when it is acceptable)."""
    if not isinstance(value, str) or value == '':
        return 'is empty'
    if len(value) > MAX_NAME_LENGTH:
        return 'has %d characters' % len(value)
    if '/' in value:
        return 'contains "/" (it would become a directory of the table location)'
    if '.' in value:
        return 'contains "." (the separator of namespace levels)'
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return 'contains a control character'
    if value != value.strip():
        return 'starts or ends with a space'
    return None


def split_identifier(namespace, name, catalog_type=None):
    """(level, ..., table) of the namespace (dotted string or list of levels) and the table name, validated.

    A Hive metastore has one level of databases and stores database and table names in lower case: a second
    level, or an upper-case letter (which HMS would silently fold, so that the next run looks up another name),
    is refused for catalog_type hive.
    """
    if not name:
        raise IcebergModuleError('name (the table name) is required.')
    if isinstance(namespace, (list, tuple)):
        ns = tuple(str(part) for part in namespace)
        shown = '.'.join(ns)
    else:
        shown = str(namespace or '')
        ns = tuple(shown.split('.')) if shown else ()
    if not ns:
        raise IcebergModuleError('namespace is required.')
    for level in ns:
        problem = name_problem(level)
        if problem:
            raise IcebergModuleError('namespace %r is refused: a level %s; %s.' % (shown, problem, NAME_RULE))
    problem = name_problem(name)
    if problem:
        raise IcebergModuleError('table name %r is refused: it %s; %s.' % (name, problem, NAME_RULE))
    if catalog_type == 'hive':
        if len(ns) > 1:
            raise IcebergModuleError('namespace %r is refused: a Hive metastore has one level of databases; use a '
                                     'single-level namespace.' % shown)
        for label, value in (('namespace', shown), ('table name', name)):
            if value != value.lower():
                raise IcebergModuleError('%s %r is refused: a Hive metastore stores names in lower case; use %r.'
                                         % (label, value, value.lower()))
    return ns + (name,)


def identifier_text(identifier):
    return '.'.join(identifier)
