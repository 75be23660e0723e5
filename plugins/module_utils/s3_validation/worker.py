# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The child program of the checksum_pyarrow, parquet and iceberg checks (pyarrow / PyIceberg on S3).

A program, not a library: runner.run_worker executes its source in a child interpreter (``python -c``) whose
environment decides the AWS SDK's checksum behaviour. It reads one JSON object on stdin:
    {access_key, secret_key, region, scheme, endpoint_override, endpoint_url, ca_bundle, connect_timeout,
     read_timeout, bucket, prefix, run_id, tasks: [checksum|parquet|iceberg...], label, rows}
and prints one JSON line: {python, env, pyarrow, <task>: {<operation>: {ok, ms[, value | error]}, task_ms, ...}}
or {python, env, import_error | fs_error} when it cannot start. A task name it does not know gives only
{task_ms}. Standard library only at import time (pyarrow and PyIceberg are imported when it runs), so it
can also be run as a file: ``python worker.py < config.json``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import re
import sys
import tempfile
import time
import traceback

CHECKSUM_ENV_VARS = ('AWS_REQUEST_CHECKSUM_CALCULATION', 'AWS_RESPONSE_CHECKSUM_VALIDATION')


def squash(e):
    return re.sub(r"\s+", " ", "%s: %s" % (type(e).__name__, e)).strip()[:500]


def timed(results, name, fn):
    """results[name] = {ok, ms[, value]} of fn() (or {ok: False, ms, error}); returns fn's value or None."""
    t0 = time.perf_counter()
    try:
        value = fn()
        results[name] = {"ok": True, "ms": round((time.perf_counter() - t0) * 1000, 1)}
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            results[name]["value"] = value
        return value
    except Exception as e:
        results[name] = {"ok": False, "ms": round((time.perf_counter() - t0) * 1000, 1), "error": squash(e)}
        return None


def checksum_task(cfg, fs, base, res):
    """1 KiB and 6 MiB writes, size, read-back and a ranged read (the checksum behaviour of the SDK)."""
    small = os.urandom(1024)
    large = os.urandom(6 * 1024 * 1024 + 12345)

    def write(path, data):
        with fs.open_output_stream(path) as f:
            f.write(data)

    def read(path):
        with fs.open_input_stream(path) as f:
            return f.read()
    for label, data in (("small", small), ("large", large)):
        path = base + "checksum-" + cfg["label"] + "-" + label + ".bin"
        if timed(res, "write_" + label, lambda: write(path, data)) is None and res["write_" + label]["ok"]:
            info = timed(res, "info_" + label, lambda: fs.get_file_info(path).size)
            if info is not None and info != len(data):
                res["info_" + label] = {"ok": False, "error": "size %s != %s" % (info, len(data))}
            got = timed(res, "read_" + label, lambda: hashlib.sha256(read(path)).hexdigest())
            if got is not None and got != hashlib.sha256(data).hexdigest():
                res["read_" + label] = {"ok": False, "error": "content differs after read-back"}
            if label == "large":
                def ranged():
                    with fs.open_input_file(path) as f:
                        return f.read_at(1000, len(data) - 1000)
                got = timed(res, "ranged_read", ranged)
                if got is not None and got != data[len(data) - 1000:]:
                    res["ranged_read"] = {"ok": False, "error": "ranged read returned wrong bytes"}


def parquet_task(cfg, fs, base, res):
    """A Parquet file of `rows` rows written, read back (row count and sum) and one column read."""
    import pyarrow
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    n = int(cfg.get("rows", 200000))
    table = pyarrow.table({"id": pyarrow.array(range(n), pyarrow.int64()),
                           "value": pyarrow.array([i * 0.5 for i in range(n)], pyarrow.float64()),
                           "name": pyarrow.array(["row-%d" % (i % 1000) for i in range(n)])})
    path = base + "parquet/data.parquet"
    timed(res, "write", lambda: pq.write_table(table, path, filesystem=fs, compression="snappy"))
    if res["write"]["ok"]:
        res["size_bytes"] = fs.get_file_info(path).size
        back = timed(res, "read", lambda: pq.read_table(path, filesystem=fs))
        if back is not None:
            if back.num_rows != n or pc.sum(back["id"]).as_py() != n * (n - 1) // 2:
                res["read"] = {"ok": False, "error": "read back %d rows / wrong sum" % back.num_rows}
        timed(res, "read_column", lambda: pq.read_table(path, filesystem=fs, columns=["value"]).num_rows)
        res["rows"] = n


