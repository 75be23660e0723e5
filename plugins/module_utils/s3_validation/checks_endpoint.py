# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checks of the endpoint itself (a mixin of Validator): connectivity and server identification, SigV4,
the bucket, virtual-hosted addressing, the checksum behaviour of boto3 and of pyarrow, scratch buckets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import io
import os
import re
import ssl
import time
import uuid

try:
    from http import client as http_client
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported by this collection
    http_client = urlsplit = None

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import one_line
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.buckets import create_bucket
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import BotoCoreError, ClientError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.errors import describe_s3_error, error_code, http_status, is_not_found
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.baseline import transfer_config
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.catalogue import (
    DEFAULTS,
    FAIL,
    MIB,
    REMEDY_BY_CODE,
    REMEDY_SIGNATURE_ACCESS_DENIED,
    REMEDY_CHECKSUM_BOTO3,
    REMEDY_CHECKSUM_ENV,
    SKIP,
    WARN,
    WHEN_REQUIRED,
    CheckOutcome,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.diagnose import describe_connect_error, group_failures, identify_server
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.runner import ops_failed, run_worker, worker_failure


class EndpointChecks(object):
    """check_connectivity, check_signature_v4, check_bucket, check_virtual_host, check_checksum_boto3,
    check_checksum_pyarrow and check_bucket_create_delete of Validator."""

    def check_connectivity(self):
        parts = urlsplit(self.endpoint)
        if parts.scheme not in ('http', 'https') or not parts.hostname:
            raise CheckOutcome(FAIL, 'endpoint_url %r is not an http(s) URL' % self.endpoint,
                               'use a URL like http://127.0.0.1:7480 or https://s3.example.org')
        timeout = float(self.conn.get('connect_timeout') or 5)
        port = parts.port or (443 if parts.scheme == 'https' else 80)
        if parts.scheme == 'https':
            if self.conn.get('validate_certs', True):
                ctx = ssl.create_default_context(cafile=self.conn.get('ca_bundle') or None)
            else:
                ctx = ssl._create_unverified_context()
            conn = http_client.HTTPSConnection(parts.hostname, port, timeout=timeout, context=ctx)
        else:
            conn = http_client.HTTPConnection(parts.hostname, port, timeout=timeout)
        t0 = time.perf_counter()
        try:
            conn.request('GET', (parts.path or '') + '/')
            resp = conn.getresponse()
            resp.read(65536)
            headers = dict(resp.getheaders())
        except Exception as exc:
            detail, remedy = describe_connect_error(exc, self.endpoint, timeout)
            raise CheckOutcome(FAIL, detail, remedy)
        finally:
            conn.close()
        rtt = (time.perf_counter() - t0) * 1000.0
        self.server = identify_server(headers)
        self.server['tls'] = parts.scheme == 'https'
        detail = 'HTTP %s from unsigned GET / in %.1f ms; server: %s (Server header %r)' % (
            resp.status, rtt, self.server['product'], self.server['server_header'])
        return detail, dict(self.server, http_status=resp.status, rtt_ms=round(rtt, 1))

    def check_signature_v4(self):
        try:
            resp = self.client().list_buckets()
        except ClientError as exc:
            if error_code(exc) != 'AccessDenied':
                raise
            raise CheckOutcome(FAIL, 'SigV4 ListBuckets refused: AccessDenied (HTTP %s)' % http_status(exc),
                               REMEDY_SIGNATURE_ACCESS_DENIED)
        names = [b['Name'] for b in resp.get('Buckets', [])]
        rid = resp.get('ResponseMetadata', {}).get('HTTPHeaders', {})
        if self.server and self.server.get('product') == 'unknown':
            self.server.update(identify_server(rid))
        return ('SigV4 (path-style) ListBuckets accepted; %d bucket(s) visible to these credentials' % len(names),
                {'bucket_count': len(names)})

    def check_bucket(self):
        client = self.client()
        try:
            client.head_bucket(Bucket=self.bucket)
            self.bucket_exists = True
        except ClientError as exc:
            if is_not_found(exc):
                self.bucket_exists = False
            elif http_status(exc) == 403 or error_code(exc) in ('403', 'AccessDenied', 'Forbidden'):
                raise CheckOutcome(FAIL, 'bucket %r exists but these credentials may not access it (403)'
                                   % self.bucket, REMEDY_BY_CODE['AccessDenied'])
            else:
                raise
        if not self.bucket_exists:
            raise CheckOutcome(FAIL, 'bucket %r does not exist on %s' % (self.bucket, self.endpoint),
                               REMEDY_BY_CODE['NoSuchBucket'])
        resp = client.list_objects_v2(Bucket=self.bucket, MaxKeys=1)
        return ('bucket %r exists; HEAD and LIST ok (%s)' % (
            self.bucket, 'empty' if not resp.get('KeyCount') else 'not empty'))

    def check_virtual_host(self):
        host = urlsplit(self.endpoint).hostname or ''
        if re.match(r'^[0-9.]+$', host) or ':' in host:
            raise CheckOutcome(SKIP, 'endpoint host %s is an IP address: virtual-hosted-style addressing needs a DNS '
                               'name with a wildcard (*.host); path-style is used' % host)
        try:
            self.client(addressing_style='virtual').list_objects_v2(Bucket=self.bucket, MaxKeys=1)
        except (ClientError, BotoCoreError) as exc:
            self.virtual_host_ok = False
            raise CheckOutcome(WARN, 'virtual-hosted-style request to %s.%s failed (%s); path-style works' % (
                self.bucket, host, one_line(exc, 200)),
                'informational: keep path-style addressing (s3.force-virtual-addressing=false), or configure '
                'rgw_dns_name and wildcard DNS if virtual-hosted style is wanted')
        self.virtual_host_ok = True
        return 'virtual-hosted-style request to %s.%s works' % (self.bucket, host), {}

    def _boto3_checksum_probe(self, mode):
        client = self.client(mode)
        ops = {}
        key = self.key('checksum/boto3-%s' % mode)
        body = os.urandom(64 * 1024)

        timings = {}

        def attempt(op, fn):
            t0 = time.perf_counter()
            try:
                fn()
                ops[op] = 'ok'
            except (ClientError, BotoCoreError) as exc:
                ops[op] = one_line(describe_s3_error(exc, self.endpoint, op), 300)
            timings[op] = round((time.perf_counter() - t0) * 1000.0, 1)

        attempt('PutObject', lambda: client.put_object(Bucket=self.bucket, Key=key + '.put', Body=body))
        if ops['PutObject'] == 'ok':
            def get():
                data = client.get_object(Bucket=self.bucket, Key=key + '.put')['Body'].read()
                if data != body:
                    raise CheckOutcome(FAIL, 'GetObject returned different bytes')
            try:
                attempt('GetObject', get)
            except CheckOutcome as exc:
                ops['GetObject'] = exc.detail

        def multipart():
            up = client.create_multipart_upload(Bucket=self.bucket, Key=key + '.mpu')
            try:
                part = client.upload_part(Bucket=self.bucket, Key=key + '.mpu', UploadId=up['UploadId'],
                                          PartNumber=1, Body=body)
            except Exception:
                client.abort_multipart_upload(Bucket=self.bucket, Key=key + '.mpu', UploadId=up['UploadId'])
                raise
            client.complete_multipart_upload(
                Bucket=self.bucket, Key=key + '.mpu', UploadId=up['UploadId'],
                MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': part['ETag']}]})
        attempt('UploadPart', multipart)

        def transfer():
            client.upload_fileobj(io.BytesIO(os.urandom(6 * MIB)), self.bucket, key + '.transfer',
                                  Config=transfer_config(2, 5 * MIB))
        attempt('upload_fileobj(multipart)', transfer)
        return ops, timings

    def _checksum_algorithms(self):
        """Which explicit checksum algorithms the endpoint accepts and returns (informational)."""
        try:
            from botocore.compat import HAS_CRT
        except ImportError:
            HAS_CRT = False
        client = self.client(WHEN_REQUIRED)
        key = self.key('checksum/algorithm')
        body = b'iceberg-checksum-probe' * 100
        found = {}
        algorithms = ['CRC32', 'SHA1', 'SHA256'] + (['CRC32C', 'CRC64NVME'] if HAS_CRT else [])
        for algo in algorithms:
            try:
                client.put_object(Bucket=self.bucket, Key=key, Body=body, ChecksumAlgorithm=algo)
                resp = client.get_object(Bucket=self.bucket, Key=key, ChecksumMode='ENABLED')
                resp['Body'].read()
                found[algo] = 'accepted, returned on GET' if resp.get('Checksum' + algo) else 'accepted, not returned'
            except (ClientError, BotoCoreError) as exc:
                found[algo] = 'rejected: %s' % (error_code(exc) or one_line(exc, 120))
        if not HAS_CRT:
            found['CRC32C'] = found['CRC64NVME'] = 'not tested (botocore needs awscrt for it)'
        try:
            md5 = base64.b64encode(hashlib.md5(body).digest()).decode('ascii')
            client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentMD5=md5)
            try:
                client.put_object(Bucket=self.bucket, Key=key, Body=body,
                                  ContentMD5=base64.b64encode(hashlib.md5(b'x').digest()).decode('ascii'))
                found['Content-MD5'] = 'accepted, but a wrong Content-MD5 was accepted too'
            except ClientError as exc:
                found['Content-MD5'] = 'accepted and verified (wrong digest -> %s)' % error_code(exc)
        except (ClientError, BotoCoreError) as exc:
            found['Content-MD5'] = 'rejected: %s' % (error_code(exc) or one_line(exc, 120))
        return found

    def check_checksum_boto3(self):
        results, timings = {}, {}
        for mode in (DEFAULTS, WHEN_REQUIRED):
            results[mode], timings[mode] = self._boto3_checksum_probe(mode)
        ok = dict((mode, all(v == 'ok' for v in ops.values())) for mode, ops in results.items())
        data = {'scheme': urlsplit(self.endpoint).scheme, 'results': results, 'timings_ms': timings}
        try:
            data['algorithms'] = self._checksum_algorithms()
        except Exception as exc:  # informational only
            data['algorithms'] = {'error': one_line(exc, 200)}
        try:
            import botocore
            data['botocore'] = botocore.__version__
        except ImportError:
            pass
        scheme = data['scheme'].upper()
        if ok[DEFAULTS]:
            self.boto3_mode = DEFAULTS
            return ('boto3 %s works with SDK defaults (request_checksum_calculation=when_supported) over %s; '
                    'when_required works too: %s' % (data.get('botocore', ''), scheme, ok[WHEN_REQUIRED]), data)
        failing = group_failures(dict((op, err) for op, err in results[DEFAULTS].items() if err != 'ok'))
        if ok[WHEN_REQUIRED]:
            self.boto3_mode = WHEN_REQUIRED
            raise CheckOutcome(WARN, 'boto3 with SDK checksum defaults fails over %s (%s); works with '
                               'request_checksum_calculation=when_required and response_checksum_validation='
                               'when_required' % (scheme, failing), REMEDY_CHECKSUM_BOTO3, data)
        raise CheckOutcome(FAIL, 'boto3 fails with SDK defaults and with when_required over %s (%s)' % (
            scheme, failing), 'check the gateway log for these requests', data)

    def check_checksum_pyarrow(self):
        runs = {}
        for mode in (DEFAULTS, WHEN_REQUIRED):
            out = run_worker(self.conn, self.bucket, self.key('pyarrow/'), self.run_id, ['checksum'], mode,
                             mode, self.worker_timeout, self.python)
            runs[mode] = out
        problem = worker_failure(runs[DEFAULTS]) or worker_failure(runs[WHEN_REQUIRED])
        scheme = urlsplit(self.endpoint).scheme.upper()
        data = {'scheme': scheme.lower(), 'pyarrow': runs[DEFAULTS].get('pyarrow'),
                'results': dict((m, runs[m].get('checksum', {})) for m in runs)}
        if problem:
            remedy = ('install pyarrow (requirements.txt) in the interpreter that runs the module'
                      if 'import' in problem else 'see detail; check endpoint, credentials and ca_bundle')
            raise CheckOutcome(FAIL, problem, remedy, data)
        failed = dict((m, ops_failed(runs[m].get('checksum', {}))) for m in runs)
        for m in runs:
            if runs[m].get('checksum', {}).get('task_error'):
                failed[m]['task'] = runs[m]['checksum']['task_error']
        data['failed'] = failed
        if not failed[DEFAULTS]:
            self.pyarrow_mode = DEFAULTS
            return ('pyarrow %s S3FileSystem writes/reads (1 KiB and 6 MiB multipart, ranged read) work with SDK '
                    'defaults over %s' % (data['pyarrow'], scheme), data)
        if not failed[WHEN_REQUIRED]:
            self.pyarrow_mode = WHEN_REQUIRED
            raise CheckOutcome(WARN, 'pyarrow %s S3FileSystem fails with SDK checksum defaults over %s (%s); works '
                               'with AWS_REQUEST_CHECKSUM_CALCULATION=when_required' % (
                                   data['pyarrow'], scheme, group_failures(failed[DEFAULTS])),
                               REMEDY_CHECKSUM_ENV, data)
        raise CheckOutcome(FAIL, 'pyarrow S3FileSystem fails with SDK defaults (%s) and with when_required (%s) over %s'
                           % (group_failures(failed[DEFAULTS]), group_failures(failed[WHEN_REQUIRED]), scheme),
                           'check the gateway log; for TLS endpoints set ca_bundle (pyarrow cannot skip '
                           'certificate verification)', data)

    def check_bucket_create_delete(self):
        client = self.client()
        name = ('%s-s3v-%s' % (self.bucket[:40].rstrip('-.'), uuid.uuid4().hex[:8])).lower()
        steps = []
        create_bucket(client, name, self.conn.get('region'))
        self.scratch_buckets.append(name)
        steps.append('create')
        client.head_bucket(Bucket=name)
        steps.append('head')
        names = [b['Name'] for b in client.list_buckets().get('Buckets', [])]
        if name not in names:
            raise CheckOutcome(FAIL, 'created bucket %s is missing from ListBuckets' % name,
                               'check the gateway log (ListBuckets after CreateBucket)')
        steps.append('list')
        client.put_object(Bucket=name, Key='probe', Body=b'x')
        try:
            client.delete_bucket(Bucket=name)
            raise CheckOutcome(FAIL, 'DeleteBucket of a non-empty bucket succeeded (S3 answers BucketNotEmpty)',
                               'informational for Iceberg; report to the gateway vendor')
        except ClientError as exc:
            if error_code(exc) != 'BucketNotEmpty':
                raise
        client.delete_object(Bucket=name, Key='probe')
        client.delete_bucket(Bucket=name)
        self.scratch_buckets.remove(name)
        steps.append('delete')
        try:
            client.head_bucket(Bucket=name)
            raise CheckOutcome(FAIL, 'bucket %s still answers HEAD after DeleteBucket' % name,
                               'check the gateway (bucket index)')
        except ClientError as exc:
            if exc.response.get('ResponseMetadata', {}).get('HTTPStatusCode') != 404:
                raise
        return ('scratch bucket %s: create, head, list, BucketNotEmpty on delete, delete, 404 after delete' % name,
                {'bucket': name})
