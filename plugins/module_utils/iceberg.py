# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Apache Iceberg table management on top of PyIceberg 0.12, shared by iceberg_table and iceberg_table_info.

Sections:
  * catalog connection: one argument spec (documented in plugins/doc_fragments/iceberg.py), the PyIceberg catalog
    properties built from it, S3 checksum environment, error mapping to one-line messages;
  * declared schema: parsing of column/type declarations, rendering back to data;
  * planning: schema / partition spec / sort order / property diff, with the changes that would lose data or break
    readers refused (nothing is committed when anything is refused);
  * data: rows, Parquet/CSV/JSON files -> Arrow conformed to the table schema; append/overwrite/delete with a bounded,
    jittered retry on commit conflicts;
  * snapshots: tags, branches, rollback;
  * maintenance that frees storage: snapshot expiry + deletion of files no retained snapshot reaches, orphan-file
    removal with an age guard, compaction of small files;
  * reads: description of a table and time-travel scans.

Everything that talks to a catalog raises IcebergModuleError with a one-line, actionable message.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import decimal
import itertools
import json
import os
import random
import re
import time
import traceback
import uuid as uuid_mod
from collections import OrderedDict, namedtuple

from ansible.module_utils.basic import env_fallback

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError, one_line
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.durations import is_duration_text, parse_duration
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import (
    BOTO3_IMPORT_ERROR,
    s3_argument_spec,
    s3_client,
    s3_connection_params,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.errors import describe_s3_error, is_bucket_missing
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.objects import delete_objects, list_objects

PYICEBERG_IMPORT_ERROR = None
try:
    import pyarrow as pa
    from pyiceberg import exceptions as ice_exc
    from pyiceberg.catalog import load_catalog
    from pyiceberg.expressions import AlwaysTrue
    from pyiceberg.expressions.parser import parse as parse_row_filter
    from pyiceberg.partitioning import PartitionField, PartitionSpec
    from pyiceberg.schema import Schema
    from pyiceberg.table.refs import SnapshotRefType
    from pyiceberg.table.sorting import NullOrder, SortDirection, SortField, SortOrder
    from pyiceberg.transforms import (
        BucketTransform,
        DayTransform,
        HourTransform,
        IdentityTransform,
        MonthTransform,
        TruncateTransform,
        VoidTransform,
        YearTransform,
    )
    from pyiceberg import types as T
except ImportError:
    PYICEBERG_IMPORT_ERROR = traceback.format_exc()


MAIN_BRANCH = 'main'
IDEMPOTENCY_PROPERTY = 'dataplatform.idempotency-key'
COMPACTION_PROPERTY = 'dataplatform.compaction'
BREAKING_CHANGE_KINDS = ('drop_column', 'rename_column', 'require_column')
# Properties that PyIceberg/engines maintain themselves; purge_properties never removes them.
MANAGED_PROPERTIES = ('schema.name-mapping.default',)
DEFAULT_ORPHAN_GUARD = '3d'
MIN_ORPHAN_GUARD_SECONDS = 60


class IcebergModuleError(LakehouseError):
    """A catalog or table operation failed (one line); details: the `refused` changes of a converge.

    `definite`: the failure was a commit conflict, so the commit certainly did not land (internal, not returned).
    """

    def __init__(self, message, definite=False, **details):
        super(IcebergModuleError, self).__init__(message, **details)
        self.definite = definite


# ---------------------------------------------------------------------------------------------------------------------
# Catalog connection
# ---------------------------------------------------------------------------------------------------------------------

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


CATALOG_OPTION_NAMES = tuple(iceberg_catalog_argument_spec().keys())


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


# For LakehouseModule(requirements=[ICEBERG_REQUIREMENT]).
ICEBERG_REQUIREMENT = ('pyiceberg[pyarrow,pyiceberg-core] >= 0.12, < 0.13 and pyarrow', PYICEBERG_IMPORT_ERROR)


def check_requirements():
    """Return a one-line message if a Python dependency is missing, else None."""
    if PYICEBERG_IMPORT_ERROR:
        return ICEBERG_REQUIREMENT[0]
    return None


def connect(params):
    """Load the catalog described by params (errors mapped to one line)."""
    apply_s3_environment(params)
    props = catalog_properties(params)
    name = params.get('catalog_name') or 'lakehouse'
    try:
        catalog = load_catalog(name, **props)
    except Exception as exc:
        raise IcebergModuleError(describe_catalog_error(exc, params, 'connecting to the catalog'))
    # The empty header property keeps PyIceberg from adding its default (vended-credentials); dropping it from the
    # session as well means table requests carry no access-delegation header at all.
    session = getattr(catalog, '_session', None)
    if ctype_is_rest(props) and session is not None and not props.get('header.X-Iceberg-Access-Delegation'):
        session.headers.pop('X-Iceberg-Access-Delegation', None)
    return catalog


def ctype_is_rest(props):
    return props.get('type') == 'rest'


def describe_catalog_error(exc, params, action):
    """Map a PyIceberg / requests / pyarrow / SQLAlchemy exception to a one-line, actionable message."""
    uri = params.get('catalog_uri')
    text = one_line(exc, 400) or exc.__class__.__name__
    name = exc.__class__.__name__
    if PYICEBERG_IMPORT_ERROR is None:
        if isinstance(exc, ice_exc.OAuthError):
            return ('%s failed: the catalog at %s rejected the OAuth2 client credential (%s); check client_id, '
                    'client_secret, oauth_scope and realm.' % (action, uri, text))
        if isinstance(exc, (ice_exc.UnauthorizedError, ice_exc.AuthorizationExpiredError)):
            return ('%s failed: the catalog at %s says the caller is not authenticated (%s); check the credential, '
                    'token or realm.' % (action, uri, text))
        if isinstance(exc, ice_exc.ForbiddenError) and 'purge' in text.lower():
            return ('%s failed: the catalog at %s does not allow purging (%s); set the catalog property '
                    'polaris.config.drop-with-purge.enabled=true, or drop with purge=false.' % (action, uri, text))
        if isinstance(exc, ice_exc.ForbiddenError):
            return ('%s failed: the catalog at %s denied the operation (%s); grant the principal a catalog role with '
                    'the needed privilege (e.g. CATALOG_MANAGE_CONTENT).' % (action, uri, text))
        if isinstance(exc, ice_exc.BadRequestError) and 'redential' in text and 'vending' in text.lower():
            return ('%s failed: the catalog wants to vend credentials (%s); this collection sends no '
                    'X-Iceberg-Access-Delegation header, check catalog_properties.' % (action, text))
        if isinstance(exc, ice_exc.NoSuchNamespaceError):
            return '%s failed: namespace does not exist (%s).' % (action, text)
        if isinstance(exc, ice_exc.NoSuchTableError):
            return '%s failed: table does not exist (%s).' % (action, text)
        if isinstance(exc, ice_exc.CommitFailedException):
            return ('%s failed: the commit kept conflicting with concurrent commits after %s attempts (%s); retry later '
                    'or raise commit_retries.' % (action, params.get('commit_retries'), text))
        if isinstance(exc, ice_exc.CommitStateUnknownException):
            return ('%s: the catalog did not confirm the commit (%s); its outcome is unknown, inspect the table with '
                    'iceberg_table_info before retrying.' % (action, text))
        if isinstance(exc, ice_exc.RESTError):
            return '%s failed at the catalog %s: %s: %s' % (action, uri, name, text)
    if name in ('ConnectionError', 'ConnectTimeout', 'MaxRetryError', 'NewConnectionError'):
        return '%s failed: could not connect to the catalog at %s; check catalog_uri and that the service runs (%s).' % (
            action, uri, text)
    if name == 'OperationalError':
        return '%s failed: the SQL catalog database is not usable (%s); check catalog_uri.' % (action, text)
    if name == 'NoSuchModuleError' or 'Could not load' in text:
        return '%s failed: %s; check catalog_type and catalog_uri.' % (action, text)
    if isinstance(exc, OSError) and ('AWS Error' in text or 'S3' in text or 'curl' in text.lower()):
        return '%s failed in S3 storage: %s%s' % (action, text, _s3_hint(text))
    return '%s failed: %s: %s' % (action, name, text)


def _s3_hint(text):
    if 'MissingContentLength' in text or '411' in text:
        return ('; the endpoint rejects aws-chunked uploads: set request_checksum_calculation and '
                'response_checksum_validation to when_required (what ceph_s3_validate recommends).')
    if 'ACCESS_DENIED' in text or 'AccessDenied' in text or 'InvalidAccessKeyId' in text or 'SignatureDoesNotMatch' in text:
        return '; check access_key/secret_key (the client uses its own S3 keys, none are vended).'
    if is_bucket_missing(text):  # pyarrow's text: the S3 layer's predicate reads boto3 errors and text alike
        return '; the warehouse bucket does not exist.'
    if 'resolve' in text.lower() or 'connect' in text.lower():
        return '; check endpoint_url and s3_path_style_access.'
    return '.'


def split_identifier(namespace, name):
    if not name:
        raise IcebergModuleError('name (the table name) is required.')
    if isinstance(namespace, (list, tuple)):
        ns = tuple(str(part) for part in namespace)
    else:
        ns = tuple(part for part in str(namespace or '').split('.') if part)
    if not ns:
        raise IcebergModuleError('namespace is required.')
    return ns + (name,)


def identifier_text(identifier):
    return '.'.join(identifier)


def load_table_or_none(catalog, identifier, params):
    try:
        return catalog.load_table(identifier)
    except Exception as exc:
        if PYICEBERG_IMPORT_ERROR is None and isinstance(exc, (ice_exc.NoSuchTableError, ice_exc.NoSuchNamespaceError)):
            return None
        raise IcebergModuleError(describe_catalog_error(exc, params, 'loading table %s' % identifier_text(identifier)))


# ---------------------------------------------------------------------------------------------------------------------
# Declared schema: parsing and rendering
# ---------------------------------------------------------------------------------------------------------------------

PRIMITIVE_NAMES = OrderedDict([
    ('boolean', 'BooleanType'), ('int', 'IntegerType'), ('long', 'LongType'), ('float', 'FloatType'),
    ('double', 'DoubleType'), ('date', 'DateType'), ('time', 'TimeType'), ('timestamp', 'TimestampType'),
    ('timestamptz', 'TimestamptzType'), ('timestamp_ns', 'TimestampNanoType'),
    ('timestamptz_ns', 'TimestamptzNanoType'), ('string', 'StringType'), ('uuid', 'UUIDType'),
    ('binary', 'BinaryType'),
])
TYPE_ALIASES = {'bool': 'boolean', 'integer': 'int', 'int32': 'int', 'bigint': 'long', 'int64': 'long',
                'float32': 'float', 'float64': 'double', 'str': 'string', 'text': 'string', 'bytes': 'binary'}
KNOWN_TYPE_NAMES = list(PRIMITIVE_NAMES) + ['decimal(P,S)', 'fixed[N]', 'list<T>', 'map<K,V>', 'struct<name:T,...>']

# Declared (desired) schema tree, independent of field ids.
FieldDecl = namedtuple('FieldDecl', 'name type required doc rename_from path')
TypeDecl = namedtuple('TypeDecl', 'kind primitive fields element element_required key value value_required')


def _prim(name):
    return getattr(T, PRIMITIVE_NAMES[name])()


def primitive_decl(iceberg_type):
    return TypeDecl('primitive', iceberg_type, None, None, None, None, None, None)


class _TypeParser(object):
    """Recursive-descent parser for type strings: long, decimal(10,2), list<string>, map<string,list<int>>,
    struct<a:int, b:string>."""

    TOKEN = re.compile(r'\s*(?:([A-Za-z_][A-Za-z0-9_]*)|(\d+)|(.))')

    def __init__(self, text, path):
        self.text = text
        self.path = path
        self.tokens = []
        for match in self.TOKEN.finditer(text):
            ident, number, char = match.groups()
            if ident is not None:
                self.tokens.append(('ident', ident))
            elif number is not None:
                self.tokens.append(('num', int(number)))
            elif char is not None and char.strip():
                self.tokens.append(('char', char))
        self.pos = 0

    def error(self, why):
        return IcebergModuleError("column '%s': cannot parse type '%s': %s (known types: %s)."
                                  % (self.path, self.text, why, ', '.join(KNOWN_TYPE_NAMES)))

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None)

    def take(self, kind=None, value=None):
        tok = self.peek()
        if tok[0] is None or (kind and tok[0] != kind) or (value is not None and tok[1] != value):
            expected = value if value is not None else kind
            raise self.error('expected %s at %s' % (expected, 'end' if tok[0] is None else repr(tok[1])))
        self.pos += 1
        return tok[1]

    def parse(self):
        decl = self.parse_type(self.path)
        if self.peek()[0] is not None:
            raise self.error('unexpected %r' % (self.peek()[1],))
        return decl

    def parse_type(self, path):
        tok = self.peek()
        if tok[0] != 'ident':
            raise self.error('expected a type name')
        name = self.take('ident').lower()
        name = TYPE_ALIASES.get(name, name)
        if name in PRIMITIVE_NAMES:
            return primitive_decl(_prim(name))
        if name == 'decimal':
            self.take('char', '(')
            precision = self.take('num')
            self.take('char', ',')
            scale = self.take('num')
            self.take('char', ')')
            if not 1 <= precision <= 38 or scale > precision:
                raise self.error('decimal precision must be 1..38 and scale <= precision')
            return primitive_decl(T.DecimalType(precision, scale))
        if name == 'fixed':
            opener = self.take('char')
            if opener not in '[(':
                raise self.error('expected fixed[N]')
            length = self.take('num')
            self.take('char', ']' if opener == '[' else ')')
            return primitive_decl(T.FixedType(length))
        if name == 'list':
            self.take('char', '<')
            element = self.parse_type(path + '.element')
            self.take('char', '>')
            return TypeDecl('list', None, None, element, False, None, None, None)
        if name == 'map':
            self.take('char', '<')
            key = self.parse_type(path + '.key')
            self.take('char', ',')
            value = self.parse_type(path + '.value')
            self.take('char', '>')
            if key.kind != 'primitive':
                raise self.error('map keys must be a primitive type')
            return TypeDecl('map', None, None, None, None, key, value, False)
        if name == 'struct':
            self.take('char', '<')
            fields = []
            while True:
                fname = self.take('ident')
                self.take('char', ':')
                ftype = self.parse_type('%s.%s' % (path, fname))
                fields.append(FieldDecl(fname, ftype, False, None, None, '%s.%s' % (path, fname)))
                if self.peek() == ('char', ','):
                    self.take()
                    continue
                break
            self.take('char', '>')
            _check_unique([f.name for f in fields], path)
            return TypeDecl('struct', None, fields, None, None, None, None, None)
        raise self.error("unknown type name '%s'" % name)


def _check_unique(names, path):
    seen = set()
    for name in names:
        if name in seen:
            raise IcebergModuleError("column '%s' is declared twice%s." % (name, (' in ' + path) if path else ''))
        seen.add(name)


def parse_type(spec, path='column'):
    """Parse a type declaration (a string, or a dict with type + fields/element/key/value) into a TypeDecl."""
    if isinstance(spec, TypeDecl):
        return spec
    if isinstance(spec, dict):
        if 'type' not in spec:
            raise IcebergModuleError("column '%s': a nested type declaration needs 'type'." % path)
        return _parse_type_dict(spec, path)
    if not isinstance(spec, str) or not spec.strip():
        raise IcebergModuleError("column '%s': type must be a non-empty string or a dict, got %r." % (path, spec))
    return _TypeParser(spec.strip(), path).parse()


