# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Timing the Hive Metastore's metadata lookups (the Phase 1 criterion "Hive Metastore responding to metadata
queries"): ``measure_lookups`` times ``calls`` calls of each lookup over Thrift and gives p50, p95 and max per
lookup against a threshold. Used by the hive_metastore_check module and benchmarks/hms_lookups.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import statistics
import time

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.hive.client import MetastoreClient

# The seed's "Metadata queries respond within 2 seconds".
THRESHOLD_SECONDS = 2.0


def percentile(values, fraction):
    """The value at fraction (0..1) of the sorted values (nearest rank); ValueError on no values."""
    if not values:
        raise ValueError('no values')
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def timed(calls, function, clock=time.perf_counter):
    """Durations in seconds of `calls` calls of function()."""
    durations = []
    for dummy in range(calls):
        started = clock()
        function()
        durations.append(clock() - started)
    return durations


def summarize(lookup, durations, threshold=THRESHOLD_SECONDS):
    """One lookup's figures: calls, p50/p95/max in ms, and whether its p95 is within the threshold (seconds)."""
    p95 = percentile(durations, 0.95)
    return {
        'lookup': lookup,
        'calls': len(durations),
        'p50_ms': round(statistics.median(durations) * 1000, 2),
        'p95_ms': round(p95 * 1000, 2),
        'max_ms': round(max(durations) * 1000, 2),
        'under_threshold': p95 <= threshold,
    }


def measure_lookups(uri, database, table=None, calls=100, threshold=THRESHOLD_SECONDS, timeout=10.0):
    """Time `calls` calls of each lookup: get_all_databases, get_database and (with table) get_table on one open
    connection, and get_table on a new connection per call (what PyIceberg does for every catalog operation).
    Returns the list of summarize() dicts. Raises MetastoreError (one line) when the metastore cannot be reached."""
    samples = []
    with MetastoreClient(uri, timeout=timeout) as client:
        # Warm the server's caches and its database connection pool: the first call is not a lookup's figure.
        client.get_database(database)
        if table:
            client.get_table(database, table)
        samples.append(('get_all_databases (one connection)', timed(calls, client.get_all_databases)))
        samples.append(('get_database (one connection)', timed(calls, lambda: client.get_database(database))))
        if table:
            samples.append(('get_table (one connection)', timed(calls, lambda: client.get_table(database, table))))
    if table:
        def fresh_get_table():
            with MetastoreClient(uri, timeout=timeout) as fresh:
                fresh.get_table(database, table)
        samples.append(('get_table (new connection per call)', timed(calls, fresh_get_table)))
    return [summarize(name, values, threshold) for name, values in samples]
