# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The S3 connection options (one argument spec) and the boto3 client factory, for every module and feature.

Package s3: connection (this file), errors (description, predicates), objects (listing, batch deletes).

The options are documented once in plugins/doc_fragments/s3.py (extends_documentation_fragment:
dataplatform.lakehouse.s3).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import traceback

from ansible.module_utils.basic import env_fallback

BOTO3_IMPORT_ERROR = None
try:
    # Re-exported: the exception classes every feature catches, defined (as Exception) even without botocore.
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, SSLError  # pylint: disable=unused-import
    if importlib.util.find_spec('boto3') is None:
        raise ImportError("No module named 'boto3'")
except ImportError:
    BOTO3_IMPORT_ERROR = traceback.format_exc()
    # Names kept defined so that `except (ClientError, ...)` clauses still compile without boto3.
    BotoCoreError = ClientError = EndpointConnectionError = SSLError = Exception


def _boto3():
    """(boto3, botocore.config.Config), imported on first use: a module run that never opens an S3 client (most
    Iceberg module runs: PyIceberg's own FileIO does their S3 I/O) saves their ~0.08 s import."""
    import boto3  # pylint: disable=import-outside-toplevel
    from botocore.config import Config  # pylint: disable=import-outside-toplevel
    return boto3, Config


def s3_argument_spec(required=True):
    """The S3 connection options (doc fragment dataplatform.lakehouse.s3).

    required=False for modules where S3 is optional (a SQL catalog on a local warehouse, a backup to a directory):
    then endpoint and keys are not required, and the module decides when they are.
    """
    return dict(
        endpoint_url=dict(type='str', required=required, aliases=['s3_endpoint', 's3_url'],
                          fallback=(env_fallback, ['LAKEHOUSE_S3_ENDPOINT', 'CEPH_S3_ENDPOINT', 'AWS_ENDPOINT_URL'])),
        access_key=dict(type='str', required=required, aliases=['aws_access_key_id'], no_log=False,
                        fallback=(env_fallback, ['AWS_ACCESS_KEY_ID'])),
        secret_key=dict(type='str', required=required, aliases=['aws_secret_access_key'], no_log=True,
                        fallback=(env_fallback, ['AWS_SECRET_ACCESS_KEY'])),
        region=dict(type='str', default='us-east-1', fallback=(env_fallback, ['AWS_REGION', 'AWS_DEFAULT_REGION'])),
        validate_certs=dict(type='bool', default=True),
        ca_bundle=dict(type='path', fallback=(env_fallback, ['AWS_CA_BUNDLE'])),
        request_checksum_calculation=dict(type='str', default='when_supported',
                                          choices=['when_supported', 'when_required'],
                                          fallback=(env_fallback, ['AWS_REQUEST_CHECKSUM_CALCULATION'])),
        response_checksum_validation=dict(type='str', default='when_supported',
                                          choices=['when_supported', 'when_required'],
                                          fallback=(env_fallback, ['AWS_RESPONSE_CHECKSUM_VALIDATION'])),
        connect_timeout=dict(type='float', default=5),
        read_timeout=dict(type='float', default=60),
    )


S3_OPTION_NAMES = tuple(s3_argument_spec().keys())


def s3_connection_params(params):
    """Pick the S3 connection options out of a module's params (so they can be passed around)."""
    return dict((name, params.get(name)) for name in S3_OPTION_NAMES)


def require_boto3():
    if BOTO3_IMPORT_ERROR:
        raise ImportError('boto3 is required')


def s3_session(conn):
    """A boto3 Session holding the credentials and region of `conn`.

    Pass it to s3_client(session=...) when one process needs several clients (different checksum or addressing
    settings): clients of one session share the loaded service model (~0.02 s per client instead of ~0.3 s).
    """
    require_boto3()
    return _boto3()[0].session.Session(
        aws_access_key_id=conn['access_key'],
        aws_secret_access_key=conn['secret_key'],
        aws_session_token=conn.get('session_token') or None,  # temporary credentials (STS)
        region_name=conn.get('region') or 'us-east-1',
    )


def sts_client(conn, endpoint_url=None, session=None):
    """A boto3 STS client on `endpoint_url` (default: the S3 endpoint of `conn`: Ceph RGW answers STS there).

    One attempt: AssumeRole is not retried on an error (it would only repeat a refusal)."""
    require_boto3()
    config_class = _boto3()[1]
    verify = conn.get('validate_certs', True)
    if verify and conn.get('ca_bundle'):
        verify = conn['ca_bundle']
    config = config_class(retries={'max_attempts': 1, 'mode': 'standard'},
                          connect_timeout=conn.get('connect_timeout') or 5, read_timeout=conn.get('read_timeout') or 60)
    return (session or s3_session(conn)).client('sts', endpoint_url=endpoint_url or conn['endpoint_url'],
                                                verify=verify, config=config)


def s3_client(conn, addressing_style='path', signature_version='s3v4', max_attempts=3, max_pool_connections=10,
              request_checksum_calculation=None, response_checksum_validation=None, session=None):
    """A boto3 S3 client for the connection options `conn` (a dict as returned by s3_connection_params).

    Path-style addressing and SigV4 are the defaults because that is what Ceph RGW without wildcard DNS
    needs; presigned URLs are also SigV4 (boto3 would otherwise sign them with SigV2 on RGW).
    `session`: an s3_session(conn) to reuse (optional; a new session per client otherwise).
    """
    require_boto3()
    config_class = _boto3()[1]
    verify = conn.get('validate_certs', True)
    if verify and conn.get('ca_bundle'):
        verify = conn['ca_bundle']
    config = config_class(
        signature_version=signature_version,
        s3={'addressing_style': addressing_style},
        retries={'max_attempts': max_attempts, 'mode': 'standard'},
        connect_timeout=conn.get('connect_timeout') or 5,
        read_timeout=conn.get('read_timeout') or 60,
        max_pool_connections=max_pool_connections,
        request_checksum_calculation=request_checksum_calculation or conn.get('request_checksum_calculation')
        or 'when_supported',
        response_checksum_validation=response_checksum_validation or conn.get('response_checksum_validation')
        or 'when_supported',
    )
    if session is None:
        session = s3_session(conn)
    return session.client('s3', endpoint_url=conn['endpoint_url'], verify=verify, config=config)
