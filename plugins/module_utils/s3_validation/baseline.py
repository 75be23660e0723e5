# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The performance baseline of the `performance` check (and of benchmarks/s3_baseline.py): latency statistics,
small-object operations, PUT/GET throughput by object size (a sweep, 4 KiB to 64 MiB) through boto3's TransferConfig."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import os
import threading
import time

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.catalogue import FAIL, MIB, CheckOutcome

try:
    from boto3.s3.transfer import TransferConfig
except ImportError:  # reported through BOTO3_IMPORT_ERROR of the S3 layer
    TransferConfig = None


def percentile(values, pct):
    """Percentile with linear interpolation between closest ranks (numpy's default 'linear' method).

    percentile([1..100], 50) == 50.5, 95 -> 95.05, 99 -> 99.01. None for an empty list.
    """
    if not values:
        return None
    data = sorted(values)
    if len(data) == 1:
        return float(data[0])
    if pct <= 0:
        return float(data[0])
    if pct >= 100:
        return float(data[-1])
    rank = (len(data) - 1) * (pct / 100.0)
    low = int(rank)
    high = min(low + 1, len(data) - 1)
    return float(data[low] + (data[high] - data[low]) * (rank - low))


def latency_stats(seconds):
    """Latency statistics in milliseconds for a list of durations in seconds."""
    if not seconds:
        return dict(count=0, min_ms=None, mean_ms=None, p50_ms=None, p95_ms=None, p99_ms=None, max_ms=None)
    ms = [s * 1000.0 for s in seconds]
    return dict(
        count=len(ms),
        min_ms=round(min(ms), 3),
        mean_ms=round(sum(ms) / len(ms), 3),
        p50_ms=round(percentile(ms, 50), 3),
        p95_ms=round(percentile(ms, 95), 3),
        p99_ms=round(percentile(ms, 99), 3),
        max_ms=round(max(ms), 3),
    )


def throughput_mb_s(nbytes, seconds):
    """MB/s with MB = 10**6 bytes (the unit of the reference figures)."""
    if not seconds or seconds <= 0:
        return None
    return round(nbytes / 1e6 / seconds, 2)


class _Discard(object):
    """A seekable sink for download_fileobj that keeps nothing (throughput without disk I/O)."""

    def __init__(self):
        self._pos = 0
        self.size = 0
        self._lock = threading.Lock()

    def write(self, data):
        with self._lock:
            self._pos += len(data)
            self.size = max(self.size, self._pos)
        return len(data)

    def seek(self, pos, whence=0):
        with self._lock:
            if whence == 0:
                self._pos = pos
            elif whence == 1:
                self._pos += pos
            else:
                self._pos = self.size + pos
        return self._pos

    def tell(self):
        return self._pos

    def flush(self):
        pass

    def seekable(self):
        return True

    def writable(self):
        return True


def payload(size, block=MIB):
    """`size` bytes of incompressible data, cheaply: one random MiB repeated (gateways neither compress nor
    deduplicate by default; os.urandom of 64 MiB alone costs ~0.3 s of the run)."""
    chunk = os.urandom(min(size, block))
    reps, rest = divmod(size, len(chunk)) if chunk else (0, 0)
    return chunk * reps + chunk[:rest]


def transfer_config(concurrency, part_size):
    return TransferConfig(multipart_threshold=part_size, multipart_chunksize=part_size,
                          max_concurrency=max(1, int(concurrency)), use_threads=int(concurrency) > 1)


