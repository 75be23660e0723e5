# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render the lakehouse's alert rules (one YAML source, roles/monitoring/files/alert-rules.yml) as a Prometheus
rules file and as a prometheus-operator PrometheusRule, and check Grafana dashboards. Pure functions, unit-tested;
the promtool tests render the rules file through prometheus_rules() too, so the file tested is the file shipped."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re

from ansible.errors import AnsibleFilterError

DURATION = re.compile(r'^(0|([0-9]+(ms|s|m|h|d|w|y))+)$')
SEVERITIES = ('critical', 'warning', 'info')
REQUIRED = ('alert', 'expr', 'for', 'severity', 'component', 'summary', 'description')
DEFAULT_RUNBOOK_BASE = 'docs/operations/alerts'


def _problem(message):
    raise AnsibleFilterError('alert rules: %s' % message)


def rule_problems(source):
    """One-line descriptions of what is wrong with the rules source (empty when it is valid)."""
    problems = []
    if not isinstance(source, dict) or not isinstance(source.get('groups'), list) or not source['groups']:
        return ['the source must be a mapping with a non-empty list "groups"']
    seen = set()
    for index, group in enumerate(source['groups']):
        if not isinstance(group, dict) or not group.get('name') or not isinstance(group.get('rules'), list):
            problems.append('group %d needs a name and a list of rules' % index)
            continue
        for rule in group['rules']:
            name = rule.get('alert') if isinstance(rule, dict) else None
            if not name:
                problems.append('group %s: a rule has no "alert" name' % group['name'])
                continue
            missing = [key for key in REQUIRED if rule.get(key) in (None, '')]
            if missing:
                problems.append('%s: missing %s' % (name, ', '.join(missing)))
            if name in seen:
                problems.append('%s: defined twice' % name)
            seen.add(name)
            if rule.get('severity') and rule['severity'] not in SEVERITIES:
                problems.append('%s: severity %r is not one of %s' % (name, rule['severity'], ', '.join(SEVERITIES)))
            if rule.get('for') not in (None, '') and not DURATION.match(str(rule['for'])):
                problems.append('%s: for %r is not a Prometheus duration (30s, 5m, 1h)' % (name, rule['for']))
    return problems


def alert_names(source):
    return [rule['alert'] for group in source['groups'] for rule in group['rules']]


def prometheus_rules(source, for_overrides=None, runbook_base=DEFAULT_RUNBOOK_BASE, extra_labels=None):
    """The Prometheus rules file ({'groups': [...]}) of the source.

    for_overrides maps an alert name (or '*' for all) to a `for` duration, e.g. a short window for a live test.
    runbook_base prefixes the runbook_url annotation (<base>/<alert>.md).
    """
    problems = rule_problems(source)
    if problems:
        _problem('; '.join(problems))
    overrides = dict(for_overrides or {})
    for name in overrides:
        if name != '*' and name not in alert_names(source):
            _problem('for_overrides names %s, which is not an alert of the source' % name)
        if not DURATION.match(str(overrides[name])):
            _problem('for_overrides.%s %r is not a Prometheus duration' % (name, overrides[name]))
    groups = []
    for group in source['groups']:
        rules = []
        for rule in group['rules']:
            labels = dict(extra_labels or {})
            labels.update(severity=rule['severity'], component=rule['component'])
            labels.update(rule.get('labels') or {})
            rendered = {
                'alert': rule['alert'],
                'expr': ' '.join(str(rule['expr']).split()),
                'for': str(overrides.get(rule['alert'], overrides.get('*', rule['for']))),
                'labels': labels,
                'annotations': {
                    'summary': rule['summary'],
                    'description': ' '.join(str(rule['description']).split()),
                    'runbook_url': '%s/%s.md' % (runbook_base.rstrip('/'), rule['alert']),
                },
            }
            rules.append(rendered)
        out = {'name': group['name'], 'rules': rules}
        if group.get('interval'):
            out['interval'] = group['interval']
        groups.append(out)
    return {'groups': groups}


def prometheus_rule_resource(source, name='lakehouse-alerts', namespace='monitoring', labels=None, **kwargs):
    """The same rules as a monitoring.coreos.com/v1 PrometheusRule (prometheus-operator, kube-prometheus-stack)."""
    spec = prometheus_rules(source, **kwargs)
    metadata = {'name': name, 'namespace': namespace,
                'labels': dict({'app.kubernetes.io/part-of': 'dataplatform-lakehouse'}, **(labels or {}))}
    return {'apiVersion': 'monitoring.coreos.com/v1', 'kind': 'PrometheusRule', 'metadata': metadata,
            'spec': copy.deepcopy(spec)}


def dashboard_queries(dashboard, name='dashboard'):
    """[(panel title, PromQL)] of a Grafana dashboard (its panels' Prometheus targets, rows included).

    A dashboard without any query, or a panel without a title or expr, is an error (one line naming it)."""
    if not isinstance(dashboard, dict) or not isinstance(dashboard.get('panels'), list):
        raise AnsibleFilterError('%s: not a Grafana dashboard (no "panels" list)' % name)
    queries = []

    def walk(panels):
        for panel in panels:
            if panel.get('type') == 'row':
                walk(panel.get('panels') or [])
                continue
            title = panel.get('title')
            if not title:
                raise AnsibleFilterError('%s: a panel has no title' % name)
            targets = panel.get('targets') or []
            if not targets:
                raise AnsibleFilterError('%s: panel "%s" has no query' % (name, title))
            for target in targets:
                if not target.get('expr'):
                    raise AnsibleFilterError('%s: panel "%s" has a target without expr' % (name, title))
                queries.append((title, target['expr']))
    walk(dashboard['panels'])
    if not queries:
        raise AnsibleFilterError('%s: no panel queries' % name)
    return queries


def dashboard_query_list(dashboard, name='dashboard'):
    """dashboard_queries() as a list of {'dashboard', 'panel', 'expr'} (for loops in tasks)."""
    return [{'dashboard': name, 'panel': title, 'expr': expr} for title, expr in dashboard_queries(dashboard, name)]


class FilterModule(object):
    def filters(self):
        return {
            'prometheus_rules': prometheus_rules,
            'prometheus_rule_resource': prometheus_rule_resource,
            'dashboard_queries': dashboard_query_list,
        }