def _parse_type_dict(spec, path):
    kind = spec.get('type')
    if isinstance(kind, dict):
        return _parse_type_dict(kind, path)
    kind_name = str(kind).strip().lower()
    if kind_name == 'struct':
        fields = spec.get('fields')
        if not isinstance(fields, list) or not fields:
            raise IcebergModuleError("column '%s': type struct needs a non-empty 'fields' list." % path)
        decls = [parse_column(f, path) for f in fields]
        _check_unique([d.name for d in decls], path)
        return TypeDecl('struct', None, decls, None, None, None, None, None)
    if kind_name == 'list':
        if spec.get('element') is None:
            raise IcebergModuleError("column '%s': type list needs 'element'." % path)
        element = parse_type(spec['element'], path + '.element')
        return TypeDecl('list', None, None, element, bool(spec.get('element_required', False)), None, None, None)
    if kind_name == 'map':
        if spec.get('key') is None or spec.get('value') is None:
            raise IcebergModuleError("column '%s': type map needs 'key' and 'value'." % path)
        key = parse_type(spec['key'], path + '.key')
        if key.kind != 'primitive':
            raise IcebergModuleError("column '%s': map keys must be a primitive type." % path)
        value = parse_type(spec['value'], path + '.value')
        return TypeDecl('map', None, None, None, None, key, value, bool(spec.get('value_required', False)))
    decl = parse_type(str(kind), path)
    # list<...>/map<...> strings with explicit requiredness given next to them
    if decl.kind == 'list' and 'element_required' in spec:
        decl = decl._replace(element_required=bool(spec['element_required']))
    if decl.kind == 'map' and 'value_required' in spec:
        decl = decl._replace(value_required=bool(spec['value_required']))
    return decl


COLUMN_KEYS = ('name', 'type', 'required', 'doc', 'rename_from', 'fields', 'element', 'element_required', 'key',
               'value', 'value_required', 'id', 'type_string')


def parse_column(col, parent_path=''):
    if not isinstance(col, dict):
        raise IcebergModuleError('schema: each column must be a dict with name and type, got %r.' % (col,))
    name = col.get('name')
    if not name or not isinstance(name, str):
        raise IcebergModuleError('schema: a column has no name (%s).' % one_line(json.dumps(col, default=str), 200))
    path = '%s.%s' % (parent_path, name) if parent_path else name
    unknown = sorted(set(col) - set(COLUMN_KEYS))
    if unknown:
        raise IcebergModuleError("column '%s': unknown keys %s (allowed: %s)."
                                 % (path, ', '.join(unknown), ', '.join(COLUMN_KEYS[:-2])))
    if col.get('type') is None:
        raise IcebergModuleError("column '%s': type is required." % path)
    type_spec = col['type']
    if isinstance(type_spec, str) and type_spec.strip().lower() in ('struct', 'list', 'map'):
        nested_keys = ('type', 'fields', 'element', 'element_required', 'key', 'value', 'value_required')
        type_spec = dict((k, v) for k, v in col.items() if k in nested_keys)
    elif isinstance(type_spec, str) and ('element_required' in col or 'value_required' in col):
        type_spec = dict(type=type_spec, element_required=col.get('element_required', False),
                         value_required=col.get('value_required', False))
    decl = parse_type(type_spec, path)
    return FieldDecl(name, decl, bool(col.get('required')), col.get('doc'), col.get('rename_from'), path)


def parse_schema_decl(columns):
    """Parse the `schema` option (a list of column dicts) into a list of FieldDecl."""
    if not isinstance(columns, list) or not columns:
        raise IcebergModuleError('schema must be a non-empty list of columns.')
    decls = [parse_column(c) for c in columns]
    _check_unique([d.name for d in decls], '')
    return decls


def build_iceberg_type(decl, next_id):
    if decl.kind == 'primitive':
        return decl.primitive
    if decl.kind == 'struct':
        return T.StructType(*[build_nested_field(f, next_id) for f in decl.fields])
    if decl.kind == 'list':
        element_id = next_id()
        return T.ListType(element_id=element_id, element_type=build_iceberg_type(decl.element, next_id),
                          element_required=decl.element_required)
    if decl.kind == 'map':
        key_id, value_id = next_id(), next_id()
        return T.MapType(key_id=key_id, key_type=build_iceberg_type(decl.key, next_id), value_id=value_id,
                         value_type=build_iceberg_type(decl.value, next_id), value_required=decl.value_required)
    raise ValueError(decl.kind)


def build_nested_field(fdecl, next_id):
    field_id = next_id()
    return T.NestedField(field_id=field_id, name=fdecl.name, field_type=build_iceberg_type(fdecl.type, next_id),
                         required=fdecl.required, doc=fdecl.doc)


def build_schema(decls):
    """An Iceberg Schema for declared columns (ids 1..n; the catalog reassigns fresh ids on create)."""
    counter = itertools.count(1)

    def next_id():
        return next(counter)

    return Schema(*[build_nested_field(d, next_id) for d in decls])


def type_to_string(t):
    if isinstance(t, T.DecimalType):
        return 'decimal(%d,%d)' % (t.precision, t.scale)
    if isinstance(t, T.FixedType):
        return 'fixed[%d]' % len(t)
    if isinstance(t, T.ListType):
        return 'list<%s>' % type_to_string(t.element_type)
    if isinstance(t, T.MapType):
        return 'map<%s,%s>' % (type_to_string(t.key_type), type_to_string(t.value_type))
    if isinstance(t, T.StructType):
        return 'struct<%s>' % ','.join('%s:%s' % (f.name, type_to_string(f.field_type)) for f in t.fields)
    return str(t)


def decl_type_to_string(decl):
    if decl.kind == 'primitive':
        return type_to_string(decl.primitive)
    if decl.kind == 'list':
        return 'list<%s>' % decl_type_to_string(decl.element)
    if decl.kind == 'map':
        return 'map<%s,%s>' % (decl_type_to_string(decl.key), decl_type_to_string(decl.value))
    return 'struct<%s>' % ','.join('%s:%s' % (f.name, decl_type_to_string(f.type)) for f in decl.fields)


def _type_to_data(t):
    """Type as option data (round-trips through parse_type)."""
    if isinstance(t, T.StructType):
        return {'type': 'struct', 'fields': [field_to_data(f) for f in t.fields]}
    if isinstance(t, T.ListType):
        return {'type': 'list', 'element': _type_to_data(t.element_type), 'element_required': t.element_required}
    if isinstance(t, T.MapType):
        return {'type': 'map', 'key': _type_to_data(t.key_type), 'value': _type_to_data(t.value_type),
                'value_required': t.value_required}
    return type_to_string(t)


def field_to_data(field):
    data = OrderedDict([('id', field.field_id), ('name', field.name)])
    tdata = _type_to_data(field.field_type)
    if isinstance(tdata, dict):
        data.update(tdata)
    else:
        data['type'] = tdata
    data['type_string'] = type_to_string(field.field_type)
    data['required'] = field.required
    data['doc'] = field.doc
    return data


def schema_to_data(schema):
    return [field_to_data(f) for f in schema.fields]


def schema_to_lines(schema):
    """Readable one-line-per-column rendering (for --diff)."""
    lines = []

    def walk(fields, prefix):
        for f in fields:
            line = '%s%s: %s%s' % (prefix, f.name, type_to_string(f.field_type), ' required' if f.required else '')
            if f.doc:
                line += '  # ' + f.doc
            lines.append(line)
            ft = f.field_type
            if isinstance(ft, T.StructType):
                walk(ft.fields, prefix + f.name + '.')
            elif isinstance(ft, T.ListType) and isinstance(ft.element_type, T.StructType):
                walk(ft.element_type.fields, prefix + f.name + '.element.')
            elif isinstance(ft, T.MapType) and isinstance(ft.value_type, T.StructType):
                walk(ft.value_type.fields, prefix + f.name + '.value.')

    walk(schema.fields, '')
    return lines


# Transforms ----------------------------------------------------------------------------------------------------------

_TRANSFORM_RE = re.compile(r'^\s*([a-z_]+)\s*(?:[\[(]\s*(\d+)\s*[\])])?\s*$')


def parse_transform_text(text, where):
    if text is None:
        return IdentityTransform()
    match = _TRANSFORM_RE.match(str(text).lower())
    if not match:
        raise IcebergModuleError("%s: unknown transform '%s' (identity, bucket[N], truncate[W], year, month, day, hour, "
                                 "void)." % (where, text))
    name, arg = match.group(1), match.group(2)
    simple = {'identity': IdentityTransform, 'year': YearTransform, 'years': YearTransform, 'month': MonthTransform,
              'months': MonthTransform, 'day': DayTransform, 'days': DayTransform, 'hour': HourTransform,
              'hours': HourTransform, 'void': VoidTransform}
    if name in simple:
        if arg is not None:
            raise IcebergModuleError("%s: transform '%s' takes no argument." % (where, name))
        return simple[name]()
    if name in ('bucket', 'truncate'):
        if arg is None or int(arg) <= 0:
            raise IcebergModuleError("%s: transform '%s' needs a positive argument, e.g. %s[16]." % (where, name, name))
        return BucketTransform(num_buckets=int(arg)) if name == 'bucket' else TruncateTransform(width=int(arg))
    raise IcebergModuleError("%s: unknown transform '%s' (identity, bucket[N], truncate[W], year, month, day, hour, "
                             "void)." % (where, text))


def transform_to_string(transform):
    return str(transform)


PartitionDecl = namedtuple('PartitionDecl', 'column transform name')
SortDecl = namedtuple('SortDecl', 'column transform direction null_order')


def parse_partition_decl(items):
    decls = []
    for index, item in enumerate(items or []):
        where = 'partition_spec[%d]' % index
        if isinstance(item, str):
            item = _partition_shorthand(item, where)
        if not isinstance(item, dict) or not item.get('column'):
            raise IcebergModuleError('%s: needs column (and optionally transform, name).' % where)
        transform = parse_transform_text(item.get('transform'), where)
        decls.append(PartitionDecl(item['column'], transform, item.get('name')))
    return decls


def _partition_shorthand(text, where):
    """'day(ts)' / 'bucket[16](id)' / 'region' shorthands."""
    match = re.match(r'^\s*(bucket|truncate)\s*\(\s*(\d+)\s*,\s*([^)]+?)\s*\)\s*$', text)
    if match:
        return {'column': match.group(3), 'transform': '%s[%s]' % (match.group(1), match.group(2))}
    match = re.match(r'^\s*([a-z_]+(?:\[\d+\])?)\s*\(\s*([^),]+?)\s*\)\s*$', text)
    if match:
        return {'column': match.group(2), 'transform': match.group(1)}
    if re.match(r'^[A-Za-z_][\w.]*$', text.strip()):
        return {'column': text.strip()}
    raise IcebergModuleError("%s: cannot parse '%s' (use {column, transform, name} or e.g. 'day(ts)')." % (where, text))


def parse_sort_decl(items):
    decls = []
    for index, item in enumerate(items or []):
        where = 'sort_order[%d]' % index
        if isinstance(item, str):
            parts = item.split()
            item = {'column': parts[0]}
            if len(parts) > 1:
                item['direction'] = parts[1]
        if not isinstance(item, dict) or not item.get('column'):
            raise IcebergModuleError('%s: needs column (and optionally transform, direction, null_order).' % where)
        direction = str(item.get('direction') or 'asc').lower()
        if direction not in ('asc', 'desc'):
            raise IcebergModuleError("%s: direction must be asc or desc, got '%s'." % (where, direction))
        default_nulls = 'nulls-first' if direction == 'asc' else 'nulls-last'
        null_order = str(item.get('null_order') or default_nulls).lower().replace('_', '-')
        if null_order not in ('nulls-first', 'nulls-last'):
            raise IcebergModuleError("%s: null_order must be nulls-first or nulls-last." % where)
        decls.append(SortDecl(item['column'], parse_transform_text(item.get('transform'), where), direction, null_order))
    return decls


def resolve_column(schema, column, where):
    try:
        return schema.find_field(column)
    except ValueError:
        raise IcebergModuleError("%s: column '%s' does not exist in the schema (columns: %s)."
                                 % (where, column, ', '.join(f.name for f in schema.fields)))


def build_partition_spec(schema, decls):
    fields = []
    names = set()
    for index, d in enumerate(decls):
        where = 'partition_spec[%d]' % index
        source = resolve_column(schema, d.column, where)
        if not d.transform.can_transform(source.field_type):
            raise IcebergModuleError("%s: transform %s cannot be applied to column '%s' of type %s."
                                     % (where, d.transform, d.column, type_to_string(source.field_type)))
        name = d.name or default_partition_name(d.column, d.transform)
        if name in names:
            raise IcebergModuleError("%s: partition field name '%s' is used twice." % (where, name))
        names.add(name)
        fields.append(PartitionField(source_id=source.field_id, field_id=1000 + index, transform=d.transform, name=name))
    return PartitionSpec(*fields, spec_id=0)


def default_partition_name(column, transform):
    column = column.replace('.', '_')
    if isinstance(transform, IdentityTransform):
        return column
    if isinstance(transform, BucketTransform):
        return '%s_bucket_%d' % (column, transform.num_buckets)
    if isinstance(transform, TruncateTransform):
        return '%s_trunc_%d' % (column, transform.width)
    return '%s_%s' % (column, str(transform))


def build_sort_order(schema, decls):
    fields = []
    for index, d in enumerate(decls):
        where = 'sort_order[%d]' % index
        source = resolve_column(schema, d.column, where)
        if not d.transform.can_transform(source.field_type):
            raise IcebergModuleError("%s: transform %s cannot be applied to column '%s'." % (where, d.transform, d.column))
        fields.append(SortField(source_id=source.field_id, transform=d.transform,
                                direction=SortDirection.ASC if d.direction == 'asc' else SortDirection.DESC,
                                null_order=NullOrder.NULLS_FIRST if d.null_order == 'nulls-first' else NullOrder.NULLS_LAST))
    if not fields:
        return SortOrder(order_id=0)
    return SortOrder(*fields, order_id=1)


def spec_to_data(spec, schema):
    out = []
    for f in spec.fields:
        out.append(OrderedDict([('name', f.name), ('column', schema.find_column_name(f.source_id)),
                                ('transform', transform_to_string(f.transform)), ('field_id', f.field_id)]))
    return out


def sort_order_to_data(order, schema):
    out = []
    for f in order.fields:
        out.append(OrderedDict([('column', schema.find_column_name(f.source_id)),
                                ('transform', transform_to_string(f.transform)),
                                ('direction', 'asc' if f.direction == SortDirection.ASC else 'desc'),
                                ('null_order', 'nulls-first' if f.null_order == NullOrder.NULLS_FIRST else 'nulls-last')]))
    return out


def stringify_properties(props):
    out = {}
    for key, value in (props or {}).items():
        if isinstance(value, bool):
            value = 'true' if value else 'false'
        elif value is None:
            raise IcebergModuleError("properties: '%s' has no value (to remove a property use purge_properties)." % key)
        out[str(key)] = str(value)
    return out


# ---------------------------------------------------------------------------------------------------------------------
# Planning: schema / spec / sort / property diff
# ---------------------------------------------------------------------------------------------------------------------

SchemaOp = namedtuple('SchemaOp', 'op path args')  # path: tuple of names in the *current* schema (or new for adds)


class SchemaPlan(object):
    """Operations to converge a table schema on a declaration; `refused` lists what will not be done."""

    def __init__(self):
        self.ops = []          # SchemaOp, applied in order to UpdateSchema
        self.changes = []      # human-readable descriptions of allowed changes
        self.refused = []      # human-readable descriptions of refused changes
        self.needs_incompatible = False

    def add(self, op, path, description, **args):
        self.ops.append(SchemaOp(op, tuple(path), args))
        self.changes.append(description)

    def refuse(self, description):
        self.refused.append(description)

    @property
    def empty(self):
        return not self.ops


def is_widening(old, new):
    """Iceberg (v1-v2) type promotions: int->long, float->double, decimal(P,S)->decimal(P2,S) with P2>P."""
    if isinstance(old, T.IntegerType) and isinstance(new, T.LongType):
        return True
    if isinstance(old, T.FloatType) and isinstance(new, T.DoubleType):
        return True
    if isinstance(old, T.DecimalType) and isinstance(new, T.DecimalType):
        return new.scale == old.scale and new.precision > old.precision
    return False


def is_narrowing(old, new):
    narrower_decimal = (isinstance(old, T.DecimalType) and isinstance(new, T.DecimalType)
                        and new.scale == old.scale and new.precision < old.precision)
    return is_widening(old=new, new=old) or narrower_decimal


def _pretty(path):
    return '.'.join(path)


# Internal marker in the `allow` set of the planners: columns that are not declared are kept (purge_columns=false).
KEEP_UNDECLARED_COLUMNS = '_keep_undeclared_columns'


