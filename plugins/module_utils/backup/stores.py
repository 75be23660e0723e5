# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where metastore backups are kept: an S3 bucket (S3Store, on the shared s3 layer) or a directory
(DirectoryStore), with the one interface MetastoreBackup uses; HashingReader cuts a dump stream into parts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import errno
import hashlib
import os
import time

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.backup.errors import BackupError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.backup.names import (
    PARTIAL_SUFFIX,
    isoformat,
    join_key,
    normalize_etag,
    normalize_prefix,
    split_backup_filename,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.files import fsync_dir
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import (
    BotoCoreError,
    ClientError,
    s3_client,
    s3_connection_params,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.errors import (
    describe_s3_error,
    error_code,
    is_bucket_missing,
    is_not_found,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.objects import delete_objects, list_objects

MIB = 1024 * 1024
S3_MAX_PARTS = 10000
READ_CHUNK = MIB


def open_store(params):
    """The store of a module's params: S3Store with `bucket` (and the S3 options), else DirectoryStore(`directory`)."""
    if params.get('bucket'):
        conn = s3_connection_params(params)
        return S3Store(s3_client(conn), params['bucket'], params.get('prefix'), conn['endpoint_url'])
    return DirectoryStore(params['directory'])


class HashingReader(object):
    """Reads a pipe in parts of at most `part_size` bytes, computing sha256 and size as it goes."""

    def __init__(self, stream):
        self.stream = stream
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.eof = False

    def read_part(self, part_size):
        chunks, got = [], 0
        while got < part_size:
            chunk = self.stream.read(min(READ_CHUNK, part_size - got))
            if not chunk:
                self.eof = True
                break
            chunks.append(chunk)
            got += len(chunk)
        data = b''.join(chunks)
        del chunks
        self.sha256.update(data)
        self.size += len(data)
        return data

    def hexdigest(self):
        return self.sha256.hexdigest()


class S3Store(object):
    kind = 's3'

    def __init__(self, client, bucket, prefix, endpoint_url, abort_delays=(0, 1, 2, 4, 8, 15)):
        self.client, self.bucket, self.prefix, self.endpoint_url = client, bucket, normalize_prefix(prefix), endpoint_url
        self.abort_delays = abort_delays

    def key(self, filename):
        return join_key(self.prefix, filename)

    def location(self, filename):
        return 's3://%s/%s' % (self.bucket, self.key(filename))

    def _error(self, exc, action, **details):
        return BackupError(describe_s3_error(exc, self.endpoint_url, action=action), **details)

    def ensure(self, create=False, check_mode=False):
        """True if the bucket had to be created (or would be, in check mode)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
            return False
        except (ClientError, BotoCoreError) as exc:  # a BotoCoreError is never "not found"
            if not is_not_found(exc):
                raise self._error(exc, 'Checking bucket %s' % self.bucket)
        if not create:
            raise BackupError('Bucket %s does not exist at %s; create it or set create_bucket=true.'
                              % (self.bucket, self.endpoint_url))
        if not check_mode:
            try:
                self.client.create_bucket(Bucket=self.bucket)
            except (ClientError, BotoCoreError) as exc:
                raise self._error(exc, 'Creating bucket %s' % self.bucket)
        return True

    def list_files(self):
        """{filename: {'size', 'etag', 'modified'}} directly under the prefix."""
        files = {}
        base = self.prefix + '/' if self.prefix else ''
        try:
            for obj in list_objects(self.client, self.bucket, base, skip_markers=False, delimiter='/'):
                files[obj['Key'][len(base):]] = {'size': obj['Size'], 'etag': normalize_etag(obj.get('ETag')),
                                                 'modified': obj.get('LastModified')}
        except (ClientError, BotoCoreError) as exc:
            if is_bucket_missing(exc):  # listing cannot create it: say where the backups were looked for
                raise BackupError('Bucket %s does not exist at %s, so it holds no backups; check bucket and '
                                  'endpoint_url (the bucket metastore_backup writes its backups to).'
                                  % (self.bucket, self.endpoint_url), bucket_missing=True)
            raise self._error(exc, 'Listing s3://%s/%s' % (self.bucket, base))
        return files

    def pending_uploads(self):
        """Incomplete multipart uploads of backup dumps under the prefix (not objects, never listed as good)."""
        base = self.prefix + '/' if self.prefix else ''
        pending = []
        try:
            paginator = self.client.get_paginator('list_multipart_uploads')
            for page in paginator.paginate(Bucket=self.bucket, Prefix=base):
                for upload in page.get('Uploads', []) or []:
                    filename = upload['Key'][len(base):]
                    if '/' in filename or not split_backup_filename(filename):
                        continue
                    pending.append({'file': filename, 'upload_id': upload['UploadId'],
                                    'initiated': isoformat(upload['Initiated']) if upload.get('Initiated') else None})
        except (ClientError, BotoCoreError):
            return []  # informative only; some gateways restrict this listing
        return pending

    def stat(self, filename):
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.key(filename))
        except (ClientError, BotoCoreError) as exc:  # a BotoCoreError is never "not found"
            if is_not_found(exc):
                return None
            raise self._error(exc, 'Reading %s' % self.location(filename))
        return {'size': head['ContentLength'], 'etag': normalize_etag(head.get('ETag'))}

    def read_small(self, filename):
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(filename))['Body'].read()
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, 'Reading %s' % self.location(filename))

    def write_small(self, filename, data):
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.key(filename), Body=data,
                                   ContentType='application/json')
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, 'Writing %s' % self.location(filename))

    def iter_chunks(self, filename, etag=None, chunk_size=READ_CHUNK):
        kwargs = dict(Bucket=self.bucket, Key=self.key(filename))
        if etag:
            kwargs['IfMatch'] = '"%s"' % normalize_etag(etag)
        try:
            body = self.client.get_object(**kwargs)['Body']
            while True:
                data = body.read(chunk_size)
                if not data:
                    break
                yield data
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, 'Downloading %s' % self.location(filename))

    def delete(self, filenames):
        """Delete the objects of `filenames` (DeleteObjects, one by one where the gateway lacks it)."""
        keys = [self.key(filename) for filename in filenames]
        dummy, errors = delete_objects(self.client, self.bucket, keys, single_fallback=True)
        for key in keys:
            if key in errors:
                raise BackupError('Deleting s3://%s/%s at %s failed: %s.'
                                  % (self.bucket, key, self.endpoint_url, errors[key].rstrip('.')))

    def _upload_part(self, key, upload_id, number, data):
        response = self.client.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number,
                                           Body=data)
        part = {'PartNumber': number, 'ETag': response['ETag']}
        part.update((k, v) for k, v in response.items() if k.startswith('Checksum') and k != 'ChecksumType')
        return part

    def abort(self, key, upload_id):
        """Abort a multipart upload, retrying through a short outage. (True, None) or (False, error)."""
        last = None
        for delay in self.abort_delays:
            time.sleep(delay)
            try:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
                return True, None
            except (ClientError, BotoCoreError) as exc:
                if error_code(exc) == 'NoSuchUpload':
                    return True, None
                last = exc
        return False, last

    def upload_stream(self, filename, read_part, part_size, before_complete=None, max_in_flight=2):
        """Multipart upload of what read_part() returns, with at most `max_in_flight` parts in memory being sent.

        before_complete() runs after the last part is sent and before CompleteMultipartUpload; it raises to
        refuse completion (pg_dump failed). On any failure the upload is aborted: no object appears.
        """
        from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

        key = self.key(filename)
        try:
            upload_id = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=key, ContentType='application/octet-stream')['UploadId']
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, 'Starting the upload of %s' % self.location(filename))
        executor = ThreadPoolExecutor(max_workers=max_in_flight)
        pending, parts, number = {}, [], 0

        def collect(done):
            for future in done:
                num = pending.pop(future)
                try:
                    parts.append(future.result())
                except (ClientError, BotoCoreError) as exc:
                    raise self._error(exc, 'Uploading part %d of %s' % (num, self.location(filename)))

        try:
            while True:
                while len(pending) >= max_in_flight:
                    done = wait(list(pending), return_when=FIRST_COMPLETED).done
                    collect(done)
                data = read_part(part_size)
                if not data and number > 0:
                    break
                number += 1
                if number > S3_MAX_PARTS:
                    raise BackupError('The dump exceeds %d parts of %d MiB (the S3 limit); raise part_size_mb.'
                                      % (S3_MAX_PARTS, part_size // MIB))
                pending[executor.submit(self._upload_part, key, upload_id, number, data)] = number
                short = len(data) < part_size
                del data
                if short:
                    break
            if pending:
                done = wait(list(pending)).done
                collect(done)
            if before_complete is not None:
                before_complete()
            parts.sort(key=lambda p: p['PartNumber'])
            try:
                response = self.client.complete_multipart_upload(
                    Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={'Parts': parts})
            except (ClientError, BotoCoreError) as exc:
                raise self._error(exc, 'Completing the upload of %s' % self.location(filename))
            return {'etag': normalize_etag(response.get('ETag')), 'parts': len(parts), 'upload_id': upload_id}
        except BaseException as exc:
            for future in pending:
                future.cancel()
            executor.shutdown(wait=True)
            aborted, abort_error = self.abort(key, upload_id)
            detail = dict(upload_id=upload_id, multipart_aborted=aborted)
            if not aborted:
                detail['abort_error'] = describe_s3_error(abort_error, self.endpoint_url, action='Aborting the upload')
            if isinstance(exc, BackupError):
                exc.details.update(detail)
                if not aborted:
                    exc.message += (' The incomplete multipart upload %s of %s could not be aborted (%s); it is not a '
                                    'visible object, abort it later or let a bucket lifecycle rule '
                                    '(AbortIncompleteMultipartUpload) remove it.'
                                    % (upload_id, key, detail['abort_error']))
            else:
                setattr(exc, 'upload_details', detail)
            raise
        finally:
            executor.shutdown(wait=False)


class DirectoryStore(object):
    kind = 'directory'

    def __init__(self, path):
        self.path = path

    def location(self, filename):
        return os.path.join(self.path, filename)

    def ensure(self, create=False, check_mode=False):
        if os.path.isdir(self.path):
            return False
        if os.path.exists(self.path):
            raise BackupError('%s exists and is not a directory.' % self.path)
        if not create:
            raise BackupError('Directory %s does not exist.' % self.path)
        if not check_mode:
            try:
                os.makedirs(self.path, 0o700)
            except OSError as exc:
                raise BackupError('Cannot create directory %s: %s.' % (self.path, exc.strerror))
        return True

    def list_files(self):
        files = {}
        try:
            with os.scandir(self.path) as entries:
                for entry in entries:
                    if entry.is_file(follow_symlinks=False):
                        st = entry.stat(follow_symlinks=False)
                        files[entry.name] = {'size': st.st_size, 'etag': None,
                                             'modified': datetime.datetime.fromtimestamp(st.st_mtime,
                                                                                         datetime.timezone.utc)}
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                return {}
            raise BackupError('Cannot list %s: %s.' % (self.path, exc.strerror))
        return files

    def pending_uploads(self):
        return []

    def stat(self, filename):
        try:
            st = os.stat(self.location(filename))
        except OSError:
            return None
        return {'size': st.st_size, 'etag': None}

    def read_small(self, filename):
        try:
            with open(self.location(filename), 'rb') as handle:
                return handle.read()
        except OSError as exc:
            raise BackupError('Cannot read %s: %s.' % (self.location(filename), exc.strerror))

    def _open_partial(self, filename):
        partial = self.location(filename) + PARTIAL_SUFFIX
        try:
            return partial, os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise BackupError('Cannot create %s: %s.' % (partial, exc.strerror))

    def _commit(self, partial, fd, filename):
        os.fsync(fd)
        os.close(fd)
        os.rename(partial, self.location(filename))
        fsync_dir(self.path, strict=True)

    def write_small(self, filename, data):
        partial, fd = self._open_partial(filename)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            self._commit(partial, fd, filename)
        except BaseException:
            _silent_close_unlink(fd, partial)
            raise

    def iter_chunks(self, filename, etag=None, chunk_size=READ_CHUNK):
        try:
            handle = open(self.location(filename), 'rb')
        except OSError as exc:
            raise BackupError('Cannot read %s: %s.' % (self.location(filename), exc.strerror))
        with handle:
            while True:
                data = handle.read(chunk_size)
                if not data:
                    break
                yield data

    def delete(self, filenames):
        for filename in filenames:
            try:
                os.unlink(self.location(filename))
            except OSError as exc:
                if exc.errno != errno.ENOENT:
                    raise BackupError('Cannot delete %s: %s.' % (self.location(filename), exc.strerror))
        fsync_dir(self.path, strict=True)

    def upload_stream(self, filename, read_part, part_size, before_complete=None, max_in_flight=2):
        partial, fd = self._open_partial(filename)
        parts = 0
        try:
            while True:
                data = read_part(part_size)
                if data:
                    parts += 1
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view):]
                    del view
                if len(data) < part_size:
                    break
            if before_complete is not None:
                before_complete()
            self._commit(partial, fd, filename)
            return {'etag': None, 'parts': None, 'partial_file': None}
        except OSError as exc:
            _silent_close_unlink(fd, partial)
            raise BackupError('Writing %s failed: %s; nothing was kept.' % (partial, exc.strerror))
        except BaseException:
            _silent_close_unlink(fd, partial)
            raise


def _silent_close_unlink(fd, path):
    try:
        os.close(fd)
    except OSError:
        pass
    try:
        os.unlink(path)
    except OSError:
        pass