def measure_throughput(client, bucket, key, data, concurrency, part_size, iterations=1):
    """Timed upload_fileobj / download_fileobj (boto3 TransferConfig with `concurrency` threads) of `data`.

    This is the function the performance check uses; benchmarks/s3_baseline.py compares it with raw boto3 and
    the AWS CLI. Returns {put_mb_s, get_mb_s (medians), put_s, get_s (all runs)}.
    """
    config = transfer_config(concurrency, part_size)
    put_s, get_s = [], []
    for _i in range(max(1, int(iterations))):
        src = io.BytesIO(data)
        t0 = time.perf_counter()
        client.upload_fileobj(src, bucket, key, Config=config)
        put_s.append(time.perf_counter() - t0)
        sink = _Discard()
        t0 = time.perf_counter()
        client.download_fileobj(bucket, key, sink, Config=config)
        get_s.append(time.perf_counter() - t0)
        if sink.size != len(data):
            raise CheckOutcome(FAIL, 'download of %s returned %d bytes, expected %d' % (key, sink.size, len(data)))
    size = len(data)
    return dict(
        size_bytes=size, concurrency=int(concurrency), part_size=int(part_size), iterations=len(put_s),
        put_mb_s=throughput_mb_s(size, percentile(put_s, 50)), get_mb_s=throughput_mb_s(size, percentile(get_s, 50)),
        put_s=[round(s, 4) for s in put_s], get_s=[round(s, 4) for s in get_s],
    )


def measure_small_ops(client, bucket, prefix, object_size, iterations, concurrency):
    """Sequential latency of put/get/head/list/delete of small objects, plus concurrent mixed ops/s."""
    body = os.urandom(int(object_size))
    keys = ['%sobj-%05d' % (prefix, i) for i in range(int(iterations))]
    lat = dict(put=[], get=[], head=[], list=[], delete=[])

    clock = time.perf_counter
    for key in keys:
        t0 = clock()
        client.put_object(Bucket=bucket, Key=key, Body=body)
        lat['put'].append(clock() - t0)
    for key in keys:
        t0 = clock()
        client.get_object(Bucket=bucket, Key=key)['Body'].read()
        lat['get'].append(clock() - t0)
    for key in keys:
        t0 = clock()
        client.head_object(Bucket=bucket, Key=key)
        lat['head'].append(clock() - t0)
    for _key in keys:
        t0 = clock()
        client.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1000)
        lat['list'].append(clock() - t0)
    for key in keys:
        t0 = clock()
        client.delete_object(Bucket=bucket, Key=key)
        lat['delete'].append(clock() - t0)

    # Concurrent mixed ops: each worker does put, head, get, delete of its own object.
    mixed_keys = ['%smixed-%05d' % (prefix, i) for i in range(int(iterations))]

    def cycle(key):
        client.put_object(Bucket=bucket, Key=key, Body=body)
        client.head_object(Bucket=bucket, Key=key)
        client.get_object(Bucket=bucket, Key=key)['Body'].read()
        client.delete_object(Bucket=bucket, Key=key)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, int(concurrency))) as pool:
        list(pool.map(cycle, mixed_keys))
    mixed_wall = time.perf_counter() - t0
    ops = dict((op, round(len(v) / sum(v), 1) if v and sum(v) > 0 else None) for op, v in lat.items())
    ops['mixed_concurrent'] = round(4 * len(mixed_keys) / mixed_wall, 1) if mixed_wall > 0 else None
    ops['mixed_concurrent_seconds'] = round(mixed_wall, 4)
    return lat, ops


