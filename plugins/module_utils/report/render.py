# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report's text files: ``summary.md`` (markdown), ``results.json`` and ``junit.xml``, and the one-line
summary per objective the module returns."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import xml.etree.ElementTree as ET

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.report.charts import PLOT_TITLES
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.report.model import FAILED, PASSED, SKIPPED, fmt_number, fmt_seconds


STATUS_TEXT = {PASSED: 'PASSED', FAILED: '**FAILED**', SKIPPED: 'SKIPPED'}


def fmt_figure(item):
    figure = item.get('figure')
    if figure is None:
        return 'n/a'
    text = fmt_number(figure)
    if item.get('unit'):
        text += ' %s' % item['unit']
    return text


def fmt_threshold(item):
    threshold = item.get('threshold')
    if threshold is None:
        return '-'
    if isinstance(threshold, (int, float)) and not isinstance(threshold, bool):
        if item.get('unit') == 's':
            return '<= ' + fmt_seconds(threshold)
        return '<= %s%s' % (fmt_number(threshold), ' %s' % item['unit'] if item.get('unit') else '')
    return str(threshold)


def _md_cell(text):
    return str(text).replace('\\', '\\\\').replace('|', '\\|').replace('\r', ' ').replace('\n', ' ')


def render_summary_md(report, plots=()):
    """summary.md: the result, the thresholds, one table per objective, the plots."""
    counts = report['summary']
    lines = [
        '# Phase 1 report %s' % report['timestamp'],
        '',
        '**Result: %s**: %d passed, %d failed, %d skipped (%d criteria). Generated %s.' % (
            'PASSED' if report['passed'] else 'FAILED', counts[PASSED], counts[FAILED], counts[SKIPPED],
            counts['total'], report['generated_at']),
        '',
    ]
    if report['failed']:
        lines += ['Failed: %s.' % ', '.join('`%s`' % c for c in report['failed']), '']
    lines += ['| Threshold | Seconds |', '|---|---|']
    for name in sorted(report['thresholds']):
        lines.append('| `%s` | %s |' % (name, fmt_seconds(report['thresholds'][name])))
    lines.append('')
    for objective in report['objectives']:
        items = [c for c in report['criteria'] if c['objective'] == objective['objective']]
        lines += [
            # Numbered objectives (1.1 ...) carry their number; Operational readiness is its title alone.
            '## %s: %s' % (('%s %s' % (objective['objective'], objective['title']))
                           if objective['objective'][:1].isdigit() else objective['title'], objective['status'].upper()),
            '',
            'Results: `%s` (%s).' % (objective['results'], objective['input']),
            '',
            '| Check | Result | Figure | Threshold | Detail |',
            '|---|---|---|---|---|',
        ]
        for item in items:
            lines.append('| %s (`%s`) | %s | %s | %s | %s |' % (
                _md_cell(item['check']), item['id'], STATUS_TEXT[item['status']], _md_cell(fmt_figure(item)),
                _md_cell(fmt_threshold(item)), _md_cell(item['detail'] or '')))
        lines.append('')
    if plots:
        lines += ['## Baselines', '']
        for name in plots:
            lines += ['![%s](%s)' % (PLOT_TITLES.get(name, name), name), '']
    if report.get('warnings'):
        lines += ['## Warnings', ''] + ['- %s' % w for w in report['warnings']] + ['']
    lines += ['Files: `summary.md`, `results.json`, `junit.xml`%s.' % ''.join(', `%s`' % p for p in plots), '']
    return '\n'.join(lines)


def render_results_json(report):
    return json.dumps(report, indent=2, sort_keys=True) + '\n'


_XML_INVALID = re.compile(u'[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]')


def _xml_text(value):
    return _XML_INVALID.sub('?', '' if value is None else str(value))


