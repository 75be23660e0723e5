# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Iceberg catalog connection layer: the guarded pyiceberg/pyarrow imports (ICEBERG_REQUIREMENT,
check_requirements), connecting to the catalog the options describe (options.py), the one-line, actionable
description of a catalog error, and loading a table.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import traceback

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import one_line
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.errors import IcebergModuleError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.options import (
    apply_s3_environment,
    catalog_properties,
    identifier_text,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.errors import is_bucket_missing

PYICEBERG_IMPORT_ERROR = None
try:
    # pyarrow is PyIceberg's FileIO and carries every read and write of the package: it is required with pyiceberg.
    import pyarrow  # noqa: F401 pylint: disable=unused-import
    from pyiceberg import exceptions as ice_exc
    from pyiceberg.catalog import load_catalog
except ImportError:
    PYICEBERG_IMPORT_ERROR = traceback.format_exc()


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
        if isinstance(exc, ice_exc.BadRequestError) and _is_vending_refusal(text, params):
            return ('%s failed: vended credentials were asked for (header X-Iceberg-Access-Delegation: %s) but the '
                    'catalog has none to vend (%s): its storage is stsUnavailable or has no STS role; remove '
                    'header.X-Iceberg-Access-Delegation from catalog_properties (the client then uses its own S3 '
                    'keys) or configure STS on the catalog storage (sts_unavailable false and a role_arn)%s.'
                    % (action, _delegation_header(params) or 'vended-credentials', text,
                       '' if action.startswith(('loading', 'reading')) else
                       '; a table being created may exist now (Polaris 1.4.1 commits the create, then refuses)'))
        if isinstance(exc, ice_exc.RESTError) and _is_realm_refusal(text):
            return ('%s failed: the catalog at %s does not know the realm %s (%s); check realm (sent in the %s '
                    'header) against the realms the Polaris server serves.'
                    % (action, uri, repr(params.get('realm')) if params.get('realm') else '(none sent)', text,
                       params.get('realm_header') or 'Polaris-Realm'))
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
    if params.get('catalog_type') == 'hive':
        hive = describe_hive_error(exc, text, uri, action)
        if hive:
            return hive
    if name in ('ConnectionError', 'ConnectTimeout', 'MaxRetryError', 'NewConnectionError'):
        return '%s failed: could not connect to the catalog at %s; check catalog_uri and that the service runs (%s).' % (
            action, uri, text)
    if name == 'OperationalError':
        return describe_sql_catalog_error(text, params, action)
    if name == 'NoSuchModuleError' or 'Could not load' in text:
        return '%s failed: %s; check catalog_type and catalog_uri.' % (action, text)
    if isinstance(exc, OSError) and ('AWS Error' in text or 'S3' in text or 'curl' in text.lower()):
        return '%s failed in S3 storage: %s%s' % (action, text, _s3_hint(text))
    return '%s failed: %s: %s' % (action, name, text)


def describe_hive_error(exc, text, uri, action):
    """A Thrift error of the Hive metastore client (None when it is something else)."""
    name = exc.__class__.__name__
    if name == 'TTransportException' or (isinstance(exc, OSError) and 'thrift' in type(exc).__module__):
        low = text.lower()
        if 'could not connect' in low or 'refused' in low or 'timed out' in low:
            return ('%s failed: could not connect to the Hive metastore at %s (%s); check catalog_uri '
                    '(thrift://HOST:PORT) and that the metastore runs (the local stack\'s hive_metastore service: '
                    'local_stack_hive_metastore=true).' % (action, uri, text))
        return ('%s failed: the server at %s closed the Thrift connection (%s); check that catalog_uri is the Hive '
                'metastore\'s Thrift port, else see the metastore\'s log.' % (action, uri, text))
    if isinstance(exc, FileNotFoundError) and 'metadata' in text:
        return ('%s failed: the metastore names a metadata file that is gone from storage (%s); restore it (or the '
                'bucket) from a backup, or remove the stale entry from the metastore (DROP TABLE in Spark or beeline, '
                'or PyIceberg catalog.drop_table, which does not read the file).' % (action, text))
    if name in ('MetaException', 'InvalidObjectException', 'InvalidOperationException', 'TApplicationException'):
        hint = ''
        if 'No FileSystem for scheme' in text:
            hint = '; the metastore has no Hadoop FileSystem for that scheme (the local stack\'s has S3A for s3://)'
        elif 'Invalid method name' in text:
            hint = '; the metastore lacks a call PyIceberg 0.12 makes (HMS 4.0.1 dropped get_table: use 4.0.0)'
        return '%s failed in the Hive metastore at %s: %s: %s%s.' % (action, uri, name, text.rstrip('.'), hint)
    return None


def describe_sql_catalog_error(text, params, action):
    """An SQLAlchemy OperationalError of the SQL catalog: the password, the user, the database or the server."""
    low = text.lower()
    user = _sql_uri_user(params.get('catalog_uri'))
    if 'password authentication failed' in low or 'access denied for user' in low:
        return ('%s failed: the SQL catalog database rejected the password of user "%s"; check catalog_password '
                '(or the password in catalog_uri).' % (action, user))
    if 'no password supplied' in low:
        return ('%s failed: the SQL catalog database wants a password for user "%s" and none was given; set '
                'catalog_password.' % (action, user))
    match = re.search(r'database "([^"]+)" does not exist', text)
    if match:
        return ('%s failed: the SQL catalog database "%s" does not exist; create it or fix the database in '
                'catalog_uri.' % (action, match.group(1)))
    match = re.search(r'role "([^"]+)" does not exist', text)
    if match:
        return '%s failed: the SQL catalog user "%s" does not exist; fix the user in catalog_uri.' % (
            action, match.group(1))
    if 'connection refused' in low or 'could not connect' in low or 'timeout expired' in low:
        return ('%s failed: could not connect to the SQL catalog database (%s); check the host and port in '
                'catalog_uri and that the server runs.' % (action, text))
    return '%s failed: the SQL catalog database is not usable (%s); check catalog_uri.' % (action, text)


def _sql_uri_user(uri):
    match = re.match(r'^[^:]+://([^:@/]+)[:@]', uri or '')
    return match.group(1) if match else 'of catalog_uri'


def _delegation_header(params):
    """The X-Iceberg-Access-Delegation value the user asked for through catalog_properties (None if not asked)."""
    for key, value in (params.get('catalog_properties') or {}).items():
        if str(key).lower() == 'header.x-iceberg-access-delegation' and value:
            return str(value)
    return None


def _is_vending_refusal(text, params):
    # Polaris 1.4.1: 400 IllegalArgumentException "Credential vending was requested for table ns.t, but no
    # credentials are available" (a catalog with stsUnavailable, asked with X-Iceberg-Access-Delegation).
    lowered = text.lower()
    if 'credential vending' in lowered or ('vend' in lowered and 'credential' in lowered):
        return True
    return bool(_delegation_header(params)) and 'credential' in lowered


def _is_realm_refusal(text):
    # Polaris 1.4.1: 404 {"type": "MissingOrInvalidRealm", "message": "Missing or invalid realm"}, on the token
    # endpoint and on every catalog call.
    return 'MissingOrInvalidRealm' in text or 'invalid realm' in text.lower()


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


def load_table_or_none(catalog, identifier, params):
    try:
        return catalog.load_table(identifier)
    except Exception as exc:
        if PYICEBERG_IMPORT_ERROR is None and isinstance(exc, (ice_exc.NoSuchTableError, ice_exc.NoSuchNamespaceError)):
            return None
        raise IcebergModuleError(describe_catalog_error(exc, params, 'loading table %s' % identifier_text(identifier)))