def sweep_iterations(size, part_size, large_iterations, large_object_size):
    """How many times one size of the throughput sweep is put and got: objects that are transferred in one
    request are latency-bound and cheap, so they get more repetitions (4 to 8, about 4 MiB moved at 1 MiB and more);
    the multipart ones once, except large_object_size (large_iterations, its median is throughput_mb_s)."""
    if size == large_object_size:
        return max(1, int(large_iterations))
    if size >= part_size:
        return 1
    return max(4, min(8, (4 * MIB) // max(1, size)))


def measure_sweep(client, bucket, prefix, sizes, concurrency, part_size, large_iterations, large_object_size):
    """PUT/GET throughput of one object at each size (upload_fileobj/download_fileobj with the same
    TransferConfig: multipart from part_size on), to see where throughput stops growing with the size.
    Returns (rows sorted by size, {size: measure_throughput result}, seconds spent generating data)."""
    sizes = sorted(set(int(s) for s in sizes))
    t0 = time.perf_counter()
    data = payload(sizes[-1])
    generation = time.perf_counter() - t0
    view = memoryview(data)
    rows, raw = [], {}
    for size in sizes:
        key = '%ssize-%d.bin' % (prefix, size)
        tp = measure_throughput(client, bucket, key, view[:size].tobytes() if size < len(data) else data,
                                concurrency, part_size, sweep_iterations(size, part_size, large_iterations, large_object_size))
        client.delete_object(Bucket=bucket, Key=key)
        raw[size] = tp
        rows.append(dict(size_bytes=size, iterations=tp['iterations'], multipart=size >= part_size,
                         put_mb_s=tp['put_mb_s'], get_mb_s=tp['get_mb_s'],
                         put_p50_ms=round(percentile(tp['put_s'], 50) * 1000.0, 3),
                         get_p50_ms=round(percentile(tp['get_s'], 50) * 1000.0, 3)))
    return rows, raw, generation


def saturation(rows, op, fraction=0.9):
    """The smallest size whose `op` throughput reaches `fraction` of the best one measured (None without data)."""
    values = [(r['size_bytes'], r.get('%s_mb_s' % op)) for r in rows if r.get('%s_mb_s' % op) is not None]
    if not values:
        return None
    best = max(v for _s, v in values)
    return min(s for s, v in values if v >= fraction * best)


def run_baseline(client, bucket, prefix, options):
    """The performance baseline used by the `performance` check (and the benchmark)."""
    opts = dict(BASELINE_DEFAULTS)
    opts.update(dict((k, v) for k, v in (options or {}).items() if v is not None))
    clock = time.perf_counter
    t_small = clock()
    lat, ops = measure_small_ops(client, bucket, prefix + 'small/', opts['object_size'], opts['iterations'],
                                 opts['concurrency'])
    t_small = clock() - t_small
    mixed_s = ops.pop('mixed_concurrent_seconds')
    all_small = [s for values in lat.values() for s in values]
    large = int(opts['large_object_size'])
    sizes = list(opts['throughput_sizes'] or []) + [large]
    t_sweep = clock()
    rows, raw, t_data = measure_sweep(client, bucket, prefix + 'sweep/', sizes, opts['concurrency'],
                                      opts['part_size'], opts['large_iterations'], large)
    t_sweep = clock() - t_sweep
    tp = raw[large]
    return dict(
        phase_seconds=dict(small_sequential=round(t_small - mixed_s, 4), small_timed=round(sum(all_small), 4),
                           mixed_concurrent=mixed_s, throughput_data_generation=round(t_data, 4),
                           throughput_sweep=round(t_sweep - t_data, 4),
                           throughput_timed=round(sum(sum(r['put_s']) + sum(r['get_s']) for r in raw.values()), 4)),
        object_size=int(opts['object_size']), iterations=int(opts['iterations']),
        concurrency=int(opts['concurrency']), large_object_size=large,
        large_iterations=int(opts['large_iterations']), part_size=int(opts['part_size']),
        latency_ms=dict((op, latency_stats(v)) for op, v in lat.items()),
        ops_per_second=ops,
        throughput_mb_s=dict(put=tp['put_mb_s'], get=tp['get_mb_s']),
        large_transfer_seconds=dict(put=tp['put_s'], get=tp['get_s']),
        throughput_by_size=rows,
        saturation_size_bytes=dict(put=saturation(rows, 'put'), get=saturation(rows, 'get')),
        max_op_seconds=round(max(all_small), 4) if all_small else None,
        threshold_seconds=float(opts['max_op_seconds']),
        within_threshold=bool(all_small) and max(all_small) <= float(opts['max_op_seconds']),
    )


# The throughput sweep: 4 KiB to 64 MiB by factors of 4, and 8 and 32 MiB around the default part size, where the
# transfer becomes multipart; large_object_size is always measured too (throughput_mb_s is its figure).
THROUGHPUT_SIZES = [4096, 16384, 65536, 262144, MIB, 4 * MIB, 8 * MIB, 16 * MIB, 32 * MIB, 64 * MIB]

BASELINE_DEFAULTS = dict(
    object_size=4096,
    iterations=50,
    concurrency=4,
    large_object_size=32 * MIB,
    large_iterations=2,
    part_size=8 * MIB,
    throughput_sizes=THROUGHPUT_SIZES,
    max_op_seconds=5.0,
)
