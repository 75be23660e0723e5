# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Commits: the snapshot properties that mark this collection's commits, and the bounded, jittered retry of a commit
that conflicts with a concurrent one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import time

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.catalog import (
    PYICEBERG_IMPORT_ERROR,
    describe_catalog_error,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.errors import IcebergModuleError

try:
    from pyiceberg import exceptions as ice_exc
except ImportError:  # pyiceberg/pyarrow missing: catalog.py reports it (ICEBERG_REQUIREMENT) before anything here runs
    pass


# Snapshot summary properties: the write's idempotency key, this run's operation id, a compaction's marker.
IDEMPOTENCY_PROPERTY = 'dataplatform.idempotency-key'
OPERATION_ID_PROPERTY = 'dataplatform.operation-id'
COMPACTION_PROPERTY = 'dataplatform.compaction'


def is_conflict(exc):
    if PYICEBERG_IMPORT_ERROR is not None:
        return False
    if isinstance(exc, (ice_exc.CommitFailedException, ice_exc.ValidationException)):
        return True
    # SQLite catalogs under concurrent writers
    return exc.__class__.__name__ == 'OperationalError' and 'locked' in str(exc)


def backoff_sleep(attempt, max_wait, base=0.1):
    time.sleep(random.uniform(0, min(max_wait, base * (2 ** attempt))) + random.uniform(0, 0.05))


def run_with_retry(params, attempt_fn, describe, retryable=None):
    """Call attempt_fn(attempt) until it returns without a commit conflict (bounded, full-jitter backoff).

    attempt_fn must re-read the table state on every attempt; PyIceberg itself also retries snapshot commits
    (commit.retry.* table properties) before a conflict reaches this loop. The IcebergModuleError raised at the end
    carries definite=True when the last failure was a conflict, i.e. the commit certainly did not land.
    """
    retryable = retryable or is_conflict
    attempts = max(1, int(params.get('commit_retries') or 0) + 1)
    max_wait = float(params.get('commit_retry_max_wait') or 5.0)
    for attempt in range(attempts):
        try:
            return attempt_fn(attempt)
        except IcebergModuleError:
            raise
        except Exception as exc:
            if retryable(exc) and attempt + 1 < attempts:
                backoff_sleep(attempt, max_wait)
                continue
            raise IcebergModuleError(describe_catalog_error(exc, params, describe), definite=is_conflict(exc))
    raise IcebergModuleError('%s failed after %d attempts.' % (describe, attempts))  # pragma: no cover


def is_conflict_or_exists(exc):
    if PYICEBERG_IMPORT_ERROR is None and isinstance(exc, ice_exc.TableAlreadyExistsError):
        return True
    return is_conflict(exc)
