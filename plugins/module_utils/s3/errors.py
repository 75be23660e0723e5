# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""S3 errors: one description of a boto3/botocore failure, and the predicates every feature uses."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    SSLError,
)

NOT_FOUND_CODES = ('404', 'NoSuchBucket', 'NoSuchKey', 'NotFound', 'NoSuchLifecycleConfiguration', 'NoSuchUpload')

HINTS = {
    'SignatureDoesNotMatch': 'the secret key is wrong (or the region/signature version does not match the endpoint)',
    'InvalidAccessKeyId': 'the access key is not known to this endpoint',
    'AccessDenied': ('the credentials lack permission for this operation (on Ceph RGW with STS enabled a wrong secret '
                     'key is answered so too: check secret_key)'),
    'NoSuchBucket': 'the bucket does not exist; create it first (s3_storage role or amazon.aws.s3_bucket)',
    'MissingContentLength': 'the endpoint rejects aws-chunked uploads; set request_checksum_calculation=when_required',
}


def error_code(exc):
    """The S3 error code of a ClientError ('NoSuchBucket', '404', ...), or None for anything else."""
    if isinstance(exc, ClientError) and hasattr(exc, 'response'):
        return exc.response.get('Error', {}).get('Code')
    return None


def http_status(exc):
    if isinstance(exc, ClientError) and hasattr(exc, 'response'):
        return exc.response.get('ResponseMetadata', {}).get('HTTPStatusCode')
    return None


def is_not_found(exc):
    """True for a 404 / NoSuchBucket / NoSuchKey / NotFound answer (HEAD requests carry only the status)."""
    return http_status(exc) == 404 or error_code(exc) in NOT_FOUND_CODES


def is_bucket_missing(exc):
    """True when a boto3 error, or the text of another client's error (pyarrow), says NoSuchBucket."""
    if error_code(exc) == 'NoSuchBucket':
        return True
    text = str(exc)
    return 'NoSuchBucket' in text or 'NO_SUCH_BUCKET' in text


def describe_s3_error(exc, endpoint_url, action='S3 request'):
    """Map a boto3/botocore exception to a one-line, actionable message."""
    if isinstance(exc, ClientError) and hasattr(exc, 'response'):
        error = exc.response.get('Error', {})
        code = error.get('Code', 'Unknown')
        status = http_status(exc)
        hint = HINTS.get(code)
        if hint is None and str(code) == '403':
            hint = ('access denied without an S3 error body (a HEAD request); check the access and secret key and '
                    'the bucket policy')
        if hint is None:
            hint = error.get('Message') or 'see the endpoint logs'
        label = code if str(code) == str(status) else '%s %s' % (status or '', code)
        return '%s to %s failed with %s: %s.' % (action, endpoint_url, label.strip(), hint)
    if SSLError is not Exception and isinstance(exc, SSLError):
        return ('%s to %s failed TLS verification: %s; set ca_bundle to the CA that signed the endpoint '
                'certificate (or validate_certs=false for a test endpoint).' % (action, endpoint_url, exc))
    if EndpointConnectionError is not Exception and isinstance(exc, EndpointConnectionError):
        return ('%s could not connect to %s; check endpoint_url, that the gateway is running and reachable.'
                % (action, endpoint_url))
    if BotoCoreError is not Exception and isinstance(exc, BotoCoreError):
        return '%s to %s failed in the S3 client: %s.' % (action, endpoint_url, exc)
    return '%s to %s failed: %s.' % (action, endpoint_url, exc)
