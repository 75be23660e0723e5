# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checks of what Iceberg does with the bucket (a mixin of Validator): lifecycle rules (ensured through
lifecycle.py when lifecycle_rules are given), Parquet and PyIceberg round trips in the child process,
the performance baseline."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import one_line
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.baseline import run_baseline
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.catalogue import (
    CHECKSUM_ENV_VARS,
    FAIL,
    MIB,
    REMEDY_CHECKSUM_ENV,
    SKIP,
    WARN,
    WHEN_REQUIRED,
    CheckOutcome,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.diagnose import worker_remedy
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.lifecycle import (
    canonical_rule,
    put_rules,
    read_rules,
    rule_from_s3,
    rule_to_s3,
    rules_not_as_declared,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.runner import ops_failed, run_worker, tls_environment, worker_failure


class DataChecks(object):
    """check_lifecycle, check_parquet, check_iceberg and check_performance of Validator."""

    def check_lifecycle(self):
        client = self.client()
        desired = self.params.get('lifecycle_rules') or []
        existing = read_rules(client, self.bucket)
        if desired:
            # Verification only: the rules are configuration, set by the s3_bucket module.
            wrong = rules_not_as_declared(existing, desired)
            info = dict(existing_rule_ids=[r.get('ID') for r in existing], expected_rule_ids=[r['id'] for r in desired])
            self.lifecycle = info
            if wrong:
                missing = sorted(k for k, v in wrong.items() if v is None)
                differ = sorted(k for k, v in wrong.items() if v is not None)
                raise CheckOutcome(FAIL, 'bucket %r lacks lifecycle rules it should have: %s' % (self.bucket, '; '.join(
                    p for p in ('missing %s' % ', '.join(missing) if missing else '',
                                'different %s (on the bucket: %s)' % (', '.join(differ), one_line(
                                    [wrong[k] for k in differ], 300)) if differ else '') if p)),
                    'set them with dataplatform.lakehouse.s3_bucket (lifecycle_rules); if they were set and read '
                    'back differently, the gateway rewrote them (RGW: rgw_lc_* settings)', info)
            return ('the %d expected lifecycle rule(s) are on the bucket, read back as declared (%d rule(s) in all)'
                    % (len(desired), len(existing)), info)
        info = dict(existing_rule_ids=[r.get('ID') for r in existing])
        if self.check_mode:
            self.lifecycle = info
            return 'lifecycle configuration readable: %d rule(s) (check mode, no round trip)' % len(existing), info
        if existing:
            self.lifecycle = info
            raise CheckOutcome(SKIP, 'bucket already has %d lifecycle rule(s); the put/get round trip is only done on '
                               'a bucket without lifecycle configuration, so they were left untouched (GET ok)'
                               % len(existing), None, info)
        probe = {'id': 'ceph-s3-validate-%s' % self.run_id, 'prefix': self.key('lifecycle/'), 'expiration_days': 1,
                 'abort_incomplete_multipart_days': 1}
        put_rules(client, self.bucket, [rule_to_s3(probe)])
        try:
            after = read_rules(client, self.bucket)
        finally:
            client.delete_bucket_lifecycle(Bucket=self.bucket)
        got = [rule_from_s3(r) for r in after]
        if got != [canonical_rule(probe)]:
            raise CheckOutcome(FAIL, 'lifecycle rule read back differs: %s' % one_line(got, 300),
                               'check the gateway lifecycle support (RGW rgw_lc_* settings)', info)
        self.lifecycle = info
        return 'lifecycle put/get round trip ok (temporary rule, removed again)', info

    def _pyarrow_task(self, task, label):
        mode = self.pyarrow_env_mode
        out = run_worker(self.conn, self.bucket, self.key(task + '/'), self.run_id, [task], mode, label,
                         self.worker_timeout, self.python)
        problem = worker_failure(out)
        if problem:
            raise CheckOutcome(FAIL, problem, 'install pyarrow/pyiceberg (requirements.txt) for %s' % self.python
                               if 'import' in problem else 'see detail', {'mode': mode})
        res = out.get(task, {})
        if not res.get('task_error'):
            res.pop('trace', None)
        env = dict((n, WHEN_REQUIRED) for n in CHECKSUM_ENV_VARS) if mode == WHEN_REQUIRED else {}
        env.update(tls_environment(self.conn))
        data = dict(res, env_mode=mode, environment=env)
        failed = ops_failed(res)
        if res.get('task_error'):
            failed['task'] = res['task_error']
        setting = ('with AWS_REQUEST_CHECKSUM_CALCULATION=when_required' if mode == WHEN_REQUIRED
                   else 'with SDK checksum defaults')
        return res, data, failed, setting, mode

    def check_parquet(self):
        res, data, failed, setting, mode = self._pyarrow_task('parquet', 'parquet')
        if failed:
            name, err = sorted(failed.items())[0]
            raise CheckOutcome(FAIL, 'Parquet cycle failed %s (%s: %s)' % (setting, name, one_line(err, 300)),
                               worker_remedy(err, mode, REMEDY_CHECKSUM_ENV), data)
        return ('Parquet %d rows (%s bytes, snappy) written in %.0f ms, read back in %.0f ms, column read %.0f ms, %s'
                % (res.get('rows', 0), res.get('size_bytes'), res['write']['ms'], res['read']['ms'],
                   res['read_column']['ms'], setting), data)

    def check_iceberg(self):
        res, data, failed, setting, mode = self._pyarrow_task('iceberg', 'iceberg')
        if failed:
            name, err = sorted(failed.items())[0]
            raise CheckOutcome(FAIL, 'Iceberg round trip failed %s (%s: %s)' % (setting, name, one_line(err, 300)),
                               worker_remedy(err, mode, REMEDY_CHECKSUM_ENV), data)
        left = (res.get('leftover_files') or {}).get('value')
        detail = ('PyIceberg SqlCatalog: create_table %.0f ms, 2 appends %.0f/%.0f ms, scan %.0f ms, time travel '
                  '%.0f ms, purge_table %.0f ms, %s' % (
                      res['create_table']['ms'], res['append_1']['ms'], res['append_2']['ms'], res['scan']['ms'],
                      res['time_travel']['ms'], res['purge_table']['ms'], setting))
        if left:
            raise CheckOutcome(WARN, detail + '; %d file(s) left under the table location after purge' % left,
                               'informational: PyIceberg purge deletes the files it tracks; clean the prefix', data)
        return detail + '; no files left after purge', data

    def check_performance(self):
        client = self.client()
        baseline = run_baseline(client, self.bucket, self.key('perf/'), self.baseline_options)
        self.baseline = baseline
        lat = baseline['latency_ms']
        detail = ('%d B objects x%d: p50/p95/p99 ms put %s/%s/%s get %s/%s/%s head %s/%s/%s list %s/%s/%s delete '
                  '%s/%s/%s; %d MiB x%d at concurrency %d: put %s MB/s, get %s MB/s; mixed ops/s %s' % (
                      baseline['object_size'], baseline['iterations'],
                      lat['put']['p50_ms'], lat['put']['p95_ms'], lat['put']['p99_ms'],
                      lat['get']['p50_ms'], lat['get']['p95_ms'], lat['get']['p99_ms'],
                      lat['head']['p50_ms'], lat['head']['p95_ms'], lat['head']['p99_ms'],
                      lat['list']['p50_ms'], lat['list']['p95_ms'], lat['list']['p99_ms'],
                      lat['delete']['p50_ms'], lat['delete']['p95_ms'], lat['delete']['p99_ms'],
                      baseline['large_object_size'] // MIB, baseline['large_iterations'], baseline['concurrency'],
                      baseline['throughput_mb_s']['put'], baseline['throughput_mb_s']['get'],
                      baseline['ops_per_second']['mixed_concurrent']))
        sat = baseline.get('saturation_size_bytes') or {}
        if baseline.get('throughput_by_size'):
            detail += '; throughput by size %d B..%d B, 90%% of the best from put %s B, get %s B' % (
                baseline['throughput_by_size'][0]['size_bytes'], baseline['throughput_by_size'][-1]['size_bytes'],
                sat.get('put'), sat.get('get'))
        if not baseline['within_threshold']:
            raise CheckOutcome(FAIL, 'slowest small-object operation took %.2f s (> %.1f s threshold); %s' % (
                baseline['max_op_seconds'], baseline['threshold_seconds'], detail),
                'S3 operations must complete within %.0f s: check gateway load, OSD latency and the network '
                '(RGW: rgw_frontends ... tcp_nodelay=1)' % baseline['threshold_seconds'], {})
        return detail + '; slowest small op %.3f s (threshold %.1f s)' % (
            baseline['max_op_seconds'], baseline['threshold_seconds']), {}
