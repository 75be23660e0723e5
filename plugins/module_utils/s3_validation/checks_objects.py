# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The object checks (a mixin of Validator): CRUD, consistency, ranged GETs, listing past 1000 keys, batch
deletes, multipart uploads, presigned URLs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
import re
import time

from concurrent.futures import ThreadPoolExecutor

try:
    from urllib.error import HTTPError
except ImportError:  # pragma: no cover - Python 2 is not supported by this collection
    HTTPError = None

from ansible.module_utils.urls import open_url

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import one_line
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import ClientError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.errors import error_code, http_status
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.catalogue import BULK_THREADS, FAIL, MIB, WARN, CheckOutcome
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.diagnose import delete_batch_remedy, listing_remedy


class ObjectChecks(object):
    """check_object_crud, check_consistency, check_ranged_get, check_list_pagination, check_delete_batch,
    check_multipart and check_presigned of Validator."""

    def check_object_crud(self):
        client = self.client()
        key = self.key('crud/object.bin')
        body = os.urandom(100003)
        put = client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType='application/octet-stream')
        notes = []
        etag = (put.get('ETag') or '').strip('"')
        if etag != hashlib.md5(body).hexdigest():
            notes.append('ETag of a single PUT is not the MD5 of the body (%s)' % etag)
        got = client.get_object(Bucket=self.bucket, Key=key)['Body'].read()
        if got != body:
            raise CheckOutcome(FAIL, 'GET returned %d bytes that differ from the %d written' % (len(got), len(body)),
                               'the gateway corrupts objects: check its log and storage')
        head = client.head_object(Bucket=self.bucket, Key=key)
        if head.get('ContentLength') != len(body):
            raise CheckOutcome(FAIL, 'HEAD Content-Length is %s, expected exactly %d' % (
                head.get('ContentLength'), len(body)),
                'pyarrow sizes its reads from HEAD: fix the gateway (or a proxy rewriting Content-Length)')
        empty_key = self.key('crud/empty')
        client.put_object(Bucket=self.bucket, Key=empty_key, Body=b'')
        if client.head_object(Bucket=self.bucket, Key=empty_key).get('ContentLength') != 0:
            raise CheckOutcome(FAIL, 'HEAD of a zero-byte object does not report Content-Length 0',
                               'fix the gateway or the proxy in front of it')
        client.delete_object(Bucket=self.bucket, Key=empty_key)
        client.delete_object(Bucket=self.bucket, Key=key)
        for op, fn in (('HEAD', lambda: client.head_object(Bucket=self.bucket, Key=key)),
                       ('GET', lambda: client.get_object(Bucket=self.bucket, Key=key))):
            try:
                fn()
                raise CheckOutcome(FAIL, '%s after DELETE still finds the object' % op,
                                   'the gateway is not read-after-delete consistent; Iceberg needs it')
            except ClientError as exc:
                if exc.response.get('ResponseMetadata', {}).get('HTTPStatusCode') != 404:
                    raise
        client.delete_object(Bucket=self.bucket, Key=key)  # deleting a missing key is not an error in S3
        detail = ('PUT/GET/HEAD/DELETE of 100003 bytes and of 0 bytes; HEAD Content-Length exact; 404 after delete; '
                  'delete of a missing key ok')
        if notes:
            raise CheckOutcome(WARN, detail + '; ' + '; '.join(notes), 'informational', {'notes': notes})
        return detail, {}

    def check_consistency(self):
        client = self.client()
        key = self.key('consistency/overwrite')
        stale = 0
        for i in range(20):
            body = ('version-%d-' % i).encode() + os.urandom(64)
            client.put_object(Bucket=self.bucket, Key=key, Body=body)
            if client.get_object(Bucket=self.bucket, Key=key)['Body'].read() != body:
                stale += 1
        if stale:
            raise CheckOutcome(FAIL, '%d of 20 reads right after an overwrite returned old data' % stale,
                               'Iceberg needs read-after-write consistency: check RGW caching/multisite settings')
        client.delete_object(Bucket=self.bucket, Key=key)
        prefix = self.key('consistency/list/')
        keys = [prefix + 'k%02d' % i for i in range(10)]
        for k in keys:
            client.put_object(Bucket=self.bucket, Key=k, Body=b'x')
        listed = [o['Key'] for o in client.list_objects_v2(Bucket=self.bucket, Prefix=prefix).get('Contents', [])]
        if sorted(listed) != keys:
            raise CheckOutcome(FAIL, 'list right after write shows %d of 10 keys' % len(listed),
                               'Iceberg (orphan clean-up, purge) needs list-after-write consistency')
        for k in keys:
            client.delete_object(Bucket=self.bucket, Key=k)
        left = client.list_objects_v2(Bucket=self.bucket, Prefix=prefix).get('KeyCount', 0)
        if left:
            raise CheckOutcome(FAIL, 'list right after delete still shows %d of 10 keys' % left,
                               'check bucket index consistency (radosgw-admin bucket check)')
        return '20 read-after-overwrite, list-after-write (10 keys) and list-after-delete all consistent', {}

    def check_ranged_get(self):
        client = self.client()
        key = self.key('range/object.bin')
        size = 300001
        body = os.urandom(size)
        client.put_object(Bucket=self.bucket, Key=key, Body=body)
        cases = [('bounded', 'bytes=100-199', body[100:200]),
                 ('suffix', 'bytes=-1000', body[-1000:]),
                 ('open_ended', 'bytes=%d-' % (size - 4096), body[size - 4096:]),
                 ('end_past_size', 'bytes=%d-%d' % (size - 10, size + 1000), body[size - 10:])]
        data = {}
        bad = []
        for label, rng, expected in cases:
            resp = client.get_object(Bucket=self.bucket, Key=key, Range=rng)
            got = resp['Body'].read()
            status = resp['ResponseMetadata']['HTTPStatusCode']
            data[label] = dict(range=rng, status=status, content_range=resp.get('ContentRange'), length=len(got))
            if got != expected or status != 206:
                bad.append('%s (%s): HTTP %s, %d bytes, expected 206 with %d bytes' % (
                    label, rng, status, len(got), len(expected)))
        try:
            client.get_object(Bucket=self.bucket, Key=key, Range='bytes=%d-' % (size + 10))
            data['unsatisfiable'] = 'no error'
        except ClientError as exc:
            data['unsatisfiable'] = error_code(exc)
        client.delete_object(Bucket=self.bucket, Key=key)
        if bad:
            raise CheckOutcome(FAIL, 'ranged GETs wrong: ' + '; '.join(bad),
                               'Parquet/Iceberg readers need ranged GETs: fix the gateway or the proxy in front of it',
                               data)
        return ('bounded, suffix, open-ended and past-the-end ranges return 206 with the right bytes; '
                'unsatisfiable range -> %s' % data['unsatisfiable'], data)

    def _ensure_many_keys(self, count=1250):
        """count small objects under many/ (5 'directories'), written concurrently; reused by delete_batch."""
        if len(self.many_keys) >= count:
            return self.many_keys
        client = self.client()
        prefix = self.key('many/')
        keys = ['%sd%d/k%05d' % (prefix, i % 5, i) for i in range(count)]

        def put(k):
            client.put_object(Bucket=self.bucket, Key=k, Body=b'')
        with ThreadPoolExecutor(max_workers=BULK_THREADS) as pool:
            list(pool.map(put, keys))
        self.many_keys = sorted(keys)
        return self.many_keys

    def check_list_pagination(self):
        client = self.client()
        t0 = time.perf_counter()
        keys = self._ensure_many_keys()
        write_s = time.perf_counter() - t0
        prefix = self.key('many/')
        paginator = client.get_paginator('list_objects_v2')
        pages = 0
        listed = []
        t0 = time.perf_counter()
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            pages += 1
            listed.extend(o['Key'] for o in page.get('Contents', []))
        list_s = time.perf_counter() - t0
        problems = []
        remedy = None
        if listed != keys:
            observed, remedy = listing_remedy(len(keys), len(listed), pages)
            problems.append('default page size: %s%s' % (
                observed, '' if len(listed) != len(keys) else ' (same count, but not sorted or with duplicates)'))
        elif pages < 2:
            problems.append('all %d keys came in %d page: no continuation past 1000 keys' % (len(keys), pages))
            remedy = ('likely causes: a proxy or gateway in front of RGW that rewrites MaxKeys/pagination, or an '
                      'endpoint ignoring the 1000-key page limit; Iceberg clients expect continuation tokens')
        small_pages = 0
        listed = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix, PaginationConfig={'PageSize': 100}):
            small_pages += 1
            listed.extend(o['Key'] for o in page.get('Contents', []))
        if listed != keys:
            observed, small_remedy = listing_remedy(len(keys), len(listed), small_pages, page_size=100)
            problems.append('MaxKeys=100: ' + observed)
            remedy = remedy or small_remedy
        resp = client.list_objects_v2(Bucket=self.bucket, Prefix=prefix, Delimiter='/')
        common = sorted(p['Prefix'] for p in resp.get('CommonPrefixes', []))
        if common != ['%sd%d/' % (prefix, i) for i in range(5)] or resp.get('Contents'):
            problems.append('delimiter listing returned %d common prefixes and %d keys (expected 5 and 0)'
                            % (len(common), len(resp.get('Contents', []))))
        sub = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix + 'd0/', Delimiter='/'):
            sub.extend(o['Key'] for o in page.get('Contents', []))
        if len(sub) != len(keys) // 5:
            problems.append('prefix+delimiter listing of d0/ returned %d keys, expected %d' % (len(sub), len(keys) // 5))
        data = dict(keys=len(keys), pages_default=pages, pages_maxkeys_100=small_pages,
                    write_seconds=round(write_s, 2), list_seconds=round(list_s, 3))
        if problems:
            raise CheckOutcome(FAIL, 'ListObjectsV2: ' + '; '.join(problems), remedy or (
                'the delimiter/prefix listing differs from the keys written: see the gateway log for these '
                'ListObjectsV2 requests (Iceberg maintenance lists large prefixes)'), data)
        return ('ListObjectsV2 of %d keys: %d pages by default, %d with MaxKeys=100, delimiter -> 5 common '
                'prefixes, prefix+delimiter -> %d keys' % (len(keys), pages, small_pages, len(sub)), data)

    def check_delete_batch(self):
        client = self.client()
        keys = list(self._ensure_many_keys())
        data = {}
        for size in (250, 1000):
            batch, keys = keys[:size], keys[size:]
            t0 = time.perf_counter()
            try:
                resp = client.delete_objects(Bucket=self.bucket, Delete={
                    'Objects': [{'Key': k} for k in batch], 'Quiet': False})
            except ClientError as exc:  # the whole batch refused: say what the endpoint answered
                code = error_code(exc) or '%s' % http_status(exc)
                message = exc.response.get('Error', {}).get('Message') or ''
                data['error_code'] = code
                raise CheckOutcome(FAIL, 'DeleteObjects of %d keys refused: HTTP %s %s%s' % (
                    size, http_status(exc), code, (': ' + one_line(message, 200)) if message else ''),
                    delete_batch_remedy(size, [code]), data)
            data['batch_%d_ms' % size] = round((time.perf_counter() - t0) * 1000, 1)
            deleted, errors = len(resp.get('Deleted', [])), resp.get('Errors', [])
            if deleted != size or errors:
                codes = sorted(set(e.get('Code') or '?' for e in errors))
                first = errors[0] if errors else {}
                data['error_codes'] = codes
                raise CheckOutcome(FAIL, 'DeleteObjects of %d keys deleted %d, %d error(s)%s' % (
                    size, deleted, len(errors), (': %s %s (key %s)%s' % (
                        first.get('Code'), one_line(first.get('Message') or '', 150), first.get('Key'),
                        ', codes: %s' % ', '.join(codes) if len(codes) > 1 else '')) if errors else
                    ' and no per-key error (the answer lists fewer keys than sent)'),
                    delete_batch_remedy(size, codes) if errors else
                    'the endpoint (or a proxy) truncated the DeleteObjects answer: see the gateway log', data)
        left = client.list_objects_v2(Bucket=self.bucket, Prefix=self.key('many/'), MaxKeys=1000).get('KeyCount', 0)
        if left != len(keys):
            raise CheckOutcome(FAIL, 'after batch deletes %d keys remain, expected %d' % (left, len(keys)),
                               'check bucket index consistency', data)
        self.many_keys = keys
        return 'DeleteObjects of 250 and of 1000 keys: all deleted, no errors, list confirms', data

    def check_multipart(self):
        client = self.client()
        data = {}
        # 1. one tiny part
        key = self.key('multipart/tiny')
        body = os.urandom(1024)
        up = client.create_multipart_upload(Bucket=self.bucket, Key=key)
        part = client.upload_part(Bucket=self.bucket, Key=key, UploadId=up['UploadId'], PartNumber=1, Body=body)
        done = client.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=up['UploadId'],
                                                MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': part['ETag']}]})
        data['tiny_etag'] = done.get('ETag')
        head = client.head_object(Bucket=self.bucket, Key=key)
        got = client.get_object(Bucket=self.bucket, Key=key)['Body'].read()
        if head['ContentLength'] != 1024 or got != body:
            raise CheckOutcome(FAIL, 'single tiny part upload reads back %d bytes (HEAD %s), expected 1024' % (
                len(got), head['ContentLength']), 'check the gateway log', data)
        # 2. parts larger than 5 MiB
        key = self.key('multipart/large')
        sizes = [6 * MIB, 6 * MIB, 1 * MIB + 7]
        blobs = [os.urandom(s) for s in sizes]
        up = client.create_multipart_upload(Bucket=self.bucket, Key=key)
        try:
            parts = []
            for number, blob in enumerate(blobs, 1):
                p = client.upload_part(Bucket=self.bucket, Key=key, UploadId=up['UploadId'], PartNumber=number,
                                       Body=blob)
                parts.append({'PartNumber': number, 'ETag': p['ETag']})
            listed = client.list_parts(Bucket=self.bucket, Key=key, UploadId=up['UploadId']).get('Parts', [])
            data['list_parts_sizes'] = [p.get('Size') for p in listed]
            done = client.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=up['UploadId'],
                                                    MultipartUpload={'Parts': parts})
        except Exception:
            client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=up['UploadId'])
            raise
        data['complete_response_etag'] = done.get('ETag')
        head = client.head_object(Bucket=self.bucket, Key=key)
        etag = (head.get('ETag') or '').strip('"')
        data['head_etag'] = etag
        digest = hashlib.md5(client.get_object(Bucket=self.bucket, Key=key)['Body'].read()).hexdigest()
        if head['ContentLength'] != sum(sizes) or digest != hashlib.md5(b''.join(blobs)).hexdigest():
            raise CheckOutcome(FAIL, 'multipart object of 3 parts reads back wrong (HEAD %s, expected %d)' % (
                head['ContentLength'], sum(sizes)), 'check the gateway log', data)
        notes = []
        if data['list_parts_sizes'] != sizes:
            notes.append('ListParts sizes %s' % data['list_parts_sizes'])
        if not re.match(r'^[0-9a-f]{32}-3$', etag):
            notes.append('HEAD ETag %s is not of the form <md5>-<parts>' % etag)
        if (data['complete_response_etag'] or '').strip('"') != etag:
            notes.append('CompleteMultipartUpload answered ETag %r, HEAD says %s' % (
                data['complete_response_etag'], etag))
        # 3. abort
        key = self.key('multipart/aborted')
        up = client.create_multipart_upload(Bucket=self.bucket, Key=key)
        client.upload_part(Bucket=self.bucket, Key=key, UploadId=up['UploadId'], PartNumber=1, Body=b'x' * 1024)
        client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=up['UploadId'])
        try:
            client.list_parts(Bucket=self.bucket, Key=key, UploadId=up['UploadId'])
            notes.append('ListParts after abort did not answer NoSuchUpload')
        except ClientError as exc:
            data['after_abort'] = error_code(exc)
        uploads = client.list_multipart_uploads(Bucket=self.bucket, Prefix=key).get('Uploads', [])
        if any(u['UploadId'] == up['UploadId'] for u in uploads):
            raise CheckOutcome(FAIL, 'aborted upload is still listed by ListMultipartUploads',
                               'incomplete uploads leak space: add a lifecycle rule with abort_incomplete_multipart_days',
                               data)
        # 4. a non-last part below 5 MiB (informational: S3 answers EntityTooSmall)
        key = self.key('multipart/too-small')
        up = client.create_multipart_upload(Bucket=self.bucket, Key=key)
        parts = []
        for number in (1, 2):
            p = client.upload_part(Bucket=self.bucket, Key=key, UploadId=up['UploadId'], PartNumber=number,
                                   Body=b'y' * 1024)
            parts.append({'PartNumber': number, 'ETag': p['ETag']})
        try:
            client.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=up['UploadId'],
                                             MultipartUpload={'Parts': parts})
            data['min_part_size_enforced'] = False
            notes.append('a 1 KiB non-last part was accepted (S3 requires >= 5 MiB)')
        except ClientError as exc:
            data['min_part_size_enforced'] = error_code(exc)
            client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=up['UploadId'])
        detail = ('1 tiny part, 3 parts (6+6+1 MiB) with exact size and content, abort (ListParts after abort -> '
                  '%s), HEAD ETag %s; non-last part < 5 MiB -> %s' % (
                      data.get('after_abort'), etag, data['min_part_size_enforced']))
        if notes:
            raise CheckOutcome(WARN, detail + '; differs from AWS S3: ' + '; '.join(notes),
                               'informational: Iceberg/pyarrow do not use these, but clients that verify the ETag of '
                               'CompleteMultipartUpload would fail on this gateway', data)
        return detail, data

    def check_presigned(self):
        client = self.client()
        key = self.key('presigned/object.bin')
        body = os.urandom(4096)
        put_url = client.generate_presigned_url('put_object', Params={'Bucket': self.bucket, 'Key': key},
                                                ExpiresIn=300)
        get_url = client.generate_presigned_url('get_object', Params={'Bucket': self.bucket, 'Key': key},
                                                ExpiresIn=300)
        if 'X-Amz-Algorithm=AWS4-HMAC-SHA256' not in get_url:
            raise CheckOutcome(FAIL, 'presigned URL is not SigV4', 'sign with signature_version=s3v4')
        verify = bool(self.conn.get('validate_certs', True))
        ca_path = self.conn.get('ca_bundle') or None
        timeout = float(self.conn.get('read_timeout') or 60)
        try:
            open_url(put_url, method='PUT', data=body, headers={'Content-Type': ''}, timeout=timeout,
                     validate_certs=verify, ca_path=ca_path).read()
            got = open_url(get_url, timeout=timeout, validate_certs=verify, ca_path=ca_path).read()
        except HTTPError as exc:
            text = exc.read()[:300].decode('utf-8', 'replace')
            code = re.search(r'<Code>([^<]+)</Code>', text)
            raise CheckOutcome(FAIL, 'presigned request answered HTTP %s %s' % (exc.code, code.group(1) if code else ''),
                               'check clock skew and that the gateway accepts SigV4 query authentication')
        if got != body:
            raise CheckOutcome(FAIL, 'presigned GET returned different bytes', 'check the gateway log')
        client.delete_object(Bucket=self.bucket, Key=key)
        return 'SigV4 presigned PUT (4096 bytes) and GET round trip ok', {}
