"""The alert rules (roles/monitoring/files/alert-rules.yml): rendered by the prometheus_rules filter, checked with
`promtool check rules` and unit-tested with `promtool test rules` (tests/unit/monitoring/alert-rules.test.yml).
promtool comes from the Debian package `prometheus` (.ci/run installs it when missing); without it these tests FAIL."""
import json
import os
import shutil
import subprocess

import pytest
import yaml

from ansible.errors import AnsibleFilterError
from ansible_collections.dataplatform.lakehouse.plugins.filter.monitoring import (
    alert_names, dashboard_queries, dashboard_query_list, prometheus_rule_resource, prometheus_rules, rule_problems,
)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
SOURCE = os.path.join(ROOT, 'roles', 'monitoring', 'files', 'alert-rules.yml')
TESTS = os.path.join(ROOT, 'tests', 'unit', 'monitoring', 'alert-rules.test.yml')
DASHBOARDS = os.path.join(ROOT, 'roles', 'monitoring', 'files', 'dashboards')
RUNBOOKS = os.path.join(ROOT, 'docs', 'operations', 'alerts')


def load(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


def promtool():
    path = shutil.which('promtool')
    if not path:
        pytest.fail('promtool not found: apt-get install prometheus (the Debian package brings promtool)')
    return path


@pytest.fixture(scope='module')
def rendered(tmp_path_factory):
    directory = tmp_path_factory.mktemp('rules')
    with open(directory / 'lakehouse.rules.yml', 'w') as handle:
        yaml.safe_dump(prometheus_rules(load(SOURCE)), handle, sort_keys=False, width=1000)
    shutil.copy(TESTS, directory / 'alert-rules.test.yml')
    return directory


def test_promtool_check_rules(rendered):
    proc = subprocess.run(check=False, args=[promtool(), 'check', 'rules', str(rendered / 'lakehouse.rules.yml')],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'SUCCESS: %d rules found' % len(alert_names(load(SOURCE))) in proc.stdout


def test_promtool_test_rules(rendered):
    proc = subprocess.run(check=False, args=[promtool(), 'test', 'rules', 'alert-rules.test.yml'], cwd=str(rendered),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_alert_has_a_firing_and_a_silent_promtool_case():
    tested_firing, tested_silent = set(), set()
    for case in load(TESTS)['tests']:
        for check in case.get('alert_rule_test', []):
            (tested_firing if check['exp_alerts'] else tested_silent).add(check['alertname'])
    names = set(alert_names(load(SOURCE)))
    assert names - tested_firing == set(), 'alerts never tested firing'
    assert names - tested_silent == set(), 'alerts never tested silent'


def test_bad_promql_is_one_line_from_promtool(tmp_path):
    source = load(SOURCE)
    source['groups'][0]['rules'][0]['expr'] = 'sum(rate(up[5m]'
    path = tmp_path / 'bad.rules.yml'
    path.write_text(yaml.safe_dump(prometheus_rules(source)))
    proc = subprocess.run(check=False, args=[promtool(), 'check', 'rules', str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert 'LakehouseRadosGatewayDown' in proc.stdout + proc.stderr or 'parse error' in proc.stdout + proc.stderr


def test_for_overrides_and_runbook_url():
    rules = prometheus_rules(load(SOURCE), for_overrides={'LakehouseRadosGatewayDown': '10s'}, runbook_base='http://x/')
    flat = dict((r['alert'], r) for g in rules['groups'] for r in g['rules'])
    assert flat['LakehouseRadosGatewayDown']['for'] == '10s'
    assert flat['LakehousePolarisDown']['for'] == '2m'
    assert flat['LakehousePolarisDown']['annotations']['runbook_url'] == 'http://x/LakehousePolarisDown.md'
    star = prometheus_rules(load(SOURCE), for_overrides={'*': '5s'})
    assert set(r['for'] for g in star['groups'] for r in g['rules']) == {'5s'}


def test_prometheus_rule_resource_has_the_same_rules():
    source = load(SOURCE)
    resource = prometheus_rule_resource(source, namespace='obs', labels={'release': 'kps'})
    assert resource['kind'] == 'PrometheusRule' and resource['apiVersion'] == 'monitoring.coreos.com/v1'
    assert resource['metadata']['namespace'] == 'obs' and resource['metadata']['labels']['release'] == 'kps'
    assert resource['spec'] == prometheus_rules(source)


@pytest.mark.parametrize('mutate, message', [
    (lambda s: s['groups'][0]['rules'][0].pop('expr'), 'LakehouseRadosGatewayDown: missing expr'),
    (lambda s: s['groups'][0]['rules'][0].update(severity='page'), "severity 'page' is not one of"),
    (lambda s: s['groups'][0]['rules'][0].update({'for': '2 minutes'}), 'is not a Prometheus duration'),
    (lambda s: s['groups'][1]['rules'].append(dict(s['groups'][0]['rules'][0])), 'LakehouseRadosGatewayDown: defined twice'),
])
def test_bad_rules_are_one_line_errors(mutate, message):
    source = load(SOURCE)
    mutate(source)
    with pytest.raises(AnsibleFilterError) as info:
        prometheus_rules(source)
    assert message in str(info.value) and '\n' not in str(info.value)
    assert rule_problems(source)


def test_unknown_override_is_refused():
    with pytest.raises(AnsibleFilterError, match='NoSuchAlert, which is not an alert'):
        prometheus_rules(load(SOURCE), for_overrides={'NoSuchAlert': '5s'})


def test_dashboard_queries_errors():
    with pytest.raises(AnsibleFilterError, match='x: not a Grafana dashboard'):
        dashboard_queries({'title': 'x'}, 'x')
    with pytest.raises(AnsibleFilterError, match='panel "A" has no query'):
        dashboard_queries({'panels': [{'title': 'A', 'targets': []}]}, 'd')
    rows = {'panels': [{'type': 'row', 'title': 'r', 'panels': [{'title': 'B', 'targets': [{'expr': 'up'}]}]}]}
    assert dashboard_query_list(rows, 'd') == [{'dashboard': 'd', 'panel': 'B', 'expr': 'up'}]


def test_shipped_dashboards_parse_and_have_queries():
    names = sorted(n for n in os.listdir(DASHBOARDS) if n.endswith('.json')) if os.path.isdir(DASHBOARDS) else []
    assert names, 'no dashboards in roles/monitoring/files/dashboards'
    for name in names:
        with open(os.path.join(DASHBOARDS, name)) as handle:
            dashboard = json.load(handle)
        assert dashboard.get('uid') and dashboard.get('title'), name
        assert dashboard_queries(dashboard, name)


def test_every_alert_has_a_runbook():
    for name in alert_names(load(SOURCE)):
        assert os.path.isfile(os.path.join(RUNBOOKS, name + '.md')), 'no runbook docs/operations/alerts/%s.md' % name