def plan_schema(current, decls, allow=(), purge_columns=True):
    """Plan the evolution of `current` (a pyiceberg Schema) to the declared columns `decls` (list of FieldDecl).

    Allowed: add optional columns, widen types, make required columns optional, change docs, reorder.
    Refused unless listed in `allow` (drop_column, rename_column, require_column): drops, renames, making a column
    required or adding a required one. Always refused: any other type change (narrowing or incompatible), changes
    of map keys, changing the kind of a nested type. With purge_columns=False, columns that are not declared are kept
    (and so never count as drops).
    """
    allow = set(allow or ())
    if not purge_columns:
        allow.add(KEEP_UNDECLARED_COLUMNS)
    plan = SchemaPlan()
    _plan_struct(plan, current.as_struct(), decls, (), (), allow)
    return plan


def _allow_hint(kind):
    return 'allow with allow_breaking_changes: [%s]' % kind


def _plan_struct(plan, struct, decls, cur_path, new_path, allow):
    """cur_path: path of the struct in the current schema (for ops); new_path: its declared path (for messages)."""
    current_by_name = OrderedDict((f.name, f) for f in struct.fields)
    matched = {}   # current name -> decl
    for d in decls:
        if d.name in current_by_name:
            matched[d.name] = d
    for d in decls:
        if d.name in current_by_name:
            continue
        if d.rename_from and d.rename_from in current_by_name and d.rename_from not in matched:
            matched[d.rename_from] = d
    # drops
    for name, field in current_by_name.items():
        if name not in matched and KEEP_UNDECLARED_COLUMNS not in allow:
            desc = "drop column '%s' (%s) and its data" % (_pretty(new_path + (name,)), type_to_string(field.field_type))
            if 'drop_column' in allow:
                plan.needs_incompatible = True
                plan.add('delete', cur_path + (name,), desc)
            else:
                plan.refuse('%s: %s' % (desc, _allow_hint('drop_column')))
    # renames + updates of matched columns
    for cur_name, d in matched.items():
        field = current_by_name[cur_name]
        if cur_name != d.name:
            desc = "rename column '%s' to '%s' (readers by name break)" % (_pretty(new_path + (cur_name,)), d.name)
            if 'rename_column' in allow:
                plan.add('rename', cur_path + (cur_name,), desc, new_name=d.name)
            else:
                plan.refuse('%s: %s' % (desc, _allow_hint('rename_column')))
        _plan_field(plan, field, d, cur_path + (cur_name,), new_path + (d.name,), allow)
    # adds
    added = []
    for d in decls:
        if any(m is d for m in matched.values()):
            continue
        added.append(d.name)
        desc = "add column '%s' %s%s" % (_pretty(new_path + (d.name,)), decl_type_to_string(d.type),
                                         ' required' if d.required else '')
        if d.required:
            if 'require_column' in allow:
                plan.needs_incompatible = True
                plan.add('add', cur_path + (d.name,), desc + ' (existing rows have no value)', decl=d)
            else:
                plan.refuse("%s: existing rows would have no value for a required column; declare it optional or %s"
                            % (desc, _allow_hint('require_column')))
        else:
            plan.add('add', cur_path + (d.name,), desc, decl=d)
    # order
    _plan_order(plan, struct, decls, matched, cur_path, new_path)


def _plan_order(plan, struct, decls, matched, cur_path, new_path):
    decl_to_cur = dict((id(d), cur) for cur, d in matched.items())
    # simulated order after drops/adds (PyIceberg appends added columns at the end of their struct)
    kept = [f.name for f in struct.fields if f.name in matched]
    sim = [matched[name].name for name in kept] + [d.name for d in decls if id(d) not in decl_to_cur]
    target = [d.name for d in decls]
    if sim == target:
        return
    # names used by UpdateSchema moves: current names for existing columns, new names for added ones
    op_name = dict((d.name, decl_to_cur.get(id(d), d.name)) for d in decls)
    for index, name in enumerate(target):
        if sim.index(name) == index:
            continue
        sim.remove(name)
        sim.insert(index, name)
        if index == 0:
            plan.add('move_first', cur_path + (op_name[name],), "move column '%s' first" % _pretty(new_path + (name,)))
        else:
            plan.add('move_after', cur_path + (op_name[name],), "move column '%s' after '%s'"
                     % (_pretty(new_path + (name,)), target[index - 1]),
                     after=cur_path + (op_name[target[index - 1]],))


def _plan_required(plan, path, was_required, now_required, optional_desc, required_desc, allow):
    """Making something optional is always allowed; making it required only with require_column."""
    if was_required and not now_required:
        plan.add('optional', path, optional_desc)
    elif not was_required and now_required:
        if 'require_column' in allow:
            plan.needs_incompatible = True
            plan.add('required', path, required_desc)
        else:
            plan.refuse('%s: %s' % (required_desc, _allow_hint('require_column')))


def _plan_field(plan, field, d, cur_path, new_path, allow):
    shown = _pretty(new_path)
    _plan_required(plan, cur_path, field.required, d.required, "make column '%s' optional" % shown,
                   "make column '%s' required (existing nulls break readers, writers must always set it)" % shown,
                   allow)
    if d.doc is not None and (field.doc or None) != (d.doc or None):
        plan.add('doc', cur_path, "set doc of column '%s' to %r" % (shown, d.doc), doc=d.doc)
    _plan_type(plan, field.field_type, d.type, cur_path, new_path, allow)


def _kind(t):
    if isinstance(t, T.StructType):
        return 'struct'
    if isinstance(t, T.ListType):
        return 'list'
    if isinstance(t, T.MapType):
        return 'map'
    return 'primitive'


def _plan_type(plan, cur_type, decl, cur_path, new_path, allow):
    shown = _pretty(new_path)
    if _kind(cur_type) != decl.kind:
        plan.refuse("change column '%s' from %s to %s: Iceberg cannot change a column between primitive, struct, list "
                    "and map types" % (shown, type_to_string(cur_type), decl_type_to_string(decl)))
        return
    if decl.kind == 'primitive':
        new = decl.primitive
        if cur_type == new:
            return
        if is_widening(cur_type, new):
            plan.add('type', cur_path, "widen column '%s' from %s to %s"
                     % (shown, type_to_string(cur_type), type_to_string(new)), field_type=new)
        elif is_narrowing(cur_type, new):
            plan.refuse("narrow column '%s' from %s to %s: would lose data and Iceberg cannot narrow a type"
                        % (shown, type_to_string(cur_type), type_to_string(new)))
        else:
            plan.refuse("change type of column '%s' from %s to %s: Iceberg only widens int->long, float->double and "
                        "decimal precision" % (shown, type_to_string(cur_type), type_to_string(new)))
        return
    if decl.kind == 'struct':
        _plan_struct(plan, cur_type, decl.fields, cur_path, new_path, allow)
        return
    if decl.kind == 'list':
        ep = cur_path + ('element',)
        _plan_required(plan, ep, cur_type.element_required, decl.element_required,
                       "make elements of '%s' optional" % shown, "make elements of '%s' required" % shown, allow)
        _plan_type(plan, cur_type.element_type, decl.element, ep, new_path + ('element',), allow)
        return
    # map
    if cur_type.key_type != decl.key.primitive:
        plan.refuse("change the key type of map '%s' from %s to %s: map keys cannot change"
                    % (shown, type_to_string(cur_type.key_type), decl_type_to_string(decl.key)))
    vp = cur_path + ('value',)
    _plan_required(plan, vp, cur_type.value_required, decl.value_required,
                   "make values of '%s' optional" % shown, "make values of '%s' required" % shown, allow)
    _plan_type(plan, cur_type.value_type, decl.value, vp, new_path + ('value',), allow)


def apply_schema_plan(update, plan):
    """Stage a SchemaPlan on a pyiceberg UpdateSchema (all paths are tuples of current names)."""
    for op in plan.ops:
        path = op.path
        if op.op == 'add':
            d = op.args['decl']
            update.add_column(path, build_iceberg_type(d.type, update.assign_new_column_id), doc=d.doc,
                              required=d.required)
        elif op.op == 'delete':
            update.delete_column(path)
        elif op.op == 'rename':
            update.rename_column(path, op.args['new_name'])
        elif op.op == 'optional':
            update.make_column_optional(path)
        elif op.op == 'required':
            update.update_column(path, required=True)
        elif op.op == 'doc':
            update.update_column(path, doc=op.args['doc'])
        elif op.op == 'type':
            update.update_column(path, field_type=op.args['field_type'])
        elif op.op == 'move_first':
            update.move_first(path)
        elif op.op == 'move_after':
            update.move_after(path, op.args['after'])
        else:  # pragma: no cover
            raise ValueError(op.op)


def plan_partition_spec(schema, current_spec, decls):
    """Return (ops, changes) to evolve current_spec to decls; schema is the (post-evolution) table schema.

    ops: ('add', column, transform, name) / ('remove', name) / ('rename', old, new). Field order is not converged
    (a spec's field order cannot change without rewriting it; Iceberg readers do not depend on it).
    """
    ops, changes = [], []
    desired = []
    for index, d in enumerate(decls):
        where = 'partition_spec[%d]' % index
        source = resolve_column(schema, d.column, where)
        if not d.transform.can_transform(source.field_type):
            raise IcebergModuleError("%s: transform %s cannot be applied to column '%s' of type %s."
                                     % (where, d.transform, d.column, type_to_string(source.field_type)))
        desired.append((source.field_id, repr(d.transform), d))
    current = dict(((f.source_id, repr(f.transform)), f) for f in current_spec.fields
                   if not isinstance(f.transform, VoidTransform))
    desired_keys = set((sid, tr) for sid, tr, unused in desired)
    for key, f in current.items():
        if key not in desired_keys:
            ops.append(('remove', f.name))
            changes.append("remove partition field '%s' (%s(%s)); existing files keep their layout"
                           % (f.name, f.transform, schema.find_column_name(f.source_id)))
    for sid, tr, d in desired:
        existing = current.get((sid, tr))
        if existing is None:
            name = d.name or default_partition_name(d.column, d.transform)
            ops.append(('add', d.column, d.transform, name))
            changes.append("add partition field '%s' (%s(%s)); applies to new data" % (name, d.transform, d.column))
        elif d.name and d.name != existing.name:
            ops.append(('rename', existing.name, d.name))
            changes.append("rename partition field '%s' to '%s'" % (existing.name, d.name))
    return ops, changes


def apply_spec_ops(update, ops):
    for op in ops:
        if op[0] == 'remove':
            update.remove_field(op[1])
    for op in ops:
        if op[0] == 'rename':
            update.rename_field(op[1], op[2])
        elif op[0] == 'add':
            update.add_field(op[1], op[2], op[3])


def plan_sort_order(schema, current_order, decls):
    desired = build_sort_order(schema, decls)
    current = [(f.source_id, repr(f.transform), f.direction, f.null_order) for f in current_order.fields]
    wanted = [(f.source_id, repr(f.transform), f.direction, f.null_order) for f in desired.fields]
    if current == wanted:
        return None, []
    text = ', '.join('%s %s %s' % (d.column if isinstance(d.transform, IdentityTransform) else
                                   '%s(%s)' % (d.transform, d.column), d.direction, d.null_order) for d in decls)
    return decls, ['set sort order to [%s]' % (text or 'unsorted')]


def apply_sort_order(update, decls):
    for d in decls:
        null_order = NullOrder.NULLS_FIRST if d.null_order == 'nulls-first' else NullOrder.NULLS_LAST
        if d.direction == 'asc':
            update.asc(d.column, d.transform, null_order)
        else:
            update.desc(d.column, d.transform, null_order)


def plan_properties(current, desired, purge):
    """Return (to_set: dict, to_remove: list, changes: list)."""
    to_set, to_remove, changes = {}, [], []
    for key, value in sorted(desired.items()):
        if current.get(key) != value:
            to_set[key] = value
            if key in current:
                changes.append("set property %s=%s (was %s)" % (key, value, current[key]))
            else:
                changes.append("set property %s=%s" % (key, value))
    if purge:
        for key in sorted(current):
            if key not in desired and key not in MANAGED_PROPERTIES:
                to_remove.append(key)
                changes.append("remove property %s" % key)
    return to_set, to_remove, changes


# ---------------------------------------------------------------------------------------------------------------------
# Time / duration parsing
# ---------------------------------------------------------------------------------------------------------------------

