# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Health, metrics and metadata-call latency of a Polaris server (the polaris_health module's service)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time

from ansible.module_utils.six.moves.urllib.parse import urlsplit, urlunsplit

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.client import PolarisError, quote_name
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.connection import polaris_client

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)')
# The few series a platform engineer looks at first; all others are counted, not returned.
HIGHLIGHTS = ('http_server_requests_seconds_count', 'jvm_memory_used_bytes', 'process_cpu_usage',
              'agroal_active_count', 'polaris_persistence_')


def management_uri_for(uri, management_uri=None, port=8182):
    """The management interface's base URL: given, or the API's host on the management port."""
    if management_uri:
        return management_uri.rstrip('/')
    parts = urlsplit(uri)
    return urlunsplit((parts.scheme, '%s:%d' % (parts.hostname, port), '', '', ''))


def percentile(values, fraction):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, int(round(fraction * len(ordered) + 0.5)) - 1))
    return ordered[index]


def latency_summary(seconds):
    millis = [s * 1000.0 for s in seconds]
    return dict(samples=len(millis), p50_ms=round(percentile(millis, 0.50), 2),
                p95_ms=round(percentile(millis, 0.95), 2), max_ms=round(max(millis), 2))


def parse_metrics(text):
    """Counts of the Prometheus exposition text and the sums of a few highlighted families."""
    families, samples, highlights = set(), 0, {}
    for line in (text or '').splitlines():
        match = _SAMPLE.match(line)
        if not match or line.startswith('#'):
            continue
        name, value = match.group(1), match.group(3)
        samples += 1
        families.add(re.sub(r'_(bucket|count|sum|total|created)$', '', name))
        for prefix in HIGHLIGHTS:
            if name.startswith(prefix):
                try:
                    highlights[name] = round(highlights.get(name, 0.0) + float(value), 6)
                except ValueError:
                    pass
    return dict(families=len(families), samples=samples, highlights=dict(sorted(highlights.items())))


def timed(function, samples, warmup=2):
    for dummy in range(warmup):
        function()
    seconds = []
    for dummy in range(samples):
        started = time.monotonic()
        function()
        seconds.append(time.monotonic() - started)
    return latency_summary(seconds)


def check_health(params):
    client = polaris_client(params)
    management = management_uri_for(client.base, params.get('management_uri'))
    result = dict(changed=False, uri=client.base, management_uri=management, realm=client.realm)
    result['ready'] = client.health(management, 'ready')
    result['live'] = client.health(management, 'live')
    status, body = client.get_unauthenticated(management + '/q/metrics', accept='text/plain')
    result['metrics'] = parse_metrics(body if status == 200 and isinstance(body, str) else '')
    result['metrics']['http_status'] = status
    started = time.monotonic()
    client.token()
    result['token_seconds'] = round(time.monotonic() - started, 4)
    samples = params['samples']
    latency = {}
    if samples and params.get('time_management', True):
        latency['list_catalogs'] = timed(lambda: client.get('catalogs'), samples)
        latency['list_principal_roles'] = timed(lambda: client.get('principal-roles'), samples)
    if samples:
        catalog = params.get('catalog')
        if catalog:
            api = '/api/catalog/v1'
            base = quote_name(catalog)
            latency['list_namespaces'] = timed(lambda: client.request('GET', base + '/namespaces', api=api), samples)
            if params.get('namespace') and params.get('table'):
                path = '%s/namespaces/%s/tables/%s' % (base, quote_name(params['namespace'].replace('.', '\x1f')),
                                                       quote_name(params['table']))
                latency['load_table'] = timed(lambda: client.request('GET', path, api=api), samples)
    result['latency'] = latency
    result['healthy'] = result['ready'] and result['live'] and result['metrics']['http_status'] == 200
    if not result['healthy'] and params.get('fail_unhealthy'):
        raise PolarisError('Polaris at %s is not healthy (ready %s, live %s, metrics HTTP %s); see its log and '
                           '%s/q/health.' % (client.base, result['ready'], result['live'], status, management),
                           **result)
    return result
