#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Throughput of ceph_s3_validate's performance baseline vs raw boto3 vs the AWS CLI, on the same endpoint.

    .venv/bin/python benchmarks/s3_baseline.py [--endpoint-url URL --access-key K --secret-key S]
        [--size-mib 64] [--concurrency 4] [--part-size-mib 8] [--runs 3] [--format markdown|json]

Endpoint and credentials: arguments, else the environment (LAKEHOUSE_S3_ENDPOINT / AWS_ENDPOINT_URL,
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION), else the local stack's credentials/s3.json.

What runs, interleaved round by round so that drift hits every client alike (medians are reported):
  module   measure_throughput() of plugins/module_utils/s3_validation/baseline.py, the function the `performance` check
           uses (boto3 upload_fileobj/download_fileobj, TransferConfig with --concurrency, memory source, discarding
           sink), with the module's client from module_utils/s3.py
  boto3    raw boto3, its own client: upload_fileobj(BytesIO) / download_fileobj(BytesIO), same TransferConfig
  boto3_file  raw boto3 upload_file / download_file on a file in /dev/shm (how most scripts use it)
  aws_cli  `aws s3 cp` up and down (file in /dev/shm), max_concurrent_requests=--concurrency, same part size;
           the wall time includes the CLI's start-up (reported separately too)
The ratio module/boto3 is the figure of merit (target >= 0.9).