def parse_point_in_time(value, where, now_ms=None):
    """An ISO-8601 timestamp (naive = UTC), epoch milliseconds, or a duration meaning 'that long ago' -> epoch ms."""
    if now_ms is None:
        now_ms = int(time.time() * 1000)
    if isinstance(value, bool) or value is None:
        raise IcebergModuleError('%s: a timestamp or duration is required.' % where)
    if isinstance(value, (int, float)):
        return int(value)
    text = str(value).strip()
    if re.match(r'^\d{12,}$', text):
        return int(text)
    if is_duration_text(text) and not re.match(r'^\d{4}-', text):
        return now_ms - int(parse_duration(text, where, error=IcebergModuleError) * 1000)
    try:
        parsed = datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    except ValueError:
        raise IcebergModuleError("%s: '%s' is neither an ISO-8601 timestamp, epoch milliseconds nor a duration "
                                 "(e.g. 7d)." % (where, value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return int(parsed.timestamp() * 1000)


def ms_to_iso(ms):
    if ms is None:
        return None
    return datetime.datetime.fromtimestamp(ms / 1000.0, tz=datetime.timezone.utc).isoformat().replace('+00:00', 'Z')


# ---------------------------------------------------------------------------------------------------------------------
# Commit retries
# ---------------------------------------------------------------------------------------------------------------------

def is_conflict(exc):
    if PYICEBERG_IMPORT_ERROR is not None:
        return False
    if isinstance(exc, (ice_exc.CommitFailedException, ice_exc.ValidationException)):
        return True
    # SQLite catalogs under concurrent writers
    return exc.__class__.__name__ == 'OperationalError' and 'locked' in str(exc)


def backoff_sleep(attempt, max_wait, base=0.1):
    time.sleep(random.uniform(0, min(max_wait, base * (2 ** attempt))) + random.uniform(0, 0.05))


def run_with_retry(params, attempt_fn, describe, retryable=None):
    """Call attempt_fn(attempt) until it returns without a commit conflict (bounded, full-jitter backoff).

    attempt_fn must re-read the table state on every attempt; PyIceberg itself also retries snapshot commits
    (commit.retry.* table properties) before a conflict reaches this loop. The IcebergModuleError raised at the end
    carries definite=True when the last failure was a conflict, i.e. the commit certainly did not land.
    """
    retryable = retryable or is_conflict
    attempts = max(1, int(params.get('commit_retries') or 0) + 1)
    max_wait = float(params.get('commit_retry_max_wait') or 5.0)
    for attempt in range(attempts):
        try:
            return attempt_fn(attempt)
        except IcebergModuleError:
            raise
        except Exception as exc:
            if retryable(exc) and attempt + 1 < attempts:
                backoff_sleep(attempt, max_wait)
                continue
            raise IcebergModuleError(describe_catalog_error(exc, params, describe), definite=is_conflict(exc))
    raise IcebergModuleError('%s failed after %d attempts.' % (describe, attempts))  # pragma: no cover


# ---------------------------------------------------------------------------------------------------------------------
# Object storage: listing and batch deletes (no directory markers), URI normalisation
# ---------------------------------------------------------------------------------------------------------------------

S3_SCHEMES = ('s3', 's3a', 's3n')


def norm_uri(uri):
    """Canonical form of a file location so that s3a://b/k == s3://b/k and file:///p == /p."""
    from urllib.parse import urlparse
    parsed = urlparse(uri)
    scheme = (parsed.scheme or '').lower()
    if scheme in S3_SCHEMES:
        return 's3://%s%s' % (parsed.netloc, parsed.path)
    if scheme in ('', 'file') or (len(scheme) == 1 and os.name == 'nt'):
        return os.path.normpath(parsed.path if scheme == 'file' else uri)
    return '%s://%s%s' % (scheme, parsed.netloc, parsed.path)


def location_prefix(location):
    """Normalised location with exactly one trailing slash (so t/ does not match t2/)."""
    return norm_uri(location).rstrip('/') + '/'


def under(uri_norm, prefixes):
    return any(uri_norm.startswith(p) for p in prefixes)


class ObjectStore(object):
    """Lists and deletes files under table locations.

    S3 locations go through the S3 layer (plugins/module_utils/s3/objects.py: ListObjectsV2 without directory
    markers, DeleteObjects in batches of 1000), never pyarrow's delete_file, which re-creates a "directory" marker.
    Other schemes (local files) go through the table's pyarrow FileIO.
    """

    def __init__(self, params, io):
        self.params = params
        self.io = io
        self._client = None

    def _s3(self):
        if self._client is None:
            if BOTO3_IMPORT_ERROR:
                raise IcebergModuleError('boto3 is required to list and delete files in S3 during maintenance.')
            conn = s3_connection_params(self.params)
            conn['region'] = conn.get('region') or 'us-east-1'
            self._client = s3_client(conn, addressing_style='path' if self.params.get('s3_path_style_access', True)
                                     else 'virtual', max_pool_connections=16)
        return self._client

    def list(self, location):
        """Yield (normalised uri, size, mtime epoch seconds) of every file under location."""
        from urllib.parse import urlparse
        parsed = urlparse(location)
        scheme = parsed.scheme.lower()
        if scheme in S3_SCHEMES:
            bucket = parsed.netloc
            prefix = parsed.path.lstrip('/').rstrip('/')
            prefix = prefix + '/' if prefix else ''
            try:
                for obj in list_objects(self._s3(), bucket, prefix):
                    yield ('s3://%s/%s' % (bucket, obj['Key']), obj['Size'], obj['LastModified'].timestamp())
            except IcebergModuleError:
                raise
            except Exception as exc:
                raise IcebergModuleError(describe_s3_error(exc, self.params.get('endpoint_url'),
                                                           'Listing s3://%s/%s' % (bucket, prefix)))
            return
        from pyarrow.fs import FileSelector, FileType
        scheme_, netloc, path = self.io.parse_location(location)
        fs = self.io.fs_by_scheme(scheme_, netloc)
        for info in fs.get_file_info(FileSelector(path.rstrip('/'), recursive=True, allow_not_found=True)):
            if info.type != FileType.File:
                continue
            uri = info.path if scheme_ == 'file' else '%s://%s' % (scheme_, info.path)
            mtime = info.mtime.timestamp() if info.mtime is not None else time.time()
            yield (norm_uri(uri), info.size, mtime)

    def delete(self, uris):
        """Delete files; return (deleted, errors) lists of normalised uris / 'uri: reason' strings."""
        from urllib.parse import urlparse
        deleted, errors = [], []
        by_bucket, others = OrderedDict(), []
        for uri in uris:
            parsed = urlparse(uri)
            if parsed.scheme.lower() in S3_SCHEMES:
                by_bucket.setdefault(parsed.netloc, []).append(parsed.path.lstrip('/'))
            else:
                others.append(uri)
        for bucket, keys in by_bucket.items():
            gone, refused = delete_objects(self._s3(), bucket, keys)
            deleted.extend('s3://%s/%s' % (bucket, key) for key in gone)
            errors.extend('s3://%s/%s: %s' % (bucket, key, refused[key]) for key in keys if key in refused)
        for uri in others:
            try:
                self.io.delete(uri)
                deleted.append(norm_uri(uri))
            except FileNotFoundError:
                deleted.append(norm_uri(uri))
            except Exception as exc:
                errors.append('%s: %s' % (uri, one_line(exc, 200)))
        return deleted, errors


# ---------------------------------------------------------------------------------------------------------------------
# Reachability (what a snapshot needs), snapshot selection for expiry, orphan selection
# ---------------------------------------------------------------------------------------------------------------------

FILE_KINDS = ('manifest_lists', 'manifests', 'data_files', 'delete_files', 'statistics_files', 'metadata_files')


def empty_file_sets():
    return dict((kind, set()) for kind in FILE_KINDS)


def union_file_sets(*sets):
    out = empty_file_sets()
    for s in sets:
        for kind in FILE_KINDS:
            out[kind] |= s.get(kind, set())
    return out


def subtract_file_sets(a, b):
    """Files of `a` that `b` does not reach. A path reached under any kind in b is kept (never deleted)."""
    everything_b = set()
    for kind in FILE_KINDS:
        everything_b |= b.get(kind, set())
    return dict((kind, set(p for p in a.get(kind, set()) if p not in everything_b)) for kind in FILE_KINDS)


def count_file_sets(s):
    return dict((kind, len(s.get(kind, ()))) for kind in FILE_KINDS)


class ManifestReader(object):
    """Reads manifest lists and manifests once per run (normalised paths out)."""

    def __init__(self, io):
        self.io = io
        self._lists = {}
        self._entries = {}

    def manifests(self, snapshot):
        key = snapshot.manifest_list
        if key not in self._lists:
            self._lists[key] = snapshot.manifests(self.io)
        return self._lists[key]

    def entries(self, manifest, live_only):
        key = (manifest.manifest_path, live_only)
        if key not in self._entries:
            self._entries[key] = [(e.data_file.file_path, int(e.data_file.content)) for e in
                                  manifest.fetch_manifest_entry(self.io, discard_deleted=live_only)]
        return self._entries[key]

    def snapshot_files(self, snapshot, live_only=True):
        """Files one snapshot reaches: its manifest list, its manifests, and the data/delete files those list.

        live_only=True counts only ADDED/EXISTING entries (what a reader of the snapshot opens); False also counts
        DELETED entries (more conservative, used to decide what is an orphan).
        """
        out = empty_file_sets()
        if snapshot.manifest_list:
            out['manifest_lists'].add(norm_uri(snapshot.manifest_list))
        for manifest in self.manifests(snapshot):
            out['manifests'].add(norm_uri(manifest.manifest_path))
            for path, content in self.entries(manifest, live_only):
                out['data_files' if content == 0 else 'delete_files'].add(norm_uri(path))
        return out

    def snapshots_files(self, snapshots, live_only=True):
        return union_file_sets(*[self.snapshot_files(s, live_only) for s in snapshots]) if snapshots else empty_file_sets()


def metadata_reachable(metadata, metadata_location):
    """Files the table metadata itself references (not through snapshots)."""
    out = empty_file_sets()
    if metadata_location:
        out['metadata_files'].add(norm_uri(metadata_location))
    for entry in metadata.metadata_log:
        out['metadata_files'].add(norm_uri(entry.metadata_file))
    for stats in list(getattr(metadata, 'statistics', []) or []) + list(getattr(metadata, 'partition_statistics', []) or []):
        path = getattr(stats, 'statistics_path', None)
        if path:
            out['statistics_files'].add(norm_uri(path))
    return out


SnapInfo = namedtuple('SnapInfo', 'snapshot_id parent_id timestamp_ms')
RefInfo = namedtuple('RefInfo', 'snapshot_id type min_snapshots_to_keep max_snapshot_age_ms')


def snapshot_infos(metadata):
    return [SnapInfo(s.snapshot_id, s.parent_snapshot_id, s.timestamp_ms) for s in metadata.snapshots]


def ref_infos(metadata):
    out = {}
    for name, ref in metadata.refs.items():
        out[name] = RefInfo(ref.snapshot_id, 'tag' if ref.snapshot_ref_type == SnapshotRefType.TAG else 'branch',
                            ref.min_snapshots_to_keep, ref.max_snapshot_age_ms)
    return out


def select_snapshots_to_expire(snapshots, refs, now_ms, older_than_ms=None, retain_last=None, snapshot_ids=None):
    """Pure retention selection. Returns (set of snapshot ids to expire, dict id -> why it is retained).

    * Tag and branch heads are never expired.
    * Each branch keeps its `retain_last` most recent ancestors (or its own min-snapshots-to-keep).
    * Other ancestors of a branch expire when older than the branch's max-snapshot-age (if set) or `older_than_ms`.
    * Snapshots on no branch (rolled back, staged) expire when older than `older_than_ms`.
    * `snapshot_ids` are expired explicitly (an error if one is a ref head or unknown).
    With older_than_ms None and retain_last None only `snapshot_ids` are expired.
    """
    by_id = dict((s.snapshot_id, s) for s in snapshots)
    retained = {}
    for name, ref in sorted(refs.items()):
        retained.setdefault(ref.snapshot_id, 'head of %s %s' % (ref.type, name))
    age_based = older_than_ms is not None or retain_last is not None
    expire = set()
    on_branch = set()
    expirable_on_branch = {}
    for name, ref in sorted(refs.items()):
        if ref.type != 'branch':
            continue
        keep = ref.min_snapshots_to_keep if ref.min_snapshots_to_keep is not None else (retain_last or 1)
        cutoff = now_ms - ref.max_snapshot_age_ms if ref.max_snapshot_age_ms is not None else older_than_ms
        seen = set()
        current = by_id.get(ref.snapshot_id)
        position = 0
        while current is not None and current.snapshot_id not in seen:
            seen.add(current.snapshot_id)
            on_branch.add(current.snapshot_id)
            position += 1
            if position <= keep:
                retained.setdefault(current.snapshot_id, 'one of the last %d of branch %s' % (keep, name))
                expirable_on_branch[current.snapshot_id] = False
            elif cutoff is not None and current.timestamp_ms < cutoff:
                expirable_on_branch.setdefault(current.snapshot_id, True)
            else:
                retained.setdefault(current.snapshot_id, 'newer than the age cut-off on branch %s' % name)
                expirable_on_branch[current.snapshot_id] = False
            current = by_id.get(current.parent_id) if current.parent_id is not None else None
    if age_based:
        for sid, ok in expirable_on_branch.items():
            if ok and sid not in retained:
                expire.add(sid)
        if older_than_ms is not None:
            for s in snapshots:
                if s.snapshot_id not in on_branch and s.snapshot_id not in retained and s.timestamp_ms < older_than_ms:
                    expire.add(s.snapshot_id)
    for sid in snapshot_ids or ():
        sid = int(sid)
        if sid not in by_id:
            raise IcebergModuleError('expire_snapshots: snapshot %d does not exist (known: %s).'
                                     % (sid, _known_ids([s.snapshot_id for s in snapshots])))
        if sid in retained and retained[sid].startswith('head of'):
            raise IcebergModuleError('expire_snapshots: snapshot %d is the %s; remove or move the ref first.'
                                     % (sid, retained[sid]))
        expire.add(sid)
        retained.pop(sid, None)
    return expire, dict((k, v) for k, v in retained.items() if k not in expire)


def _known_ids(ids, limit=10):
    ids = list(ids)
    text = ', '.join(str(i) for i in ids[-limit:])
    return text + (' and %d more' % (len(ids) - limit) if len(ids) > limit else '') if ids else 'none'


def select_orphans(listing, reachable, protected_prefixes, now_s, guard_s, is_metadata_helper=None):
    """Pure orphan selection.

    listing: iterable of (normalised uri, size, mtime epoch s); reachable: set of normalised uris;
    protected_prefixes: prefixes of other tables nested under the scanned location (never touched).
    Returns (orphans, too_recent): lists of (uri, size, mtime). A file is an orphan only if nothing reaches it,
    it is not under a protected prefix, it is not a version-hint file, and it is older than the guard.
    """
    orphans, too_recent = [], []
    for uri, size, mtime in listing:
        if uri in reachable or under(uri, protected_prefixes):
            continue
        if uri.endswith('/version-hint.text'):
            continue
        if now_s - mtime < guard_s:
            too_recent.append((uri, size, mtime))
        else:
            orphans.append((uri, size, mtime))
    return orphans, too_recent


# ---------------------------------------------------------------------------------------------------------------------
# Data: Python rows / files -> Arrow, conformed to the table schema
# ---------------------------------------------------------------------------------------------------------------------

def arrow_schema(schema):
    from pyiceberg.io.pyarrow import schema_to_pyarrow
    return schema_to_pyarrow(schema, include_field_ids=False)


class _RowError(Exception):
    pass


def _parse_dt(value, tz_aware):
    if isinstance(value, datetime.datetime):
        dt = value
    elif isinstance(value, datetime.date):
        dt = datetime.datetime(value.year, value.month, value.day)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        raise _RowError('give timestamps as ISO-8601 strings, not numbers')
    else:
        try:
            dt = datetime.datetime.fromisoformat(str(value).strip().replace('Z', '+00:00').replace(' ', 'T', 1))
        except ValueError:
            raise _RowError("'%s' is not an ISO-8601 timestamp" % value)
    if dt.tzinfo is not None:
        dt = dt.astimezone(datetime.timezone.utc)
        if not tz_aware:
            dt = dt.replace(tzinfo=None)
    elif tz_aware:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return dt


def _to_bytes(value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except Exception:
            raise _RowError('binary values are given base64-encoded')
    raise _RowError('expected base64 text for a binary value, got %s' % type(value).__name__)


def value_converter(t):
    """A function converting one JSON/YAML value to what pyarrow expects for Iceberg type t."""
    if isinstance(t, T.BooleanType):
        def conv(v):
            if isinstance(v, bool):
                return v
            if isinstance(v, str) and v.lower() in ('true', 'false', 'yes', 'no'):
                return v.lower() in ('true', 'yes')
            raise _RowError('expected a boolean, got %r' % (v,))
        return conv
    if isinstance(t, (T.IntegerType, T.LongType)):
        bits = 32 if isinstance(t, T.IntegerType) else 64

        def conv(v):
            if isinstance(v, bool):
                raise _RowError('expected an integer, got a boolean')
            try:
                out = int(v) if not isinstance(v, float) or v.is_integer() else None
            except (TypeError, ValueError):
                out = None
            if out is None:
                raise _RowError('expected an integer, got %r' % (v,))
            if not -(2 ** (bits - 1)) <= out < 2 ** (bits - 1):
                raise _RowError('%d does not fit in %s' % (out, t))
            return out
        return conv
    if isinstance(t, (T.FloatType, T.DoubleType)):
        def conv(v):
            if isinstance(v, bool):
                raise _RowError('expected a number, got a boolean')
            try:
                return float(v)
            except (TypeError, ValueError):
                raise _RowError('expected a number, got %r' % (v,))
        return conv
    if isinstance(t, T.DecimalType):
        quantum = decimal.Decimal(1).scaleb(-t.scale)

        def conv(v):
            if isinstance(v, bool):
                raise _RowError('expected a decimal, got a boolean')
            try:
                raw = decimal.Decimal(str(v))
                d = raw.quantize(quantum)
            except (decimal.InvalidOperation, ValueError):
                raise _RowError('%r is not a decimal' % (v,))
            if d != raw:
                raise _RowError('%r has more than %d digits after the point' % (v, t.scale))
            if len(d.as_tuple().digits) > t.precision:
                raise _RowError('%s has more than %d digits' % (d, t.precision))
            return d
        return conv
    if isinstance(t, T.DateType):
        def conv(v):
            if isinstance(v, datetime.datetime):
                return v.date()
            if isinstance(v, datetime.date):
                return v
            try:
                return datetime.date.fromisoformat(str(v).strip())
            except ValueError:
                raise _RowError("'%s' is not an ISO date (YYYY-MM-DD)" % v)
        return conv
    if isinstance(t, T.TimeType):
        def conv(v):
            if isinstance(v, datetime.time):
                return v
            try:
                return datetime.time.fromisoformat(str(v).strip())
            except ValueError:
                raise _RowError("'%s' is not an ISO time (HH:MM:SS[.ffffff])" % v)
        return conv
    if isinstance(t, (T.TimestampType, T.TimestampNanoType)):
        return lambda v: _parse_dt(v, False)
    if isinstance(t, (T.TimestamptzType, T.TimestamptzNanoType)):
        return lambda v: _parse_dt(v, True)
    if isinstance(t, T.StringType):
        def conv(v):
            if isinstance(v, (dict, list)):
                raise _RowError('expected a string, got %s' % type(v).__name__)
            if isinstance(v, bool):
                return 'true' if v else 'false'
            return v if isinstance(v, str) else str(v)
        return conv
    if isinstance(t, T.UUIDType):
        def conv(v):
            try:
                return (v if isinstance(v, uuid_mod.UUID) else uuid_mod.UUID(str(v))).bytes
            except ValueError:
                raise _RowError("'%s' is not a UUID" % (v,))
        return conv
    if isinstance(t, T.FixedType):
        def conv(v):
            b = _to_bytes(v)
            if len(b) != len(t):
                raise _RowError('expected %d bytes, got %d' % (len(t), len(b)))
            return b
        return conv
    if isinstance(t, T.BinaryType):
        return _to_bytes
    if isinstance(t, T.ListType):
        element = value_converter(t.element_type)

        def conv(v):
            if not isinstance(v, (list, tuple)):
                raise _RowError('expected a list, got %s' % type(v).__name__)
            out = []
            for item in v:
                if item is None:
                    if t.element_required:
                        raise _RowError('list elements are required')
                    out.append(None)
                else:
                    out.append(element(item))
            return out
        return conv
    if isinstance(t, T.MapType):
        key_conv, value_conv = value_converter(t.key_type), value_converter(t.value_type)

        def conv(v):
            if isinstance(v, dict):
                pairs = list(v.items())
            elif isinstance(v, list) and all(isinstance(p, dict) and 'key' in p for p in v):
                pairs = [(p['key'], p.get('value')) for p in v]
            else:
                raise _RowError('expected a dict (or a list of {key, value}) for a map')
            out = []
            for key, value in pairs:
                if key is None:
                    raise _RowError('map keys cannot be null')
                if value is None and t.value_required:
                    raise _RowError('map values are required')
                out.append((key_conv(key), None if value is None else value_conv(value)))
            return out
        return conv
    if isinstance(t, T.StructType):
        fields = [(f.name, f.required, value_converter(f.field_type)) for f in t.fields]
        names = set(f.name for f in t.fields)

        def conv(v):
            if not isinstance(v, dict):
                raise _RowError('expected a dict for a struct, got %s' % type(v).__name__)
            unknown = sorted(set(v) - names)
            if unknown:
                raise _RowError('unknown struct fields %s' % ', '.join(unknown))
            out = {}
            for name, required, c in fields:
                value = v.get(name)
                if value is None:
                    if required:
                        raise _RowError("struct field '%s' is required" % name)
                    out[name] = None
                else:
                    try:
                        out[name] = c(value)
                    except _RowError as exc:
                        raise _RowError('%s: %s' % (name, exc))
            return out
        return conv
    raise IcebergModuleError('writing values of type %s is not supported by this module.' % t)


def rows_to_arrow(rows, schema, source='rows'):
    """Inline rows (list of dicts, column name -> value) to an Arrow table in the table's schema."""
    if not isinstance(rows, list):
        raise IcebergModuleError('%s must be a list of dicts.' % source)
    target = arrow_schema(schema)
    fields = schema.fields
    names = set(f.name for f in fields)
    converters = [value_converter(f.field_type) for f in fields]
    columns = [[] for unused in fields]
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise IcebergModuleError('%s[%d] is not a dict of column: value.' % (source, index))
        unknown = [k for k in row if k not in names]
        if unknown:
            raise IcebergModuleError("%s[%d] has columns that are not in the table: %s (evolve the schema first)."
                                     % (source, index, ', '.join(sorted(str(k) for k in unknown))))
        for pos, field in enumerate(fields):
            value = row.get(field.name)
            if value is None:
                if field.required:
                    raise IcebergModuleError("%s[%d]: column '%s' is required." % (source, index, field.name))
                columns[pos].append(None)
                continue
            try:
                columns[pos].append(converters[pos](value))
            except _RowError as exc:
                raise IcebergModuleError("%s[%d]: column '%s' (%s): %s."
                                         % (source, index, field.name, type_to_string(field.field_type), exc))
    arrays = []
    for pos, field in enumerate(target):
        try:
            arrays.append(pa.array(columns[pos], type=field.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError) as exc:
            raise IcebergModuleError("%s: column '%s' cannot be converted to %s: %s."
                                     % (source, field.name, field.type, one_line(exc, 200)))
    return pa.Table.from_arrays(arrays, schema=target)


_EQUIVALENT = (('string', 'large_string', 'string_view'), ('binary', 'large_binary', 'binary_view'))


def _same_enough(have, want):
    if have == want:
        return True
    for group in _EQUIVALENT:
        if str(have) in group and str(want) in group:
            return True
    return False


def conform_arrow(table, schema, source):
    """Select/cast an Arrow table to the Iceberg schema by column name; one-line errors for what does not fit.

    Types that PyIceberg writes as-is (string vs large_string, binary vs large_binary) are not cast, so a Parquet
    file with the table's types passes through without a copy.
    """
    target = arrow_schema(schema)
    target_names = [f.name for f in target]
    extra = [n for n in table.column_names if n not in target_names]
    if extra:
        raise IcebergModuleError('%s has columns that are not in the table: %s (evolve the schema first).'
                                 % (source, ', '.join(extra)))
    if len(set(table.column_names)) != len(table.column_names):
        raise IcebergModuleError('%s has duplicate column names.' % source)
    arrays, fields = [], []
    for field in target:
        if field.name in table.column_names:
            column = table.column(field.name)
            if not _same_enough(column.type, field.type):
                try:
                    column = column.cast(field.type, safe=True)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
                    raise IcebergModuleError("%s: column '%s' is %s, the table wants %s: %s."
                                             % (source, field.name, column.type, field.type, one_line(exc, 200)))
        else:
            if not field.nullable:
                raise IcebergModuleError("%s has no column '%s', which the table requires." % (source, field.name))
            column = pa.nulls(table.num_rows, type=field.type)
        if not field.nullable and column.null_count:
            raise IcebergModuleError("%s: column '%s' is required but %d rows have no value."
                                     % (source, field.name, column.null_count))
        arrays.append(column)
        fields.append(pa.field(field.name, column.type, nullable=field.nullable))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def detect_format(path, fmt):
    if fmt and fmt != 'auto':
        return fmt
    lower = path.lower()
    for suffix in ('.gz', '.bz2', '.zst'):
        if lower.endswith(suffix):
            lower = lower[:-len(suffix)]
    if lower.endswith(('.parquet', '.pq')):
        return 'parquet'
    if lower.endswith(('.csv', '.tsv')):
        return 'csv'
    if lower.endswith(('.json', '.jsonl', '.ndjson')):
        return 'json'
    raise IcebergModuleError("cannot tell the format of %s from its name; set format to parquet, csv or json." % path)


def read_source_file(path, fmt, schema):
    """Read a local Parquet/CSV/JSON file into an Arrow table conformed to the schema."""
    if not os.path.isfile(path):
        raise IcebergModuleError('src %s does not exist or is not a file.' % path)
    fmt = detect_format(path, fmt)
    source = '%s file %s' % (fmt, path)
    target = arrow_schema(schema)
    try:
        if fmt == 'parquet':
            import pyarrow.parquet as pq
            table = pq.read_table(path)
        elif fmt == 'csv':
            import pyarrow.csv as pcsv
            # Columns whose Arrow types CSV can parse are typed directly, the others are converted per value.
            direct = {}
            for field, ice in zip(target, schema.fields):
                if isinstance(ice.field_type, (T.BooleanType, T.IntegerType, T.LongType, T.FloatType, T.DoubleType,
                                               T.DecimalType, T.DateType, T.TimeType, T.TimestampType,
                                               T.StringType)):
                    direct[field.name] = field.type
                else:
                    direct[field.name] = pa.string()
            delimiter = '\t' if path.lower().rstrip('.gz').endswith('.tsv') else ','
            table = pcsv.read_csv(path, parse_options=pcsv.ParseOptions(delimiter=delimiter),
                                  convert_options=pcsv.ConvertOptions(column_types=direct, strings_can_be_null=False))
            table = _convert_string_columns(table, schema, source)
        else:
            with open(path, 'rb') as handle:
                head = handle.read(64).lstrip()
            if head.startswith(b'['):
                with open(path) as handle:
                    rows = json.load(handle)
                return rows_to_arrow(rows, schema, source)
            import pyarrow.json as pjson
            try:
                table = pjson.read_json(path, parse_options=pjson.ParseOptions(
                    explicit_schema=target, unexpected_field_behavior='error'))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
                # slow path with precise per-row messages
                rows = []
                with open(path) as handle:
                    for line in handle:
                        if line.strip():
                            rows.append(json.loads(line))
                return rows_to_arrow(rows, schema, source)
    except IcebergModuleError:
        raise
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, ValueError, OSError) as exc:
        raise IcebergModuleError('%s does not match the table schema or cannot be read: %s.' % (source, one_line(exc, 300)))
    return conform_arrow(table, schema, source)


def _convert_string_columns(table, schema, source):
    """CSV columns read as text whose Iceberg type needs per-value conversion (uuid, binary, fixed, nested)."""
    by_name = dict((f.name, f) for f in schema.fields)
    target = arrow_schema(schema)
    for name in list(table.column_names):
        field = by_name.get(name)
        if field is None or table.column(name).type != pa.string():
            continue
        if isinstance(field.field_type, T.StringType):
            continue
        if isinstance(field.field_type, (T.TimestamptzType, T.TimestamptzNanoType)):
            try:  # fast path: every value carries a zone offset
                table = table.set_column(table.column_names.index(name), name,
                                         table.column(name).cast(target.field(name).type))
                continue
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass  # naive values (taken as UTC) go through the per-value converter
        conv = value_converter(field.field_type)
        values = []
        for index, value in enumerate(table.column(name).to_pylist()):
            if value is None or value == '':
                values.append(None)
                continue
            try:
                if isinstance(field.field_type, (T.ListType, T.MapType, T.StructType)):
                    value = json.loads(value)
                values.append(conv(value))
            except (_RowError, ValueError) as exc:
                raise IcebergModuleError("%s row %d: column '%s' (%s): %s."
                                         % (source, index + 1, name, type_to_string(field.field_type), exc))
        table = table.set_column(table.column_names.index(name), name,
                                 pa.array(values, type=target.field(name).type))
    return table


def to_jsonable(value):
    """Arrow to_pylist() values -> JSON-friendly values (ISO timestamps, decimals as strings, base64 binary)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid_mod.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode('ascii')
    if isinstance(value, dict):
        return dict((str(k), to_jsonable(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(p, tuple) and len(p) == 2 for p in value):
            keys = [p[0] for p in value]
            if all(isinstance(k, str) for k in keys):
                return dict((k, to_jsonable(v)) for k, v in value)
            return [{'key': to_jsonable(k), 'value': to_jsonable(v)} for k, v in value]
        return [to_jsonable(v) for v in value]
    return str(value)


def _json_converter(arrow_type):
    """Converter for one Arrow type's to_pylist() values, aware of maps (dicts) and UUIDs."""
    if pa.types.is_map(arrow_type):
        key_conv, value_conv = _json_converter(arrow_type.key_type), _json_converter(arrow_type.item_type)
        string_keys = pa.types.is_string(arrow_type.key_type) or pa.types.is_large_string(arrow_type.key_type)

        def conv(v):
            if v is None:
                return None
            if string_keys:
                return dict((k, value_conv(x)) for k, x in v)
            return [{'key': key_conv(k), 'value': value_conv(x)} for k, x in v]
        return conv
    if pa.types.is_struct(arrow_type):
        convs = [(arrow_type.field(i).name, _json_converter(arrow_type.field(i).type))
                 for i in range(arrow_type.num_fields)]
        return lambda v: None if v is None else dict((n, c(v.get(n))) for n, c in convs)
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type) or pa.types.is_fixed_size_list(arrow_type):
        element = _json_converter(arrow_type.value_type)
        return lambda v: None if v is None else [element(x) for x in v]
    if isinstance(arrow_type, pa.ExtensionType) and 'uuid' in str(arrow_type):
        return lambda v: None if v is None else str(v if isinstance(v, uuid_mod.UUID) else uuid_mod.UUID(bytes=bytes(v)))
    return to_jsonable


def arrow_to_json_rows(table):
    """Rows of an Arrow table as JSON-friendly dicts."""
    convs = [(f.name, _json_converter(f.type)) for f in table.schema]
    return [dict((name, conv(row.get(name))) for name, conv in convs) for row in table.to_pylist()]


def parse_filter(text, where):
    if text is None or (isinstance(text, str) and not text.strip()):
        return AlwaysTrue()
    try:
        return parse_row_filter(str(text))
    except Exception as exc:
        raise IcebergModuleError("%s: cannot parse row filter %r: %s (example: \"region = 'eu' AND ts >= "
                                 "'2024-01-01T00:00:00'\")." % (where, text, one_line(exc, 200)))


def bind_filter(schema, expr, where, text):
    from pyiceberg.expressions.visitors import bind
    try:
        bind(schema, expr, case_sensitive=True)
    except Exception as exc:
        raise IcebergModuleError('%s: filter %r does not fit the table schema: %s.' % (where, text, one_line(exc, 200)))


# ---------------------------------------------------------------------------------------------------------------------
# Table description (shared by both modules)
# ---------------------------------------------------------------------------------------------------------------------

def snapshot_to_data(s):
    summary = dict(s.summary.additional_properties) if s.summary is not None else {}
    return OrderedDict([
        ('snapshot_id', s.snapshot_id), ('parent_snapshot_id', s.parent_snapshot_id),
        ('sequence_number', s.sequence_number), ('timestamp_ms', s.timestamp_ms), ('timestamp', ms_to_iso(s.timestamp_ms)),
        ('operation', str(s.summary.operation.value) if s.summary is not None else None),
        ('schema_id', s.schema_id), ('manifest_list', s.manifest_list), ('summary', summary),
    ])


def refs_to_data(metadata):
    out = {}
    for name, ref in sorted(metadata.refs.items()):
        out[name] = OrderedDict([
            ('type', 'tag' if ref.snapshot_ref_type == SnapshotRefType.TAG else 'branch'),
            ('snapshot_id', ref.snapshot_id), ('max_ref_age_ms', ref.max_ref_age_ms),
            ('max_snapshot_age_ms', ref.max_snapshot_age_ms), ('min_snapshots_to_keep', ref.min_snapshots_to_keep),
        ])
    return out


def file_stats(tbl, snapshot=None, reader=None):
    """Counts and sizes of the files a snapshot (default: current) reads."""
    snapshot = snapshot or tbl.current_snapshot()
    stats = OrderedDict([('data_files', 0), ('data_bytes', 0), ('records', 0), ('delete_files', 0),
                         ('delete_bytes', 0), ('manifests', 0), ('manifest_bytes', 0)])
    if snapshot is None:
        return stats
    for manifest in snapshot.manifests(tbl.io):
        stats['manifests'] += 1
        stats['manifest_bytes'] += manifest.manifest_length or 0
        for entry in manifest.fetch_manifest_entry(tbl.io, discard_deleted=True):
            df = entry.data_file
            if int(df.content) == 0:
                stats['data_files'] += 1
                stats['data_bytes'] += df.file_size_in_bytes
                stats['records'] += df.record_count
            else:
                stats['delete_files'] += 1
                stats['delete_bytes'] += df.file_size_in_bytes
    return stats


def describe_table(tbl, include_files=True, include_snapshots=True):
    md = tbl.metadata
    schema = tbl.schema()
    out = OrderedDict()
    out['table'] = identifier_text(tbl.name())
    out['location'] = tbl.location()
    out['metadata_location'] = tbl.metadata_location
    out['table_uuid'] = str(md.table_uuid)
    out['format_version'] = md.format_version
    out['schema_id'] = schema.schema_id
    out['schema'] = schema_to_data(schema)
    out['spec_id'] = md.default_spec_id
    out['partition_spec'] = spec_to_data(tbl.spec(), schema)
    out['sort_order'] = sort_order_to_data(tbl.sort_order(), schema)
    out['properties'] = dict(md.properties)
    current = tbl.current_snapshot()
    out['current_snapshot_id'] = current.snapshot_id if current else None
    out['refs'] = refs_to_data(md)
    if include_snapshots:
        out['snapshots'] = [snapshot_to_data(s) for s in md.snapshots]
        out['history'] = [OrderedDict([('snapshot_id', h.snapshot_id), ('timestamp_ms', h.timestamp_ms),
                                       ('timestamp', ms_to_iso(h.timestamp_ms))]) for h in md.snapshot_log]
    if include_files:
        out['files'] = file_stats(tbl)
    return out


def diff_view(schema, spec, order, properties, format_version, location):
    view = OrderedDict()
    view['schema'] = schema_to_lines(schema) if schema is not None else []
    view['partition_spec'] = ['%s: %s(%s)' % (f.name, f.transform, schema.find_column_name(f.source_id))
                              for f in spec.fields] if spec is not None else []
    view['sort_order'] = [
        '%s(%s) %s %s' % (f.transform, schema.find_column_name(f.source_id),
                          'asc' if f.direction == SortDirection.ASC else 'desc',
                          'nulls-first' if f.null_order == NullOrder.NULLS_FIRST else 'nulls-last')
        for f in order.fields] if order is not None else []
    view['properties'] = dict(sorted((properties or {}).items()))
    view['format_version'] = format_version
    if location:
        view['location'] = location
    return view


def resolve_snapshot(metadata, where, snapshot_id=None, timestamp=None, ref=None, table_name=''):
    """Snapshot for an id / point in time ('as of', from the snapshot log) / ref name, with one-line errors."""
    given = [x for x in (snapshot_id, timestamp, ref) if x is not None]
    if len(given) > 1:
        raise IcebergModuleError('%s: give only one of snapshot_id, timestamp and ref.' % where)
    if snapshot_id is not None:
        snap = metadata.snapshot_by_id(int(snapshot_id))
        if snap is None:
            raise IcebergModuleError('%s: snapshot %s does not exist in %s (known: %s).'
                                     % (where, snapshot_id, table_name, _known_ids(s.snapshot_id for s in metadata.snapshots)))
        return snap
    if ref is not None:
        if ref not in metadata.refs:
            raise IcebergModuleError("%s: ref '%s' does not exist in %s (refs: %s)."
                                     % (where, ref, table_name, ', '.join(sorted(metadata.refs)) or 'none'))
        return metadata.snapshot_by_id(metadata.refs[ref].snapshot_id)
    if timestamp is not None:
        ts = parse_point_in_time(timestamp, where)
        found = None
        for entry in metadata.snapshot_log:
            if entry.timestamp_ms <= ts:
                found = entry.snapshot_id
        snap = metadata.snapshot_by_id(found) if found is not None else None
        if snap is None:
            first = metadata.snapshot_log[0].timestamp_ms if metadata.snapshot_log else None
            raise IcebergModuleError('%s: no snapshot of %s was current at %s (history starts at %s).'
                                     % (where, table_name, ms_to_iso(ts), ms_to_iso(first) if first else 'no snapshot'))
        return snap
    return metadata.current_snapshot()


def read_rows(tbl, query, table_name):
    """Time-travel read: rows of a snapshot (id / timestamp / ref, default current) with filter, columns and limit."""
    query = query or {}
    snap = resolve_snapshot(tbl.metadata, 'query', query.get('snapshot_id'), query.get('timestamp'), query.get('ref'),
                            table_name)
    out = OrderedDict()
    if snap is None:
        out.update(snapshot_id=None, rows=[], row_count=0, schema=schema_to_data(tbl.schema()))
        return out
    schema = tbl.schemas().get(snap.schema_id, tbl.schema()) if snap.schema_id is not None else tbl.schema()
    expr = parse_filter(query.get('filter'), 'query.filter')
    bind_filter(schema, expr, 'query.filter', query.get('filter'))
    columns = tuple(query.get('columns') or ('*',))
    if columns != ('*',):
        for column in columns:
            resolve_column(schema, column, 'query.columns')
    limit = query.get('limit')
    scan = tbl.scan(row_filter=expr, selected_fields=columns, snapshot_id=snap.snapshot_id,
                    limit=int(limit) if limit is not None else None)
    arrow = scan.to_arrow()
    out['snapshot_id'] = snap.snapshot_id
    out['timestamp_ms'] = snap.timestamp_ms
    out['timestamp'] = ms_to_iso(snap.timestamp_ms)
    out['schema_id'] = schema.schema_id
    out['schema'] = schema_to_data(scan.projection())
    out['row_count'] = arrow.num_rows
    out['rows'] = arrow_to_json_rows(arrow)
    return out


# ---------------------------------------------------------------------------------------------------------------------
# The iceberg_table operations
# ---------------------------------------------------------------------------------------------------------------------

OPERATION_ID_PROPERTY = 'dataplatform.operation-id'
SUMMARY_COUNTERS = (('added-records', 'added_rows'), ('deleted-records', 'deleted_rows'),
                    ('added-data-files', 'added_files'), ('deleted-data-files', 'deleted_files'),
                    ('added-files-size', 'added_bytes'), ('removed-files-size', 'removed_bytes'))


def is_conflict_or_exists(exc):
    if PYICEBERG_IMPORT_ERROR is None and isinstance(exc, ice_exc.TableAlreadyExistsError):
        return True
    return is_conflict(exc)


class IcebergTable(object):
    """Drives one iceberg_table invocation. Every public method returns a result dict fragment."""

    def __init__(self, params, check_mode=False, warn=None):
        self.params = params
        self.check_mode = check_mode
        self.warn = warn or (lambda msg: None)
        self.identifier = split_identifier(params.get('namespace'), params.get('name'))
        self.name = identifier_text(self.identifier)
        self.catalog = connect(params)
        self.op_id = str(uuid_mod.uuid4())

    # -- helpers ---------------------------------------------------------------------------------------------------

    def load(self):
        return load_table_or_none(self.catalog, self.identifier, self.params)

    def store(self, tbl):
        return ObjectStore(self.params, tbl.io)

    def retry(self, fn, what):
        return run_with_retry(self.params, fn, '%s of %s' % (what, self.name), retryable=is_conflict_or_exists)

    def table_prefixes(self, tbl):
        prefixes = [location_prefix(tbl.location())]
        for key in ('write.data.path', 'write.metadata.path', 'write.object-storage.path'):
            if tbl.properties.get(key):
                prefixes.append(location_prefix(tbl.properties[key]))
        prefixes = sorted(set(prefixes), key=len)
        out = []
        for p in prefixes:
            if not any(p.startswith(q) for q in out):
                out.append(p)
        return out

    # -- absent ----------------------------------------------------------------------------------------------------

    def ensure_absent(self, purge):
        tbl = self.load()
        if tbl is None:
            return dict(changed=False, exists=False)
        result = dict(changed=True, exists=False, dropped=True, purged=bool(purge), location=tbl.location())
        if self.check_mode:
            return result
        try:
            if purge and self.params.get('catalog_type') == 'rest':
                # the REST server owns the files and purges them (Polaris does it asynchronously)
                self.catalog.purge_table(self.identifier)
            elif purge:
                reader = ManifestReader(tbl.io)
                files = union_file_sets(reader.snapshots_files(tbl.metadata.snapshots, live_only=False),
                                        metadata_reachable(tbl.metadata, tbl.metadata_location))
                prefixes = self.table_prefixes(tbl)
                paths = sorted(p for kind in FILE_KINDS for p in files[kind] if under(p, prefixes))
                self.catalog.drop_table(self.identifier)
                deleted, errors = self.store(tbl).delete(paths)
                result['deleted_files'] = len(deleted)
                if errors:
                    self.warn('purge: %d files could not be deleted, first: %s' % (len(errors), errors[0]))
            else:
                self.catalog.drop_table(self.identifier)
        except IcebergModuleError:
            raise
        except Exception as exc:
            if PYICEBERG_IMPORT_ERROR is None and isinstance(exc, ice_exc.NoSuchTableError):
                result['changed'] = False
                return result
            raise IcebergModuleError(describe_catalog_error(exc, self.params, 'dropping %s' % self.name))
        return result

    # -- present: create or converge --------------------------------------------------------------------------------

    def ensure_present(self, decls, part_decls, sort_decls, properties, prepare_data=None, loaded=None):
        """Create or converge the table. prepare_data(schema) is called with the schema the table will have, before
        anything is committed, so that bad data fails the run with the table unchanged. Returns (result, table, data).
        loaded: a 1-tuple with the table (or None) the caller already loaded.
        """
        params = self.params
        allow = params.get('allow_breaking_changes') or []
        purge_props = params.get('purge_properties')
        fmt_version = params.get('format_version')
        location = params.get('location')

        def attempt(n):
            tbl = loaded[0] if n == 0 and loaded else self.load()
            if tbl is None:
                return self._create(decls, part_decls, sort_decls, properties, fmt_version, location, prepare_data)
            before = diff_view(tbl.schema(), tbl.spec(), tbl.sort_order(), tbl.properties, tbl.format_version, None)
            changes, refused = [], []
            if location and location_prefix(location) != location_prefix(tbl.location()):
                refused.append('move the table from %s to %s: the location of an existing table cannot change'
                               % (tbl.location(), location))
            if fmt_version and fmt_version < tbl.format_version:
                refused.append('downgrade format-version %d to %d: Iceberg cannot downgrade'
                               % (tbl.format_version, fmt_version))
            plan = plan_schema(tbl.schema(), decls, allow, params.get('purge_columns', True)) if decls else None
            if plan:
                refused.extend(plan.refused)
            if refused:
                raise IcebergModuleError('refusing to change %s: %s. Nothing was committed.'
                                         % (self.name, '; '.join(refused)), refused=refused)
            txn = tbl.transaction()
            try:
                if fmt_version and fmt_version > tbl.format_version:
                    txn.upgrade_table_version(fmt_version)
                    changes.append('upgrade format-version %d to %d' % (tbl.format_version, fmt_version))
                if plan and not plan.empty:
                    with txn.update_schema(allow_incompatible_changes=plan.needs_incompatible) as update:
                        apply_schema_plan(update, plan)
                    changes.extend(plan.changes)
                staged = txn.table_metadata
                schema_after = staged.schema()
                if part_decls is not None:
                    ops, spec_changes = plan_partition_spec(schema_after, staged.spec(), part_decls)
                    if ops:
                        with txn.update_spec() as update:
                            apply_spec_ops(update, ops)
                        changes.extend(spec_changes)
                if sort_decls is not None:
                    wanted, sort_changes = plan_sort_order(schema_after, staged.sort_order(), sort_decls)
                    if sort_changes:
                        with txn.update_sort_order() as update:
                            apply_sort_order(update, wanted)
                        changes.extend(sort_changes)
                to_set, to_remove, prop_changes = plan_properties(txn.table_metadata.properties, properties, purge_props)
                if to_set:
                    txn.set_properties(to_set)
                if to_remove:
                    txn.remove_properties(*to_remove)
                changes.extend(prop_changes)
            except IcebergModuleError:
                raise
            except (ValueError, KeyError) as exc:
                raise IcebergModuleError('cannot evolve %s: %s. Nothing was committed.' % (self.name, one_line(exc, 300)))
            except Exception as exc:
                if PYICEBERG_IMPORT_ERROR is None and isinstance(exc, ice_exc.ValidationError):
                    raise IcebergModuleError('cannot evolve %s: %s. Nothing was committed.'
                                             % (self.name, one_line(exc, 300)))
                raise
            staged = txn.table_metadata
            after = diff_view(staged.schema(), staged.spec(), staged.sort_order(), staged.properties,
                              staged.format_version, None)
            data = prepare_data(staged.schema()) if prepare_data else None
            result = dict(changed=bool(changes), created=False, changes=changes, diff=dict(before=before, after=after))
            if changes and not self.check_mode:
                tbl = txn.commit_transaction()
            return result, tbl, data

        return self.retry(attempt, 'evolving')

    def _create(self, decls, part_decls, sort_decls, properties, fmt_version, location, prepare_data):
        if not decls:
            raise IcebergModuleError('%s does not exist; schema is required to create it.' % self.name)
        schema = build_schema(decls)
        spec = build_partition_spec(schema, part_decls or [])
        order = build_sort_order(schema, sort_decls or [])
        props = dict(properties)
        if fmt_version:
            props['format-version'] = str(fmt_version)
        data = prepare_data(schema) if prepare_data else None
        after = diff_view(schema, spec, order, properties, fmt_version or 2, location)
        parts = ', '.join('%s(%s)' % (d.transform, d.column) for d in (part_decls or [])) or 'unpartitioned'
        result = dict(changed=True, created=True,
                      changes=['create table %s with %d columns, %s' % (self.name, len(schema.fields), parts)],
                      diff=dict(before={}, after=after))
        if self.check_mode:
            return result, None, data
        namespace = self.identifier[:-1]
        if self.params.get('create_namespace', True):
            try:
                self.catalog.create_namespace(namespace)
                result['changes'].insert(0, 'create namespace %s' % '.'.join(namespace))
            except Exception as exc:
                if not (PYICEBERG_IMPORT_ERROR is None and isinstance(exc, ice_exc.NamespaceAlreadyExistsError)):
                    raise IcebergModuleError(describe_catalog_error(exc, self.params, 'creating namespace %s'
                                                                    % '.'.join(namespace)))
        kwargs = dict(schema=schema, partition_spec=spec, sort_order=order, properties=props)
        if location:
            kwargs['location'] = location
        tbl = self.catalog.create_table(self.identifier, **kwargs)
        return result, tbl, data

    # -- data -------------------------------------------------------------------------------------------------------

    def key_committed(self, metadata, key, branch):
        from pyiceberg.table.snapshots import ancestors_of
        head = metadata.snapshot_by_name(branch)
        for snap in ancestors_of(head, metadata):
            if snap.summary is not None and snap.summary.additional_properties.get(IDEMPOTENCY_PROPERTY) == key:
                return snap.snapshot_id
        return None

    def branch_head(self, metadata, branch):
        if branch != MAIN_BRANCH and branch not in metadata.refs:
            raise IcebergModuleError("data.branch: branch '%s' does not exist in %s; create it with branches first."
                                     % (branch, self.name))
        ref = metadata.refs.get(branch)
        if ref is not None and ref.snapshot_ref_type == SnapshotRefType.TAG:
            raise IcebergModuleError("data.branch: '%s' is a tag; writes go to branches." % branch)
        return metadata.snapshot_by_name(branch)

    def write(self, tbl, opts, df):
        """Append / overwrite / delete. df is the conformed Arrow table (None for delete)."""
        mode = opts.get('mode') or 'append'
        branch = opts.get('branch') or MAIN_BRANCH
        key = opts.get('idempotency_key')
        filter_text = opts.get('filter')
        out = OrderedDict([('mode', mode), ('branch', branch)])
        if tbl is None:   # check mode on a table that would be created
            out.update(changed=mode != 'delete' and df is not None and df.num_rows > 0,
                       rows=df.num_rows if df is not None else 0)
            return out
        metadata = tbl.metadata
        self.branch_head(metadata, branch)
        expr = parse_filter(filter_text, 'data.filter')
        bind_filter(tbl.schema(), expr, 'data.filter', filter_text)
        if key:
            landed = self.key_committed(metadata, key, branch)
            if landed is not None:
                out.update(changed=False, skipped=True, snapshot_id=landed,
                           reason='idempotency_key %r was committed in snapshot %d' % (key, landed))
                return out
        head = metadata.snapshot_by_name(branch)
        if mode in ('delete', 'overwrite'):
            matching = 0
            if head is not None:
                matching = tbl.scan(row_filter=expr, snapshot_id=head.snapshot_id).count()
            out['matching_rows'] = matching
            if mode == 'delete' and matching == 0:
                out.update(changed=False)
                return out
        rows = df.num_rows if df is not None else 0
        if df is not None:
            out['rows'] = rows
        if mode == 'append' and rows == 0:
            out.update(changed=False)
            return out
        out['changed'] = True
        if self.check_mode:
            return out
        props = dict((str(k), str(v)) for k, v in (opts.get('snapshot_properties') or {}).items())
        props[OPERATION_ID_PROPERTY] = self.op_id
        if key:
            props[IDEMPOTENCY_PROPERTY] = key
        if mode == 'append':
            committed = self._append(tbl, df, props, branch, key)
        else:
            committed = self._rewrite(tbl, mode, df, expr, props, branch, key)
        out.update(self.summarize(committed))
        self.latest = committed
        return out

    def summarize(self, tbl):
        mine = [s for s in tbl.metadata.snapshots
                if s.summary is not None and s.summary.additional_properties.get(OPERATION_ID_PROPERTY) == self.op_id]
        mine.sort(key=lambda s: s.sequence_number or 0)
        out = OrderedDict([('snapshot_id', mine[-1].snapshot_id if mine else None),
                           ('snapshot_ids', [s.snapshot_id for s in mine])])
        for summary_key, name in SUMMARY_COUNTERS:
            out[name] = sum(int(s.summary.additional_properties.get(summary_key, 0) or 0) for s in mine)
        return out

    def _append(self, tbl, df, props, branch, key):
        """Write the data files once, then commit them with retries; files of a commit that definitely failed are
        deleted, so a conflict never leaves orphans and never loses rows."""
        from pyiceberg.io.pyarrow import _check_pyarrow_schema_compatible, _dataframe_to_data_files
        state = dict(files=None, spec_id=None, tbl=tbl)

        def cleanup():
            if state['files']:
                self.store(state['tbl']).delete([f.file_path for f in state['files']])
                state['files'] = None

        def attempt(n):
            t = state['tbl'] if n == 0 else state['tbl'].refresh()
            state['tbl'] = t
            if n and key and self.key_committed(t.metadata, key, branch) is not None:
                return t  # an earlier attempt landed after all
            self.branch_head(t.metadata, branch)
            if state['files'] is None or state['spec_id'] != t.metadata.default_spec_id:
                cleanup()
                _check_pyarrow_schema_compatible(t.schema(), df.schema,
                                                 format_version=t.metadata.format_version)
                state['files'] = list(_dataframe_to_data_files(table_metadata=t.metadata, df=df, io=t.io,
                                                               write_uuid=uuid_mod.uuid4()))
                state['spec_id'] = t.metadata.default_spec_id
            txn = t.transaction()
            update = txn.update_snapshot(snapshot_properties=props, branch=branch)
            merge = str(t.properties.get('commit.manifest-merge.enabled', 'false')).lower() == 'true'
            with (update.merge_append() if merge else update.fast_append()) as append:
                for data_file in state['files']:
                    append.append_data_file(data_file)
            return txn.commit_transaction()

        try:
            return self.retry(attempt, 'appending to')
        except IcebergModuleError as exc:
            if exc.definite:
                cleanup()
            raise

    def _rewrite(self, tbl, mode, df, expr, props, branch, key):
        state = dict(tbl=tbl)

        def attempt(n):
            t = state['tbl'] if n == 0 else state['tbl'].refresh()
            state['tbl'] = t
            if n and key and self.key_committed(t.metadata, key, branch) is not None:
                return t
            txn = t.transaction()
            if mode == 'overwrite':
                txn.overwrite(df, overwrite_filter=expr, snapshot_properties=props, branch=branch)
            else:
                txn.delete(delete_filter=expr, snapshot_properties=props, branch=branch)
            return txn.commit_transaction()

        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            return self.retry(attempt, '%s of rows in' % mode)

    # -- refs / rollback --------------------------------------------------------------------------------------------

    def plan_refs(self, metadata, tags, branches, rollback):
        """Validate and plan ref changes. Returns (ops, changes). Raises before anything is committed."""
        ops, changes = [], []
        current = metadata.current_snapshot()
        for kind, items in (('tag', tags or []), ('branch', branches or [])):
            for index, item in enumerate(items):
                where = '%ss[%d]' % (kind, index)
                name = item.get('name')
                if not name:
                    raise IcebergModuleError('%s: name is required.' % where)
                existing = metadata.refs.get(name)
                existing_kind = None
                if existing is not None:
                    existing_kind = 'tag' if existing.snapshot_ref_type == SnapshotRefType.TAG else 'branch'
                    if existing_kind != kind:
                        raise IcebergModuleError("%s: '%s' is a %s, not a %s." % (where, name, existing_kind, kind))
                if (item.get('state') or 'present') == 'absent':
                    if name == MAIN_BRANCH:
                        raise IcebergModuleError('%s: the main branch cannot be removed.' % where)
                    if existing is not None:
                        ops.append(('remove_' + kind, name))
                        changes.append('remove %s %s (was at snapshot %d)' % (kind, name, existing.snapshot_id))
                    continue
                if item.get('snapshot_id') is not None:
                    target = resolve_snapshot(metadata, where, snapshot_id=item['snapshot_id'], table_name=self.name)
                elif item.get('ref') is not None:
                    target = resolve_snapshot(metadata, where, ref=item['ref'], table_name=self.name)
                elif existing is not None:
                    target = metadata.snapshot_by_id(existing.snapshot_id)
                else:
                    target = current
                if target is None:
                    raise IcebergModuleError('%s: %s has no snapshot yet to point %s %s at.'
                                             % (where, self.name, kind, name))
                retention_keys = ('max_ref_age_ms', 'max_snapshot_age_ms', 'min_snapshots_to_keep')
                retention = dict((k, item.get(k)) for k in retention_keys if item.get(k) is not None)
                if kind == 'tag':
                    retention.pop('max_snapshot_age_ms', None)
                    retention.pop('min_snapshots_to_keep', None)
                differs = existing is None or existing.snapshot_id != target.snapshot_id or any(
                    getattr(existing, k) != v for k, v in retention.items())
                if differs:
                    ops.append(('set_' + kind, name, target.snapshot_id, retention))
                    if existing is None:
                        changes.append('create %s %s at snapshot %d' % (kind, name, target.snapshot_id))
                    else:
                        changes.append('move %s %s from snapshot %d to %d' % (kind, name, existing.snapshot_id,
                                                                              target.snapshot_id))
        if rollback:
            target = resolve_snapshot(metadata, 'rollback', rollback.get('snapshot_id'), rollback.get('timestamp'),
                                      rollback.get('ref'), self.name)
            if target is None:
                raise IcebergModuleError('rollback: give snapshot_id, timestamp or ref.')
            if current is None or current.snapshot_id != target.snapshot_id:
                ops.append(('rollback', target.snapshot_id))
                changes.append('set the current snapshot of main to %d (was %s)'
                               % (target.snapshot_id, current.snapshot_id if current else 'none'))
        return ops, changes

    def apply_refs(self, tbl, tags, branches, rollback):
        from pyiceberg.table.update.snapshot import ManageSnapshots
        state = dict(result=None)

        def attempt(n):
            t = tbl if n == 0 else tbl.refresh()
            ops, changes = self.plan_refs(t.metadata, tags, branches, rollback)
            state['result'] = dict(changed=bool(ops), changes=changes)
            if not ops or self.check_mode:
                return t
            txn = t.transaction()
            manage = ManageSnapshots(txn)
            for op in ops:
                if op[0] in ('remove_tag', 'remove_branch'):
                    manage = manage.remove_tag(op[1]) if op[0] == 'remove_tag' else manage.remove_branch(op[1])
            for op in ops:
                if op[0] == 'set_tag':
                    manage = manage.create_tag(op[2], op[1], max_ref_age_ms=op[3].get('max_ref_age_ms'))
                elif op[0] == 'set_branch':
                    manage = manage.create_branch(op[2], op[1], **op[3])
                elif op[0] == 'rollback':
                    manage = manage.set_current_snapshot(snapshot_id=op[1])
            manage.commit()
            return txn.commit_transaction()

        tbl = self.retry(attempt, 'updating refs of')
        return state['result'], tbl

    # -- maintenance: expire snapshots and delete what they alone reached -------------------------------------------

    def expire_snapshots(self, tbl, opts, max_listed=1000):
        """Expire snapshots (metadata commit) and delete the manifest lists, manifests, data and delete files that
        no retained snapshot reaches.

        Safety: the commit asserts that no ref moved since the snapshots were selected (a concurrent commit makes it
        retry and re-select). Files are computed as (reached by expired snapshots) minus (reached by every snapshot of
        the metadata *after* the commit, re-read once more just before deleting); only files under the table's
        locations are deleted. A writer whose commit is in flight bases it on a branch head, which is never expired;
        if the head moved, its commit fails the catalog's ref check and is rebuilt on the new head.
        """
        from pyiceberg.table.update import AssertRefSnapshotId, RemoveSnapshotsUpdate
        now_ms = int(time.time() * 1000)
        props = tbl.properties
        explicit_ids = opts.get('snapshot_ids') or []
        age_given = opts.get('older_than') is not None or opts.get('retain_last') is not None
        if opts.get('older_than') is not None:
            older_than_ms = parse_point_in_time(opts['older_than'], 'expire_snapshots.older_than', now_ms)
        elif explicit_ids and not age_given:
            older_than_ms = None
        else:
            older_than_ms = now_ms - int(props.get('history.expire.max-snapshot-age-ms', 5 * 86400 * 1000))
        retain_last = opts.get('retain_last')
        if retain_last is None and (age_given or not explicit_ids):
            retain_last = int(props.get('history.expire.min-snapshots-to-keep', 1))
        if retain_last is not None and retain_last < 1:
            raise IcebergModuleError('expire_snapshots.retain_last must be at least 1.')
        delete_files = opts.get('delete_files', True)
        state = {}

        def attempt(n):
            t = tbl if n == 0 else tbl.refresh()
            before = t.metadata
            expire, retained = select_snapshots_to_expire(snapshot_infos(before), ref_infos(before), now_ms,
                                                          older_than_ms, retain_last, explicit_ids)
            state.update(before=before, expire=expire, table=t, retained=retained)
            if not expire or self.check_mode:
                return t
            txn = t.transaction()
            requirements = tuple(AssertRefSnapshotId(snapshot_id=ref.snapshot_id, ref=name)
                                 for name, ref in before.refs.items())
            txn._stage((RemoveSnapshotsUpdate(snapshot_ids=sorted(expire)),), requirements)
            return txn.commit_transaction()

        after_tbl = self.retry(attempt, 'expiring snapshots of')
        before, expire = state['before'], state['expire']
        out = OrderedDict([('changed', bool(expire)), ('expired_snapshot_ids', sorted(expire)),
                           ('retained_snapshot_ids', sorted(s.snapshot_id for s in before.snapshots
                                                            if s.snapshot_id not in expire)),
                           ('older_than', ms_to_iso(older_than_ms) if older_than_ms is not None else None),
                           ('retain_last', retain_last)])
        if not expire or not delete_files:
            out['deleted_files'] = count_file_sets(empty_file_sets()) if delete_files else None
            return out, after_tbl
        reader = ManifestReader(after_tbl.io)
        expired_snaps = [s for s in before.snapshots if s.snapshot_id in expire]
        gone = reader.snapshots_files(expired_snaps, live_only=True)
        for stats in list(before.statistics or []) + list(getattr(before, 'partition_statistics', None) or []):
            if getattr(stats, 'snapshot_id', None) in expire:
                gone['statistics_files'].add(norm_uri(stats.statistics_path))
        if self.check_mode:
            remaining = [s for s in before.snapshots if s.snapshot_id not in expire]
            keep = union_file_sets(reader.snapshots_files(remaining, live_only=True),
                                   metadata_reachable(before, after_tbl.metadata_location))
        else:
            keep = union_file_sets(reader.snapshots_files(after_tbl.metadata.snapshots, live_only=True),
                                   metadata_reachable(after_tbl.metadata, after_tbl.metadata_location))
            latest = after_tbl.refresh()
            known = set(s.snapshot_id for s in after_tbl.metadata.snapshots)
            newer = [s for s in latest.metadata.snapshots if s.snapshot_id not in known]
            keep = union_file_sets(keep, reader.snapshots_files(newer, live_only=True),
                                   metadata_reachable(latest.metadata, latest.metadata_location))
            after_tbl = latest
        doomed = subtract_file_sets(gone, keep)
        prefixes = self.table_prefixes(after_tbl)
        outside = sorted(p for kind in FILE_KINDS for p in doomed[kind] if not under(p, prefixes))
        for kind in FILE_KINDS:
            doomed[kind] = set(p for p in doomed[kind] if under(p, prefixes))
        out['deleted_files'] = count_file_sets(doomed)
        out['deleted_paths'] = sorted(p for kind in FILE_KINDS for p in doomed[kind])[:max_listed]
        if outside:
            out['kept_outside_location'] = outside[:max_listed]
            self.warn('expire_snapshots: %d unreachable files are outside the table location and were kept, e.g. %s'
                      % (len(outside), outside[0]))
        if not self.check_mode:
            deleted, errors = self.store(after_tbl).delete(sorted(p for kind in FILE_KINDS for p in doomed[kind]))
            out['deleted_count'] = len(deleted)
            if errors:
                out['delete_errors'] = errors[:max_listed]
                self.warn('expire_snapshots: %d files could not be deleted (they are orphans now; remove_orphan_files '
                          'will retry), first: %s' % (len(errors), errors[0]))
        return out, after_tbl

    # -- maintenance: orphan files ---------------------------------------------------------------------------------

    def remove_orphan_files(self, tbl, opts):
        guard_s = parse_duration(opts.get('older_than') or DEFAULT_ORPHAN_GUARD, 'remove_orphan_files.older_than',
                                 error=IcebergModuleError)
        if guard_s < MIN_ORPHAN_GUARD_SECONDS:
            raise IcebergModuleError('remove_orphan_files.older_than must be at least %ds: younger files may belong to '
                                     'commits in flight.' % MIN_ORPHAN_GUARD_SECONDS)
        if guard_s < 86400:
            self.warn('remove_orphan_files: a guard age below 1 day (%s) can delete files of long-running writes '
                      'that have not committed yet.' % opts.get('older_than'))
        dry_run = bool(opts.get('dry_run')) or self.check_mode
        max_listed = int(opts.get('max_listed') or 1000)
        now_s = time.time()
        tbl = tbl.refresh()
        prefixes = self.table_prefixes(tbl)
        reader = ManifestReader(tbl.io)
        live = union_file_sets(reader.snapshots_files(tbl.metadata.snapshots, live_only=True))
        reachable = union_file_sets(reader.snapshots_files(tbl.metadata.snapshots, live_only=False),
                                    metadata_reachable(tbl.metadata, tbl.metadata_location))
        reachable_all = set(p for kind in FILE_KINDS for p in reachable[kind])
        protected = self._nested_table_prefixes(tbl, prefixes)
        store = self.store(tbl)
        listing = []
        for prefix in prefixes:
            listing.extend(store.list(prefix.rstrip('/')))
        listed = set(uri for uri, unused, unused in listing)
        # Self-check: every file a snapshot reads (and the current metadata file) must be in the listing, else the
        # listing and the metadata do not speak about the same paths and nothing may be deleted.
        expected = set(p for kind in ('manifest_lists', 'manifests', 'data_files', 'delete_files') for p in live[kind])
        expected.add(norm_uri(tbl.metadata_location))
        missing = sorted(p for p in expected if under(p, prefixes) and p not in listed)
        if missing:
            raise IcebergModuleError('remove_orphan_files: %d files referenced by %s are not in the listing of %s (e.g. '
                                     '%s); refusing to delete anything.' % (len(missing), self.name,
                                                                            ', '.join(prefixes), missing[0]))
        orphans, recent = select_orphans(listing, reachable_all, protected, now_s, guard_s)
        if orphans and not dry_run:
            # re-read the metadata right before deleting: anything committed meanwhile is kept
            latest = tbl.refresh()
            known = set(s.snapshot_id for s in tbl.metadata.snapshots)
            newer = [s for s in latest.metadata.snapshots if s.snapshot_id not in known]
            extra = union_file_sets(reader.snapshots_files(newer, live_only=False),
                                    metadata_reachable(latest.metadata, latest.metadata_location))
            extra_all = set(p for kind in FILE_KINDS for p in extra[kind])
            orphans = [o for o in orphans if o[0] not in extra_all]
        out = OrderedDict([('dry_run', dry_run), ('older_than', opts.get('older_than') or DEFAULT_ORPHAN_GUARD),
                           ('scanned_prefixes', prefixes), ('listed_files', len(listing)),
                           ('orphan_count', len(orphans)), ('orphan_bytes', sum(o[1] for o in orphans)),
                           ('kept_recent_count', len(recent)),
                           ('orphan_files', [OrderedDict([('path', o[0]), ('size', o[1]),
                                                          ('modified', datetime.datetime.fromtimestamp(
                                                              o[2], tz=datetime.timezone.utc).isoformat())])
                                             for o in sorted(orphans)[:max_listed]]),
                           ('changed', bool(orphans) and not dry_run)])
        if protected:
            out['skipped_nested_tables'] = sorted(protected)
        if orphans and not dry_run:
            deleted, errors = store.delete([o[0] for o in orphans])
            out['deleted_count'] = len(deleted)
            if errors:
                out['delete_errors'] = errors[:max_listed]
                self.warn('remove_orphan_files: %d files could not be deleted, first: %s' % (len(errors), errors[0]))
        return out

    def _nested_table_prefixes(self, tbl, prefixes):
        """Locations of other tables of the same namespace that lie under this table's location."""
        nested = []
        try:
            others = self.catalog.list_tables(self.identifier[:-1])
        except Exception as exc:
            self.warn('remove_orphan_files: could not list the tables of the namespace (%s); tables nested under this '
                      'table location would not be detected.' % one_line(exc, 200))
            return nested
        for ident in others:
            if tuple(ident) == tuple(self.identifier):
                continue
            try:
                other = self.catalog.load_table(ident)
            except Exception:
                continue
            p = location_prefix(other.location())
            if under(p, prefixes):
                nested.append(p)
        return nested

    # -- maintenance: compaction -----------------------------------------------------------------------------------

    def compact(self, tbl, opts):
        """Rewrite the small data files of each partition matched by `filter` into fewer files.

        Exactly: files whose rows may match the filter (partition pruning + column metrics) are planned on the
        current snapshot of main; files without delete files and smaller than small_file_size_mb are grouped by
        (spec, partition); each group with at least min_input_files files is read whole (every row, not only the
        matching ones), concatenated and written again with the table's current spec and write properties. One
        "overwrite" snapshot removes the old files and adds the new ones, after checking that the row counts match.
        Guarantees: the table holds exactly the same rows afterwards; older snapshots still read the old files
        (storage is freed when they are expired); a concurrent commit that removed one of the input files makes the
        compaction fail (nothing committed, its new files deleted); a concurrent append makes it start over.
        Rows are not re-sorted.
        """
        from pyiceberg.io.pyarrow import ArrowScan, _dataframe_to_data_files
        from pyiceberg.table import FileScanTask
        expr = parse_filter(opts.get('filter'), 'compact.filter')
        bind_filter(tbl.schema(), expr, 'compact.filter', opts.get('filter'))
        target = int(float(opts.get('target_file_size_mb') or 0) * 1024 * 1024) or int(
            tbl.properties.get('write.target-file-size-bytes', 512 * 1024 * 1024))
        small = int(float(opts.get('small_file_size_mb') or 0) * 1024 * 1024) or int(target * 0.75)
        min_files = int(opts.get('min_input_files') or 5)
        if min_files < 2:
            raise IcebergModuleError('compact.min_input_files must be at least 2.')
        state = dict(new_files=[], result=None, tbl=tbl)

        def cleanup():
            if state['new_files']:
                self.store(state['tbl']).delete([f.file_path for f in state['new_files']])
                state['new_files'] = []

        def attempt(n):
            t = tbl if n == 0 else tbl.refresh()
            state['tbl'] = t
            snap = t.current_snapshot()
            result = OrderedDict([('changed', False), ('groups', 0), ('input_files', 0), ('input_bytes', 0),
                                  ('output_files', 0), ('rows', 0), ('skipped_with_deletes', 0)])
            state['result'] = result
            if snap is None:
                return t
            groups = OrderedDict()
            for task in t.scan(row_filter=expr, snapshot_id=snap.snapshot_id).plan_files():
                data_file = task.file
                if task.delete_files:
                    result['skipped_with_deletes'] += 1
                    continue
                if data_file.file_size_in_bytes >= small:
                    continue
                groups.setdefault((data_file.spec_id, repr(data_file.partition)), []).append(data_file)
            groups = OrderedDict((k, v) for k, v in groups.items() if len(v) >= min_files)
            if not groups:
                return t
            result.update(changed=True, groups=len(groups), input_files=sum(len(v) for v in groups.values()),
                          input_bytes=sum(f.file_size_in_bytes for v in groups.values() for f in v),
                          rows=sum(f.record_count for v in groups.values() for f in v))
            if self.check_mode:
                return t
            write_uuid = uuid_mod.uuid4()
            counter = itertools.count(0)
            old_files = []
            for files in groups.values():
                scan = ArrowScan(table_metadata=t.metadata, io=t.io, projected_schema=t.schema(), row_filter=AlwaysTrue())
                arrow = scan.to_table([FileScanTask(f) for f in files])
                expected = sum(f.record_count for f in files)
                if arrow.num_rows != expected:
                    cleanup()
                    raise IcebergModuleError('compact: read %d rows from %d files whose metadata says %d; nothing was '
                                             'committed.' % (arrow.num_rows, len(files), expected))
                written = list(_dataframe_to_data_files(table_metadata=t.metadata, df=arrow, io=t.io,
                                                        write_uuid=write_uuid, counter=counter))
                state['new_files'].extend(written)
                if sum(f.record_count for f in written) != expected:
                    cleanup()
                    raise IcebergModuleError('compact: wrote a different number of rows than read; nothing was '
                                             'committed.')
                old_files.extend(files)
            result['output_files'] = len(state['new_files'])
            txn = t.transaction()
            props = {COMPACTION_PROPERTY: 'true', OPERATION_ID_PROPERTY: self.op_id}
            with txn.update_snapshot(snapshot_properties=props).overwrite() as rewrite:
                for f in old_files:
                    rewrite.delete_data_file(f)
                for f in state['new_files']:
                    rewrite.append_data_file(f)
            try:
                committed = txn.commit_transaction()
            except Exception as exc:
                if is_conflict(exc):
                    cleanup()  # definitely not committed
                raise
            state['new_files'] = []
            return committed

        tbl = self.retry(attempt, 'compacting')
        result = state['result']
        if result.get('changed') and not self.check_mode:
            result.update(snapshot_id=tbl.current_snapshot().snapshot_id)
        return result, tbl


# ---------------------------------------------------------------------------------------------------------------------
# Entry points for the modules
# ---------------------------------------------------------------------------------------------------------------------

def table_argument_spec():
    """Options of iceberg_table on top of the catalog connection spec."""
    ref_options = dict(
        name=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        snapshot_id=dict(type='int'),
        ref=dict(type='str'),
        max_ref_age_ms=dict(type='int'),
        max_snapshot_age_ms=dict(type='int'),
        min_snapshots_to_keep=dict(type='int'),
    )
    spec = iceberg_catalog_argument_spec()
    spec.update(
        namespace=dict(type='str', required=True),
        name=dict(type='str', required=True, aliases=['table']),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        purge=dict(type='bool', default=False),
        create_namespace=dict(type='bool', default=True),
        schema=dict(type='list', elements='dict', options=dict(
            name=dict(type='str', required=True),
            type=dict(type='raw', required=True),
            required=dict(type='bool', default=False),
            doc=dict(type='str'),
            rename_from=dict(type='str'),
            fields=dict(type='list', elements='dict'),
            element=dict(type='raw'),
            element_required=dict(type='bool', default=False),
            key=dict(type='raw', no_log=False),
            value=dict(type='raw'),
            value_required=dict(type='bool', default=False),
            id=dict(type='int'),
            type_string=dict(type='str'),
        )),
        partition_spec=dict(type='list', elements='raw'),
        sort_order=dict(type='list', elements='raw'),
        location=dict(type='str'),
        format_version=dict(type='int', choices=[1, 2, 3]),
        properties=dict(type='dict', default={}),
        purge_properties=dict(type='bool', default=False),
        purge_columns=dict(type='bool', default=True),
        allow_breaking_changes=dict(type='list', elements='str', default=[], choices=list(BREAKING_CHANGE_KINDS)),
        data=dict(type='dict', options=dict(
            mode=dict(type='str', default='append', choices=['append', 'overwrite', 'delete']),
            rows=dict(type='list', elements='dict'),
            src=dict(type='path'),
            format=dict(type='str', default='auto', choices=['auto', 'parquet', 'csv', 'json']),
            filter=dict(type='str'),
            branch=dict(type='str', default=MAIN_BRANCH),
            idempotency_key=dict(type='str', no_log=False),
            snapshot_properties=dict(type='dict', default={}),
        ), mutually_exclusive=[['rows', 'src']]),
        tags=dict(type='list', elements='dict', options=dict((k, v) for k, v in ref_options.items()
                                                             if k not in ('max_snapshot_age_ms', 'min_snapshots_to_keep'))),
        branches=dict(type='list', elements='dict', options=ref_options),
        rollback=dict(type='dict', options=dict(
            snapshot_id=dict(type='int'), timestamp=dict(type='raw'), ref=dict(type='str'),
        ), mutually_exclusive=[['snapshot_id', 'timestamp', 'ref']],
            required_one_of=[['snapshot_id', 'timestamp', 'ref']]),
        compact=dict(type='dict', options=dict(
            filter=dict(type='str'),
            target_file_size_mb=dict(type='float'),
            small_file_size_mb=dict(type='float'),
            min_input_files=dict(type='int', default=5),
        )),
        expire_snapshots=dict(type='dict', options=dict(
            older_than=dict(type='raw'),
            retain_last=dict(type='int'),
            snapshot_ids=dict(type='list', elements='int'),
            delete_files=dict(type='bool', default=True),
        )),
        remove_orphan_files=dict(type='dict', options=dict(
            older_than=dict(type='str', default=DEFAULT_ORPHAN_GUARD),
            dry_run=dict(type='bool', default=False),
            max_listed=dict(type='int', default=1000),
        )),
    )
    return spec


def info_argument_spec():
    spec = iceberg_catalog_argument_spec()
    spec.update(
        namespace=dict(type='str', required=True),
        name=dict(type='str', required=True, aliases=['table']),
        files=dict(type='bool', default=True),
        snapshots=dict(type='bool', default=True),
        query=dict(type='dict', options=dict(
            snapshot_id=dict(type='int'), timestamp=dict(type='raw'), ref=dict(type='str'),
            filter=dict(type='str'), columns=dict(type='list', elements='str'), limit=dict(type='int', default=100),
        ), mutually_exclusive=[['snapshot_id', 'timestamp', 'ref']]),
    )
    return spec


def run_table(params, check_mode=False, warn=None):
    """iceberg_table: returns the result dict (raises IcebergModuleError with a one-line message)."""
    mgr = IcebergTable(params, check_mode=check_mode, warn=warn)
    result = OrderedDict([('changed', False), ('table', mgr.name), ('changes', [])])
    if params.get('state') == 'absent':
        res = mgr.ensure_absent(params.get('purge'))
        result.update(res)
        if res.get('changed'):
            result['changes'].append('drop table %s%s' % (mgr.name, ' and purge its files' if params.get('purge') else ''))
        return result
    decls = parse_schema_decl(params['schema']) if params.get('schema') else None
    part_decls = parse_partition_decl(params['partition_spec']) if params.get('partition_spec') is not None else None
    sort_decls = parse_sort_decl(params['sort_order']) if params.get('sort_order') is not None else None
    properties = stringify_properties(params.get('properties'))
    data_opts = params.get('data')
    if data_opts:
        mode = data_opts.get('mode') or 'append'
        if mode == 'delete':
            if data_opts.get('rows') is not None or data_opts.get('src'):
                raise IcebergModuleError('data: mode delete takes a filter, not rows or src.')
            if not data_opts.get('filter'):
                raise IcebergModuleError('data: mode delete needs a filter (use "true" to delete every row).')
        elif data_opts.get('rows') is None and not data_opts.get('src'):
            raise IcebergModuleError('data: mode %s needs rows or src.' % mode)
        if mode == 'append' and data_opts.get('filter'):
            raise IcebergModuleError('data: filter is for mode overwrite or delete.')
        parse_filter(data_opts.get('filter'), 'data.filter')
    tags, branches, rollback = params.get('tags'), params.get('branches'), params.get('rollback')

    existing = mgr.load()
    if existing is not None and (tags or branches or rollback):
        mgr.plan_refs(existing.metadata, tags, branches, rollback)   # validation only: raises before any commit
    elif existing is None and (rollback or any(i.get('snapshot_id') is not None or i.get('ref') is not None
                                               for i in (tags or []) + (branches or []))):
        raise IcebergModuleError('%s does not exist yet, so no snapshot id, ref or rollback can refer to it.' % mgr.name)

    cache = {}

    def prepare(schema):
        if not data_opts or (data_opts.get('mode') == 'delete'):
            return None
        key = json.dumps(schema_to_data(schema), sort_keys=True, default=str)
        if key not in cache:
            if data_opts.get('src'):
                cache.clear()
                cache[key] = read_source_file(data_opts['src'], data_opts.get('format'), schema)
            else:
                cache.clear()
                cache[key] = rows_to_arrow(data_opts['rows'], schema, 'data.rows')
        return cache[key]

    res, tbl, df = mgr.ensure_present(decls, part_decls, sort_decls, properties, prepare, loaded=(existing,))
    result['changed'] = res['changed']
    result['created'] = res.get('created', False)
    result['changes'].extend(res['changes'])
    result['diff'] = res.get('diff')

    def step(name, fn):
        out, new_tbl = fn()
        result[name] = out
        if out.get('changed'):
            result['changed'] = True
        return new_tbl

    if data_opts:
        out = mgr.write(tbl, data_opts, df)
        result['data'] = out
        if out.get('changed'):
            result['changed'] = True
            verb = {'append': 'append %s rows' % out.get('rows'), 'overwrite': 'overwrite rows matching %r with %s rows'
                    % (data_opts.get('filter') or 'true', out.get('rows')),
                    'delete': 'delete %s rows matching %r' % (out.get('matching_rows'), data_opts.get('filter'))}
            result['changes'].append(verb[out['mode']] + ('' if out['branch'] == MAIN_BRANCH else ' on branch %s'
                                                          % out['branch']))
            if tbl is not None and not check_mode:
                tbl = getattr(mgr, 'latest', None) or tbl.refresh()
    if tbl is None:
        later_steps = ('compact', 'tags', 'branches', 'rollback', 'expire_snapshots', 'remove_orphan_files')
        if any(params.get(k) for k in later_steps):
            result['skipped'] = 'the table does not exist yet (check mode): snapshot and maintenance steps not planned'
        return result
    if params.get('compact'):
        tbl = step('compaction', lambda: mgr.compact(tbl, params['compact']))
        if result['compaction'].get('changed'):
            c = result['compaction']
            result['changes'].append('compact %d small files in %d partitions' % (c['input_files'], c['groups']))
    if tags or branches or rollback:
        tbl = step('refs', lambda: mgr.apply_refs(tbl, tags, branches, rollback))
        result['changes'].extend(result['refs']['changes'])
    if params.get('expire_snapshots'):
        tbl = step('expire', lambda: mgr.expire_snapshots(tbl, params['expire_snapshots']))
        e = result['expire']
        if e.get('changed'):
            result['changes'].append('expire %d snapshots and delete %d files they alone reached'
                                     % (len(e['expired_snapshot_ids']), sum((e.get('deleted_files') or {}).values())))
    if params.get('remove_orphan_files'):
        out = mgr.remove_orphan_files(tbl, params['remove_orphan_files'])
        result['orphans'] = out
        if out.get('changed'):
            result['changed'] = True
            result['changes'].append('delete %d orphan files (%d bytes)' % (out['orphan_count'], out['orphan_bytes']))
    if not check_mode and (params.get('remove_orphan_files') or params.get('expire_snapshots')):
        tbl = tbl.refresh()
    current = tbl.current_snapshot()
    result['location'] = tbl.location()
    result['metadata_location'] = tbl.metadata_location
    result['current_snapshot_id'] = current.snapshot_id if current else None
    result['schema'] = schema_to_data(tbl.schema())
    result['partition_spec'] = spec_to_data(tbl.spec(), tbl.schema())
    result['properties'] = dict(tbl.properties)
    return result


def describe_unexpected(params, label):
    """The one-line description of an unexpected exception of iceberg_table / iceberg_table_info."""
    return lambda exc: describe_catalog_error(exc, params, label)


def run_info(params):
    apply_s3_environment(params)
    identifier = split_identifier(params.get('namespace'), params.get('name'))
    name = identifier_text(identifier)
    started = time.monotonic()
    catalog = connect(params)
    connected = time.monotonic()
    tbl = load_table_or_none(catalog, identifier, params)
    if tbl is None:
        return OrderedDict([('changed', False), ('exists', False), ('table', name)])
    out = OrderedDict([('changed', False), ('exists', True)])
    try:
        out.update(describe_table(tbl, include_files=params.get('files', True),
                                  include_snapshots=params.get('snapshots', True)))
        # The metadata query: loading the table (catalog lookup + metadata file) and, with files, its manifests.
        # Connecting to the catalog comes before (once per process), reading rows after.
        metadata_done = time.monotonic()
        if params.get('query') is not None:
            out['query'] = read_rows(tbl, params['query'], name)
    except IcebergModuleError:
        raise
    except Exception as exc:
        raise IcebergModuleError(describe_catalog_error(exc, params, 'reading %s' % name))
    out['timings'] = OrderedDict([('connect_seconds', round(connected - started, 3)),
                                  ('metadata_seconds', round(metadata_done - connected, 3)),
                                  ('query_seconds', round(time.monotonic() - metadata_done, 3))])
    return out