def _indent(elem, level=0):
    """Pretty-print in place (ElementTree.indent needs Python 3.9)."""
    pad = '\n' + '  ' * level
    if len(elem):
        if not (elem.text or '').strip():
            elem.text = pad + '  '
        for child in elem:
            _indent(child, level + 1)
        if not (child.tail or '').strip():  # pylint: disable=undefined-loop-variable
            child.tail = pad  # pylint: disable=undefined-loop-variable
    if level and not (elem.tail or '').strip():
        elem.tail = pad


def render_junit(report):
    """junit.xml: one testsuite per objective, one testcase per criterion; failures and skips with messages."""
    counts = report['summary']
    root = ET.Element('testsuites', {
        'name': 'Phase 1 success criteria',
        'tests': str(counts['total']),
        'failures': str(counts[FAILED]),
        'skipped': str(counts[SKIPPED]),
        'errors': '0',
        'time': '0',
    })
    for objective in report['objectives']:
        items = [c for c in report['criteria'] if c['objective'] == objective['objective']]
        suite = ET.SubElement(root, 'testsuite', {
            'name': _xml_text('%s %s' % (objective['objective'], objective['title'])),
            'tests': str(len(items)),
            'failures': str(objective['failed']),
            'skipped': str(objective['skipped']),
            'errors': '0',
            'time': '0',
            'timestamp': report['generated_at'].rstrip('Z'),
        })
        properties = ET.SubElement(suite, 'properties')
        ET.SubElement(properties, 'property', {'name': 'results', 'value': _xml_text(objective['results'])})
        ET.SubElement(properties, 'property', {'name': 'input', 'value': _xml_text(objective['input'])})
        for item in items:
            ET.SubElement(properties, 'property', {'name': '%s.figure' % item['id'],
                                                   'value': _xml_text(fmt_figure(item))})
            if item.get('threshold') is not None:
                ET.SubElement(properties, 'property', {'name': '%s.threshold' % item['id'],
                                                       'value': _xml_text(fmt_threshold(item))})
        for item in items:
            case = ET.SubElement(suite, 'testcase', {
                'classname': 'phase1.objective_%s' % objective['objective'].replace('.', '_'),
                'name': _xml_text('%s: %s' % (item['id'], item['check'])),
                'time': '0',
            })
            message = '%s (figure %s, threshold %s)' % (
                item['detail'] or item['status'], fmt_figure(item), fmt_threshold(item))
            if item['status'] == FAILED:
                failure = ET.SubElement(case, 'failure', {'message': _xml_text(message), 'type': 'criterion'})
                failure.text = _xml_text(message)
            elif item['status'] == SKIPPED:
                ET.SubElement(case, 'skipped', {'message': _xml_text(item['detail'] or 'skipped')})
            out = ET.SubElement(case, 'system-out')
            out.text = _xml_text('figure: %s; threshold: %s; %s' % (fmt_figure(item), fmt_threshold(item),
                                                                    item['detail']))
    _indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding='unicode') + '\n'


def summary_lines(report):
    """One line per objective, then the overall result."""
    lines = []
    for objective in report['objectives']:
        items = [c for c in report['criteria'] if c['objective'] == objective['objective']]
        head = '%s %s: %s' % (objective['objective'], objective['title'], objective['status'].upper())
        if objective['status'] == SKIPPED:
            reasons = sorted(set(c['detail'] for c in items))
            lines.append('%s (%s)' % (head, '; '.join(reasons)))
            continue
        text = '%d passed' % objective['passed']
        if objective['failed']:
            text += ', %d failed: %s' % (objective['failed'],
                                         ', '.join(c['id'] for c in items if c['status'] == FAILED))
        if objective['skipped']:
            text += ', %d skipped' % objective['skipped']
        lines.append('%s (%s)' % (head, text))
    counts = report['summary']
    lines.append('Phase 1: %s (%d passed, %d failed, %d skipped)' % (
        'PASSED' if report['passed'] else 'FAILED', counts[PASSED], counts[FAILED], counts[SKIPPED]))
    return lines