def iceberg_task(cfg, fs, base, res):
    """PyIceberg SqlCatalog (sqlite in a temporary directory): create, 2 appends, scan, time travel, purge."""
    import pyarrow
    import pyarrow.fs as pafs
    from pyiceberg.catalog.sql import SqlCatalog
    n = int(cfg.get("rows", 200000))
    with tempfile.TemporaryDirectory(prefix="s3v-iceberg-") as tmp:
        props = {"uri": "sqlite:///%s/catalog.db" % tmp,
                 "warehouse": "s3://%s/%siceberg" % (cfg["bucket"], cfg["prefix"]),
                 "s3.endpoint": cfg["endpoint_url"], "s3.access-key-id": cfg["access_key"],
                 "s3.secret-access-key": cfg["secret_key"], "s3.region": cfg["region"],
                 "s3.connect-timeout": str(cfg["connect_timeout"]),
                 "py-io-impl": "pyiceberg.io.pyarrow.PyArrowFileIO"}
        cat = SqlCatalog("s3v", **props)
        ns = "s3v_%s" % cfg["run_id"].replace("-", "_").lower()
        ident = ns + ".roundtrip"
        cat.create_namespace(ns)
        t1 = pyarrow.table({"id": pyarrow.array(range(n), pyarrow.int64()),
                            "value": pyarrow.array([i * 0.5 for i in range(n)], pyarrow.float64())})
        t2 = pyarrow.table({"id": pyarrow.array(range(n, n + 1000), pyarrow.int64()),
                            "value": pyarrow.array([0.0] * 1000, pyarrow.float64())})
        tbl = timed(res, "create_table", lambda: cat.create_table(ident, schema=t1.schema))
        if tbl is not None:
            res["location"] = tbl.location()
            timed(res, "append_1", lambda: tbl.append(t1))
            if res["append_1"]["ok"]:
                first = tbl.current_snapshot().snapshot_id
                timed(res, "append_2", lambda: tbl.append(t2))
                rows = timed(res, "scan", lambda: tbl.scan().to_arrow().num_rows)
                if rows is not None and rows != n + 1000:
                    res["scan"] = {"ok": False, "error": "scan returned %d rows, expected %d" % (rows, n + 1000)}
                rows = timed(res, "time_travel", lambda: tbl.scan(snapshot_id=first).to_arrow().num_rows)
                if rows is not None and rows != n:
                    res["time_travel"] = {"ok": False, "error": "time travel returned %d rows" % rows}
            timed(res, "purge_table", lambda: cat.purge_table(ident))
            loc = res["location"].split("://", 1)[-1]

            def leftovers():
                infos = fs.get_file_info(pafs.FileSelector(loc, recursive=True, allow_not_found=True))
                return len([i for i in infos if i.type == pafs.FileType.File])
            timed(res, "leftover_files", leftovers)
        try:
            cat.drop_namespace(ns)
        except Exception:
            pass


TASKS = {"checksum": checksum_task, "parquet": parquet_task, "iceberg": iceberg_task}


def run(cfg):
    """The answer (a dict) to one configuration."""
    out = {"python": sys.executable, "env": dict((k, os.environ.get(k)) for k in CHECKSUM_ENV_VARS)}
    try:
        import pyarrow
        import pyarrow.fs as pafs
        out["pyarrow"] = pyarrow.__version__
    except Exception as e:
        out["import_error"] = squash(e)
        return out
    fs_kwargs = dict(access_key=cfg["access_key"], secret_key=cfg["secret_key"], region=cfg["region"],
                     scheme=cfg["scheme"], endpoint_override=cfg["endpoint_override"],
                     connect_timeout=cfg["connect_timeout"], request_timeout=cfg["read_timeout"],
                     retry_strategy=pafs.AwsStandardS3RetryStrategy(max_attempts=2))
    if cfg.get("ca_bundle"):
        fs_kwargs["tls_ca_file_path"] = cfg["ca_bundle"]
    base = cfg["bucket"] + "/" + cfg["prefix"]
    try:
        fs = pafs.S3FileSystem(**fs_kwargs)
    except Exception as e:
        out["fs_error"] = squash(e)
        return out
    for task in cfg["tasks"]:
        res = {}
        t_task = time.perf_counter()
        try:
            if task in TASKS:
                TASKS[task](cfg, fs, base, res)
        except Exception as e:
            res["task_error"] = squash(e)
            res["trace"] = traceback.format_exc()[-1500:]
        res["task_ms"] = round((time.perf_counter() - t_task) * 1000, 1)
        out[task] = res
    return out


def main():
    cfg = json.loads(sys.stdin.read())
    sys.stdout.write(json.dumps(run(cfg), default=str) + '\n')


if __name__ == '__main__':
    main()