Module overhead per run: the module executed as a process (python -m ...ceph_s3_validate args.json, as AnsiballZ
would) with checks=[performance]: wall time minus the time its checks report, and the same through `ansible
localhost -m` (Ansible's own cost on top).
"""

from __future__ import absolute_import, division, print_function

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, '.collections'))

import boto3  # noqa: E402
from boto3.s3.transfer import TransferConfig  # noqa: E402
from botocore.config import Config  # noqa: E402

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import s3_client  # noqa: E402
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.baseline import (  # noqa: E402
    measure_throughput, throughput_mb_s)

MIB = 1024 * 1024
STATE_CREDENTIALS = '/var/lib/dataplatform-lakehouse/credentials/s3.json'


def connection(args):
    conn = dict(endpoint_url=args.endpoint_url or os.environ.get('LAKEHOUSE_S3_ENDPOINT') or os.environ.get(
        'AWS_ENDPOINT_URL'), access_key=args.access_key or os.environ.get('AWS_ACCESS_KEY_ID'),
        secret_key=args.secret_key or os.environ.get('AWS_SECRET_ACCESS_KEY'),
        region=args.region or os.environ.get('AWS_REGION') or None)
    if not (conn['endpoint_url'] and conn['access_key'] and conn['secret_key']) and os.path.exists(
            args.credentials):
        with open(args.credentials) as handle:
            stored = json.load(handle)
        for key in ('endpoint_url', 'access_key', 'secret_key', 'region'):
            conn[key] = conn.get(key) or stored.get(key)
    if not (conn['endpoint_url'] and conn['access_key'] and conn['secret_key']):
        sys.exit('no endpoint/credentials: pass --endpoint-url/--access-key/--secret-key, set the AWS_* variables '
                 'or start the local stack (%s)' % args.credentials)
    conn.update(region=conn.get('region') or 'us-east-1', validate_certs=True, ca_bundle=args.ca_bundle,
                request_checksum_calculation=args.checksum, response_checksum_validation=args.checksum,
                connect_timeout=5, read_timeout=120)
    return conn


def raw_client(conn, concurrency):
    verify = conn['ca_bundle'] or True
    return boto3.session.Session(
        aws_access_key_id=conn['access_key'], aws_secret_access_key=conn['secret_key'],
        region_name=conn['region']).client(
        's3', endpoint_url=conn['endpoint_url'], verify=verify,
        config=Config(signature_version='s3v4', s3={'addressing_style': 'path'},
                      max_pool_connections=max(10, concurrency + 2),
                      request_checksum_calculation=conn['request_checksum_calculation'],
                      response_checksum_validation=conn['response_checksum_validation']))


def run_raw_memory(client, bucket, key, data, config):
    t0 = time.perf_counter()
    client.upload_fileobj(io.BytesIO(data), bucket, key, Config=config)
    put = time.perf_counter() - t0
    sink = io.BytesIO()
    t0 = time.perf_counter()
    client.download_fileobj(bucket, key, sink, Config=config)
    get = time.perf_counter() - t0
    assert sink.getbuffer().nbytes == len(data)
    return put, get


def run_raw_file(client, bucket, key, path, out, config):
    t0 = time.perf_counter()
    client.upload_file(path, bucket, key, Config=config)
    put = time.perf_counter() - t0
    t0 = time.perf_counter()
    client.download_file(bucket, key, out, Config=config)
    get = time.perf_counter() - t0
    return put, get


def aws_cli(conn, tmp, concurrency, part_size):
    aws = shutil.which('aws', path=os.path.dirname(sys.executable)) or shutil.which('aws')
    if not aws:
        return None, None
    cfg = os.path.join(tmp, 'aws-config')
    with open(cfg, 'w') as handle:
        handle.write('[default]\nregion = %s\nrequest_checksum_calculation = %s\nresponse_checksum_validation = %s\n'
                     's3 =\n  max_concurrent_requests = %d\n  multipart_chunksize = %dMB\n  multipart_threshold = %dMB\n'
                     '  addressing_style = path\n  signature_version = s3v4\n'
                     % (conn['region'], conn['request_checksum_calculation'], conn['response_checksum_validation'],
                        concurrency, part_size // MIB, part_size // MIB))
    env = dict(os.environ, AWS_CONFIG_FILE=cfg, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
               AWS_ACCESS_KEY_ID=conn['access_key'], AWS_SECRET_ACCESS_KEY=conn['secret_key'])
    if conn.get('ca_bundle'):
        env['AWS_CA_BUNDLE'] = conn['ca_bundle']
    return [aws, '--endpoint-url', conn['endpoint_url']], env


def run_cli(cmd, env, args):
    t0 = time.perf_counter()
    subprocess.run(cmd + args, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def module_overhead(conn, bucket, size, concurrency, part_size, tmp):
    """Run the module as a process (and through ansible) with checks=[performance]; wall minus reported work."""
    args = dict(endpoint_url=conn['endpoint_url'], access_key=conn['access_key'], secret_key=conn['secret_key'],
                region=conn['region'], bucket=bucket, checks=['performance'],
                request_checksum_calculation=conn['request_checksum_calculation'],
                response_checksum_validation=conn['response_checksum_validation'],
                baseline=dict(concurrency=concurrency, large_object_size=size, part_size=part_size,
                              large_iterations=1, iterations=20, throughput_sizes=[]))
    if conn.get('ca_bundle'):
        args['ca_bundle'] = conn['ca_bundle']
    path = os.path.join(tmp, 'args.json')
    with open(path, 'w') as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': args}, handle)
    os.chmod(path, 0o600)
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, '.collections'))
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, '-m', 'ansible_collections.dataplatform.lakehouse.plugins.modules.'
                           'ceph_s3_validate', path], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          check=False)
    wall = time.perf_counter() - t0
    result = json.loads(proc.stdout.decode())
    checks_ms = sum(c['duration_ms'] for c in result['checks'])
    perf = [c for c in result['checks'] if c['name'] == 'performance'][0]
    base = result.get('baseline') or {}
    phases = base.get('phase_seconds', {})
    measured_s = phases.get('small_timed', 0) + phases.get('mixed_concurrent', 0) + phases.get('throughput_timed', 0)
    out = dict(process_wall_s=round(wall, 3), checks_s=round(checks_ms / 1000.0, 3),
               cleanup_s=round((result.get('cleanup') or {}).get('duration_ms', 0) / 1000.0, 3),
               process_overhead_s=round(wall - checks_ms / 1000.0, 3),
               prerequisite_checks_s=round((checks_ms - perf['duration_ms']) / 1000.0, 3),
               performance_check_s=round(perf['duration_ms'] / 1000.0, 3),
               performance_timed_ops_s=round(measured_s, 3), performance_phases_s=phases, status=perf['status'])
    t0 = time.perf_counter()
    subprocess.run([sys.executable, '-c', 'import ansible_collections.dataplatform.lakehouse.plugins.modules.'
                    'ceph_s3_validate'], env=env, check=True)
    out['python_start_and_imports_s'] = round(time.perf_counter() - t0, 3)
    ansible = os.path.join(os.path.dirname(sys.executable), 'ansible')
    if os.path.exists(ansible):
        module_args = json.dumps(args)
        t0 = time.perf_counter()
        proc = subprocess.run([ansible, 'localhost', '-m', 'dataplatform.lakehouse.ceph_s3_validate', '-a',
                               module_args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=dict(os.environ), check=False)
        out['ansible_wall_s'] = round(time.perf_counter() - t0, 3)
        out['ansible_overhead_vs_process_s'] = round(out['ansible_wall_s'] - wall, 3)
        out['ansible_rc'] = proc.returncode
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    ap.add_argument('--endpoint-url')
    ap.add_argument('--access-key')
    ap.add_argument('--secret-key')
    ap.add_argument('--region')
    ap.add_argument('--ca-bundle')
    ap.add_argument('--credentials', default=STATE_CREDENTIALS)
    ap.add_argument('--bucket', help='existing bucket to use (default: a temporary one, deleted afterwards)')
    ap.add_argument('--size-mib', type=int, default=64)
    ap.add_argument('--concurrency', type=int, default=4)
    ap.add_argument('--part-size-mib', type=int, default=8)
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--checksum', default='when_supported', choices=['when_supported', 'when_required'],
                    help='request/response checksum setting for every boto3-based client and the CLI')
    ap.add_argument('--no-overhead', action='store_true', help='skip the module process/ansible overhead runs')
    ap.add_argument('--format', default='markdown', choices=['markdown', 'json'])
    args = ap.parse_args()

    conn = connection(args)
    size, part = args.size_mib * MIB, args.part_size_mib * MIB
    module_client = s3_client(conn, max_pool_connections=max(10, args.concurrency + 2))
    raw = raw_client(conn, args.concurrency)
    bucket = args.bucket or 's3v-bench-%s' % uuid.uuid4().hex[:8]
    created = False
    if not args.bucket:
        raw.create_bucket(Bucket=bucket)
        created = True
    shm = '/dev/shm' if os.path.isdir('/dev/shm') else None
    tmp = tempfile.mkdtemp(prefix='s3v-bench-', dir=shm)
    config = TransferConfig(multipart_threshold=part, multipart_chunksize=part, max_concurrency=args.concurrency,
                            use_threads=args.concurrency > 1)
    data = os.urandom(size)
    src = os.path.join(tmp, 'src.bin')
    with open(src, 'wb') as handle:
        handle.write(data)
    cli, cli_env = aws_cli(conn, tmp, args.concurrency, part)
    times = dict((name, dict(put=[], get=[])) for name in ('module', 'boto3', 'boto3_file', 'aws_cli'))
    cli_start = []
    try:
        for i in range(args.runs):
            res = measure_throughput(module_client, bucket, 'bench/module-%d' % i, data, args.concurrency, part, 1)
            times['module']['put'].append(res['put_s'][0])
            times['module']['get'].append(res['get_s'][0])
            put, get = run_raw_memory(raw, bucket, 'bench/boto3-%d' % i, data, config)
            times['boto3']['put'].append(put)
            times['boto3']['get'].append(get)
            put, get = run_raw_file(raw, bucket, 'bench/boto3file-%d' % i, src, os.path.join(tmp, 'out.bin'), config)
            times['boto3_file']['put'].append(put)
            times['boto3_file']['get'].append(get)
            if cli:
                key = 's3://%s/bench/cli-%d' % (bucket, i)
                times['aws_cli']['put'].append(run_cli(cli, cli_env, ['s3', 'cp', '--only-show-errors', src, key]))
                down = ['s3', 'cp', '--only-show-errors', key, os.path.join(tmp, 'cli.bin')]
                times['aws_cli']['get'].append(run_cli(cli, cli_env, down))
                cli_start.append(run_cli(cli, cli_env, ['s3api', 'head-bucket', '--bucket', bucket]))
        overhead = None if args.no_overhead else module_overhead(conn, bucket, size, args.concurrency, part, tmp)
    finally:
        for page in raw.get_paginator('list_objects_v2').paginate(Bucket=bucket, Prefix='bench/'):
            for obj in page.get('Contents', []):
                raw.delete_object(Bucket=bucket, Key=obj['Key'])
        if created:
            for page in raw.get_paginator('list_objects_v2').paginate(Bucket=bucket):
                for obj in page.get('Contents', []):
                    raw.delete_object(Bucket=bucket, Key=obj['Key'])
            raw.delete_bucket(Bucket=bucket)
        shutil.rmtree(tmp, ignore_errors=True)

    rows = {}
    for name, t in times.items():
        if not t['put']:
            continue
        rows[name] = dict(put_mb_s=throughput_mb_s(size, statistics.median(t['put'])),
                          get_mb_s=throughput_mb_s(size, statistics.median(t['get'])),
                          put_s=[round(x, 3) for x in t['put']], get_s=[round(x, 3) for x in t['get']])
    if cli_start and 'aws_cli' in rows:
        start = statistics.median(cli_start)
        t = times['aws_cli']
        rows['aws_cli_minus_startup'] = dict(
            put_mb_s=throughput_mb_s(size, max(statistics.median(t['put']) - start, 1e-3)),
            get_mb_s=throughput_mb_s(size, max(statistics.median(t['get']) - start, 1e-3)),
            note='median wall minus the median start-up + one request (s3api head-bucket)')
    for name, row in rows.items():
        for op in ('put', 'get'):
            row['%s_ratio_module_vs_this' % op] = round(rows['module']['%s_mb_s' % op] / row['%s_mb_s' % op], 3)
    report = dict(endpoint=conn['endpoint_url'], size_mib=args.size_mib, concurrency=args.concurrency,
                  part_size_mib=args.part_size_mib, runs=args.runs, checksum=args.checksum, results=rows,
                  target=0.9, aws_cli_startup_s=round(statistics.median(cli_start), 3) if cli_start else None,
                  module_overhead=overhead)
    report['ratio_module_vs_boto3'] = dict(put=round(rows['module']['put_mb_s'] / rows['boto3']['put_mb_s'], 3),
                                           get=round(rows['module']['get_mb_s'] / rows['boto3']['get_mb_s'], 3))
    report['meets_target'] = min(report['ratio_module_vs_boto3'].values()) >= 0.9
    if args.format == 'json':
        print(json.dumps(report, indent=2))
        return
    print('S3 baseline on %s: %d MiB object, concurrency %d, part %d MiB, median of %d runs, checksums %s\n'
          % (report['endpoint'], args.size_mib, args.concurrency, args.part_size_mib, args.runs, args.checksum))
    print('| client | put MB/s | get MB/s | module/this put | module/this get |')
    print('|---|---|---|---|---|')
    for name, row in rows.items():
        print('| %s | %s | %s | %.3f | %.3f |' % (name, row['put_mb_s'], row['get_mb_s'],
                                                  row['put_ratio_module_vs_this'], row['get_ratio_module_vs_this']))
    print('\nmodule vs raw boto3: put %.3f, get %.3f (target >= 0.9: %s)' % (
        report['ratio_module_vs_boto3']['put'], report['ratio_module_vs_boto3']['get'],
        'met' if report['meets_target'] else 'NOT met'))
    if cli_start:
        print('aws cli start-up + one request (s3api head-bucket): %.3f s, included in its figures'
              % report['aws_cli_startup_s'])
    if overhead:
        print('\nmodule overhead per run (checks=[performance], %d MiB x1, 20 small objects):' % args.size_mib)
        print('| measure | seconds |')
        print('|---|---|')
        for key in ('process_wall_s', 'checks_s', 'process_overhead_s', 'python_start_and_imports_s', 'cleanup_s',
                    'prerequisite_checks_s',
                    'performance_check_s', 'performance_phases_s',
                    'performance_timed_ops_s', 'ansible_wall_s', 'ansible_overhead_vs_process_s'):
            if key in overhead:
                print('| %s | %s |' % (key, overhead[key]))
    print('\n```json\n%s\n```' % json.dumps(report))


if __name__ == '__main__':
    main()
