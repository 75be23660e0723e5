# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The result of a validation run: the recommended client settings, the one-line failure message, the
summary counts."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import one_line
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.catalogue import CHECKSUM_ENV_VARS, DEFAULTS, FAIL, STATUSES, WHEN_REQUIRED


def recommended_config(endpoint_url, region, boto3_mode=None, pyarrow_mode=None, virtual_host_ok=None,
                       configured=DEFAULTS, extra_env=None):
    """The client settings later roles should use, derived from the checksum findings.

    boto3_mode / pyarrow_mode: 'when_supported' (SDK defaults work), 'when_required' (needed) or None (not
    measured or nothing worked: the configured value is echoed)."""
    need_required = WHEN_REQUIRED in (boto3_mode, pyarrow_mode)
    env = dict((name, WHEN_REQUIRED) for name in CHECKSUM_ENV_VARS) if need_required else {}
    env.update(extra_env or {})
    boto_value = boto3_mode or configured or DEFAULTS
    return dict(
        signature_version='s3v4',
        addressing_style='path',
        virtual_host_addressing=virtual_host_ok,
        request_checksum_calculation=boto_value,
        response_checksum_validation=boto_value,
        environment=env,
        pyiceberg_properties={
            's3.endpoint': endpoint_url,
            's3.region': region,
            's3.force-virtual-addressing': 'false',
        },
        measured=dict(boto3=boto3_mode is not None, pyarrow=pyarrow_mode is not None),
    )


def failure_message(endpoint_url, results):
    """One line naming the failing required checks with their remedies (None when compatible)."""
    failed = [r for r in results if r['status'] == FAIL and r.get('required')]
    if not failed:
        return None
    parts = []
    for r in failed:
        part = '%s: %s' % (r['name'], one_line(r['detail'], 300))
        if r.get('remedy'):
            part += ' -> remedy: %s' % one_line(r['remedy'], 300)
        parts.append(part)
    return one_line('S3 endpoint %s is not usable for Iceberg: %d required check(s) failed: %s'
                    % (endpoint_url, len(failed), ' | '.join(parts)), 2000)


def summarize(results):
    counts = dict((s, 0) for s in STATUSES)
    for r in results:
        counts[r['status']] += 1
    return counts
