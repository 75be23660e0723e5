"""The log aggregator's connection layer and logs_info's query building (pure; an unreachable server is real:
a loopback port nothing listens on). The live aggregator is proven by the local_stack_monitoring target."""
import json
import socket

import pytest

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.logs.client import (
    LogsClient, LogsError, count_query, line_query, quote,
)
from ansible_collections.dataplatform.lakehouse.plugins.modules.logs_info import build_query


def test_line_query_is_an_exact_prefix_of_the_trimmed_line():
    line = '  2026-12-03 ERROR: column "x\\y" does not exist\t '
    query = line_query('postgresql', line)
    assert query == 'app_name:="postgresql" _msg:=%s*' % json.dumps(line.strip())
    assert len(json.loads(line_query('polaris', 'a' * 500).split('_msg:=')[1][:-1])) == 160
    with pytest.raises(LogsError, match='empty'):
        line_query('polaris', '   ')


def test_quote_escapes_like_go():
    assert quote('say "hi" \\ now') == '"say \\"hi\\" \\\\ now"'


def test_count_query():
    assert count_query('app_name', '_time:1d *') == '_time:1d * | stats by (app_name) count() as lines'


def test_build_query_combinations():
    assert build_query({}) == '*'
    assert build_query({'component': 'ceph-rgw'}) == 'app_name:="ceph-rgw"'
    assert build_query({'component': 'polaris', 'query': 'error OR warn', 'since': '1h'}) == \
        '_time:1h app_name:="polaris" (error OR warn)'
    assert build_query({'query': 'error'}) == 'error'
    with pytest.raises(LogsError, match='line needs component'):
        build_query({'line': 'x'})


def test_unreachable_aggregator_is_one_line():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    with pytest.raises(LogsError) as info:
        LogsClient('http://127.0.0.1:%d' % port, timeout=2).query('*')
    assert 'unreachable' in info.value.message and str(port) in info.value.message
    assert '\n' not in info.value.message
