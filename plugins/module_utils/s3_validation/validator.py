# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One validation run of ceph_s3_validate: the selected checks in order, their results, the clean-up of what
they wrote, the module result.

Used by plugins/modules/ceph_s3_validate.py (thin wrapper). The checks themselves are grouped by what they
exercise, in mixin classes: checks_endpoint.py (reachability, signing, the bucket, checksum behaviour),
checks_objects.py (object operations), checks_data.py (lifecycle rules, Parquet, Iceberg, performance) and
checks_sts.py (STS AssumeRole with a location-scoped session policy, for credential vending)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import sys
import time
import traceback
import uuid

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError, one_line
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import (
    BOTO3_IMPORT_ERROR,
    BotoCoreError,
    ClientError,
    s3_client,
    s3_session,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.objects import delete_objects, list_objects
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.baseline import BASELINE_DEFAULTS
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.catalogue import (
    BULK_THREADS,
    CHECK_SPECS,
    DEFAULTS,
    FAIL,
    PASS,
    SKIP,
    WARN,
    CheckOutcome,
    make_result,
    plan_checks,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.checks_data import DataChecks
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.checks_endpoint import EndpointChecks
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.checks_objects import ObjectChecks
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.checks_sts import StsChecks
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.diagnose import s3_error_outcome
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.report import failure_message, recommended_config, summarize
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.runner import tls_environment


class S3ValidationError(LakehouseError):
    """Parameters ceph_s3_validate cannot run with, or (with fail_on_incompatible) an endpoint Iceberg cannot use:
    then the details are the whole validation result."""

    limit = None  # failure_message already makes one line of at most 2000 characters, naming every failed check


class Validator(EndpointChecks, ObjectChecks, DataChecks, StsChecks):
    """One validation run. `params` are the module's parameters (connection options included)."""

    def __init__(self, conn, params, check_mode=False, python=None):
        self.conn = conn
        self.params = params
        self.check_mode = check_mode
        self.python = python or sys.executable
        self.endpoint = conn['endpoint_url'].rstrip('/')
        self.bucket = params['bucket']
        self.run_id = time.strftime('%Y%m%dt%H%M%S', time.gmtime()) + '-' + uuid.uuid4().hex[:6]
        base = (params.get('prefix') or '').strip('/')
        self.prefix = (base + '/' if base else '') + self.run_id + '/'
        self.baseline_options = dict(BASELINE_DEFAULTS)
        self.baseline_options.update(dict((k, v) for k, v in (params.get('baseline') or {}).items() if v is not None))
        self.concurrency = int(self.baseline_options['concurrency'])
        self.worker_timeout = int(params.get('worker_timeout') or 300)
        self.bucket_exists = None
        self.scratch_buckets = []
        self.results = []
        self.status_by_name = {}
        self.server = None
        self.boto3_mode = None        # measured working checksum setting for boto3
        self.pyarrow_mode = None      # measured working checksum setting for pyarrow
        self.virtual_host_ok = None
        self.lifecycle = None
        self.baseline = None
        self.many_keys = []
        self._clients = {}
        self._session = None
        self.cleanup_report = None

    # -- clients ----------------------------------------------------------------------------------------------
    def client(self, mode=None, addressing_style='path'):
        """A boto3 client. mode: 'when_supported'/'when_required', or None for the working checksum setting
        measured by checksum_boto3 (before that: the configured request/response_checksum_* options)."""
        mode = mode or self.boto3_mode
        if mode is None and self.conn.get('request_checksum_calculation') == self.conn.get(
                'response_checksum_validation'):
            mode = self.conn.get('request_checksum_calculation')  # same client as the explicit mode
        key = (mode or 'configured', addressing_style)
        if key not in self._clients:
            if self._session is None:
                self._session = s3_session(self.conn)
            self._clients[key] = s3_client(self.conn, addressing_style=addressing_style,
                                           max_pool_connections=max(BULK_THREADS, self.concurrency) + 2,
                                           request_checksum_calculation=mode, response_checksum_validation=mode,
                                           session=self._session)
        return self._clients[key]

    @property
    def pyarrow_env_mode(self):
        if self.pyarrow_mode:
            return self.pyarrow_mode
        configured = self.conn.get('request_checksum_calculation') or DEFAULTS
        return configured

    def key(self, name):
        return self.prefix + name

    # -- running ----------------------------------------------------------------------------------------------
    def run(self):
        plan = plan_checks(self.params.get('checks'), self.params.get('skip_checks'), self.check_mode,
                           bool(self.params.get('lifecycle_rules')), bool(self.params.get('sts_role_arn')))
        try:
            for name, skip_reason, _implied in plan:
                spec = CHECK_SPECS[name]
                required = spec['required'] or (name == 'lifecycle' and bool(self.params.get('lifecycle_rules'))) \
                    or (name == 'sts' and bool(self.params.get('sts_role_arn')))
                if skip_reason:
                    self._record(name, SKIP, 0, 'skipped: ' + skip_reason, None, required)
                    continue
                blocked = self._blocking(name)
                if blocked:
                    self._record(name, SKIP, 0, 'skipped: %s did not pass' % ', '.join(blocked), None, required)
                    continue
                self._run_one(name, required)
        finally:
            if not self.check_mode:
                self.cleanup_report = self.cleanup()
        return self.report()

    def _blocking(self, name):
        out = []
        for need in CHECK_SPECS[name]['needs']:
            status = self.status_by_name.get(need)
            if status not in (PASS, WARN):
                out.append(need)
        return out

    def _record(self, name, status, duration_ms, detail, remedy, required, data=None):
        result = make_result(name, status, duration_ms, detail, remedy, required, data)
        self.results.append(result)
        self.status_by_name[name] = status
        return result

    def _run_one(self, name, required):
        t0 = time.perf_counter()
        method = getattr(self, 'check_' + name)
        try:
            outcome = method()
            status, detail, remedy, data = PASS, outcome[0], None, outcome[1] if len(outcome) > 1 else {}
        except CheckOutcome as exc:
            status, detail, remedy, data = exc.status, exc.detail, exc.remedy, exc.data
        except (ClientError, BotoCoreError) as exc:
            outcome = s3_error_outcome(exc, self.endpoint, '%s check' % name)
            status, detail, remedy, data = outcome.status, outcome.detail, outcome.remedy, outcome.data
        except Exception as exc:  # a bug or an unexpected answer: report it, never a traceback in msg
            status, detail = FAIL, 'unexpected error: %s: %s' % (type(exc).__name__, one_line(exc, 300))
            remedy = 'report this as a bug of ceph_s3_validate together with data.traceback'
            data = {'traceback': traceback.format_exc()[-2000:]}
        self._record(name, status, (time.perf_counter() - t0) * 1000.0, detail, remedy, required, data)

    # -- cleanup and report -----------------------------------------------------------------------------------
    def cleanup(self):
        t0 = time.perf_counter()
        report = self._cleanup()
        report['duration_ms'] = round((time.perf_counter() - t0) * 1000.0, 1)
        return report

    def _cleanup(self):
        report = dict(enabled=bool(self.params.get('cleanup', True)), prefix=self.prefix, objects_deleted=0,
                      uploads_aborted=0, scratch_buckets_deleted=[], errors=[])
        if self.status_by_name.get('bucket') not in (PASS, WARN) and not self.scratch_buckets:
            return report
        client = None
        try:
            client = self.client()
        except Exception as exc:
            report['errors'].append(one_line(exc, 200))
            return report
        for name in list(self.scratch_buckets):  # always removed: the module never keeps a scratch bucket
            try:
                keys = [obj['Key'] for obj in list_objects(client, name, skip_markers=False)]
                _gone, refused = delete_objects(client, name, keys, single_fallback=True)
                if refused:
                    raise RuntimeError('%d object(s) could not be deleted: %s' % (len(refused), sorted(refused)[:3]))
                client.delete_bucket(Bucket=name)
                report['scratch_buckets_deleted'].append(name)
                self.scratch_buckets.remove(name)
            except Exception as exc:
                report['errors'].append('scratch bucket %s: %s' % (name, one_line(exc, 200)))
        if not report['enabled'] or self.status_by_name.get('bucket') not in (PASS, WARN):
            return report
        try:
            uploads = client.get_paginator('list_multipart_uploads')
            for page in uploads.paginate(Bucket=self.bucket, Prefix=self.prefix):
                for up in page.get('Uploads', []):
                    client.abort_multipart_upload(Bucket=self.bucket, Key=up['Key'], UploadId=up['UploadId'])
                    report['uploads_aborted'] += 1
        except Exception as exc:
            report['errors'].append('abort uploads: %s' % one_line(exc, 200))
        try:
            keys = [obj['Key'] for obj in list_objects(client, self.bucket, self.prefix, skip_markers=False)]
            gone, _refused = delete_objects(client, self.bucket, keys, single_fallback=True)
            report['objects_deleted'] += len(gone)
            left = client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix, MaxKeys=10).get('KeyCount', 0)
            report['objects_left'] = left
        except Exception as exc:
            report['errors'].append('delete objects: %s' % one_line(exc, 200))
        return report

    def report(self):
        compatible = not any(r['status'] == FAIL and r['required'] for r in self.results)
        pyarrow_mode = self.pyarrow_mode
        if pyarrow_mode is None and self.status_by_name.get('parquet') == PASS:
            pyarrow_mode = self.pyarrow_env_mode  # not measured both ways, but known to work
        return dict(
            changed=False,
            compatible=compatible,
            checks=self.results,
            summary=summarize(self.results),
            failed_checks=[r['name'] for r in self.results if r['status'] == FAIL],
            recommended_client_config=recommended_config(
                self.endpoint, self.conn.get('region') or 'us-east-1', self.boto3_mode, pyarrow_mode,
                self.virtual_host_ok, configured=self.conn.get('request_checksum_calculation') or DEFAULTS,
                extra_env=tls_environment(self.conn)),
            baseline=self.baseline or {},
            server=self.server or {},
            lifecycle=self.lifecycle or {},
            cleanup=self.cleanup_report or {},
            run_prefix=self.prefix,
            failure_message=failure_message(self.endpoint, self.results),
        )


def validate(conn, params, check_mode=False, python=None):
    """Run the selected checks; returns the module result (without `msg`)."""
    if BOTO3_IMPORT_ERROR:
        raise ImportError('boto3')
    return Validator(conn, params, check_mode=check_mode, python=python).run()
