# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report's plots (PNG, matplotlib with the Agg backend, imported only when plots are drawn): S3 latency by
operation, S3 throughput by object size, timings per step."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import traceback

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.report.criteria import backup_label
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.report.model import (
    as_dict,
    dicts,
    fmt_number,
    fmt_seconds,
    human_size,
    load_inputs,
    num,
    nums,
    validate_thresholds,
)


PLOT_TITLES = {
    's3_latency.png': 'S3 latency distribution by operation',
    's3_throughput_by_size.png': 'S3 throughput by object size',
    'step_timings.png': 'Timings per step',
}
PLOT_COLORS = ('#4c72b0', '#55a868', '#c44e52', '#8172b2', '#ccb974', '#64b5cd')


def import_matplotlib():
    """(Figure class, FigureCanvasAgg class, None) or (None, None, traceback text)."""
    try:
        import matplotlib  # pylint: disable=import-outside-toplevel
        matplotlib.use('Agg')
        from matplotlib.figure import Figure  # pylint: disable=import-outside-toplevel
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None, None, traceback.format_exc()
    return Figure, FigureCanvasAgg, None


def _png(fig, canvas_class):
    canvas_class(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=100, metadata={'Software': None})
    return buf.getvalue()


def _label_bars(ax, bars, values, fmt='%s'):
    for rect, value in zip(bars, values):
        if value is None:
            continue
        ax.annotate(fmt % fmt_number(value), (rect.get_x() + rect.get_width() / 2.0, rect.get_height()),
                    ha='center', va='bottom', fontsize=7, xytext=(0, 2), textcoords='offset points')


def plot_s3_latency(figure_class, canvas_class, s3, thresholds, clean):
    baseline = as_dict(s3.get('baseline'))
    latency = dict((k, v) for k, v in as_dict(baseline.get('latency_ms')).items() if isinstance(v, dict))
    order = [op for op in ('put', 'get', 'head', 'list', 'delete') if op in latency]
    order += sorted(op for op in latency if op not in order)
    stats = ('min_ms', 'p50_ms', 'p95_ms', 'p99_ms', 'max_ms')
    order = [op for op in order if any(num(latency[op].get(s)) is not None for s in stats)]
    if not order:
        return None
    fig = figure_class(figsize=(9, 5))
    ax = fig.add_subplot(1, 1, 1)
    width = 0.8 / len(stats)
    for index, stat in enumerate(stats):
        values = [num(latency[op].get(stat)) for op in order]
        xs = [i + (index - (len(stats) - 1) / 2.0) * width for i in range(len(order))]
        bars = ax.bar(xs, [v or 0 for v in values], width, label=stat.replace('_ms', ''),
                      color=PLOT_COLORS[index % len(PLOT_COLORS)])
        if stat in ('p50_ms', 'max_ms'):
            _label_bars(ax, bars, values)
    means = [num(latency[op].get('mean_ms')) for op in order]
    if any(m is not None for m in means):
        ax.plot([i for i, m in enumerate(means) if m is not None], [m for m in means if m is not None], 'k_',
                markersize=18, label='mean')
    counts = [str(int(num(latency[op].get('count')) or 0)) for op in order]
    ax.set_xticks(range(len(order)))
    ax.set_xticklabels(['%s\n(n=%s)' % (clean(op), c) for op, c in zip(order, counts)])
    size = num(baseline.get('object_size'))
    ax.set_xlabel('S3 operation%s' % (' on %s objects' % human_size(size) if size else ''))
    ax.set_ylabel('latency (ms)')
    ax.set_title('S3 latency distribution by operation (min, p50, p95, p99, max)\nthreshold per operation: %s' %
                 fmt_seconds(thresholds['s3_operation_seconds']))
    ax.grid(axis='y', alpha=0.3)
    ax.legend(fontsize=8, ncol=6, loc='upper left')
    ax.set_ylim(0, max(num(latency[op].get('max_ms')) or 0 for op in order) * 1.25 or 1)
    fig.tight_layout()
    return _png(fig, canvas_class)


def plot_s3_throughput(figure_class, canvas_class, s3, clean):
    baseline = as_dict(s3.get('baseline'))
    groups = []  # (label, {op: MB/s})
    size = num(baseline.get('object_size'))
    ops = as_dict(baseline.get('ops_per_second'))
    small = {}
    for op in ('put', 'get'):
        rate = num(ops.get(op))
        if size and rate is not None:
            small[op] = rate * size / 1e6
    if small:
        groups.append(('%s objects\n(sequential, ops/s x size)' % human_size(size), small))
    large_size = num(baseline.get('large_object_size'))
    tput = as_dict(baseline.get('throughput_mb_s'))
    large = dict((op, num(tput.get(op))) for op in ('put', 'get') if num(tput.get(op)) is not None)
    if large:
        concurrency = baseline.get('concurrency')
        groups.append(('%s objects\n(multipart%s)' % (
            human_size(large_size) if large_size else 'large',
            ', concurrency %s' % clean(str(concurrency)) if concurrency else ''), large))
    if not groups:
        return None
    fig = figure_class(figsize=(8, 5))
    ax = fig.add_subplot(1, 1, 1)
    width = 0.35
    for index, op in enumerate(('put', 'get')):
        xs = [i + (index - 0.5) * width for i in range(len(groups))]
        values = [g[1].get(op) for g in groups]
        bars = ax.bar(xs, [v or 0 for v in values], width, label=op.upper(), color=PLOT_COLORS[index])
        _label_bars(ax, bars, [round(v, 2) if v is not None else None for v in values], '%s MB/s')
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels([g[0] for g in groups])
    ax.set_xlabel('object size')
    ax.set_ylabel('throughput (MB/s, 1 MB = 10^6 bytes, log scale)')
    ax.set_yscale('log')
    ax.set_title('S3 throughput by object size (PUT, GET)')
    ax.grid(axis='y', alpha=0.3, which='both')
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _png(fig, canvas_class)


def step_rows(inputs):
    """(label, seconds, group) rows of the step timings plot."""
    rows = []
    s3 = as_dict(inputs.get('s3_storage'))
    phases = as_dict(as_dict(s3.get('baseline')).get('phase_seconds'))
    for name in sorted(phases):
        value = num(phases[name])
        if value is not None:
            rows.append(('S3 baseline: %s' % name.replace('_', ' '), value, '1.1 S3 storage'))
    ice = as_dict(inputs.get('iceberg_tables'))
    timings = as_dict(ice.get('timings'))
    demo = as_dict(ice.get('demo'))
    tables = dicts(ice.get('tables'))
    group = '1.3 Iceberg tables'
    table_rows = [('create/converge %s' % t.get('table', '?'), num(t.get('seconds')), group) for t in tables]
    table_rows = [r for r in table_rows if r[1] is not None]
    if not table_rows and num(timings.get('create_table_seconds')) is not None:
        table_rows = [('create/converge table (slowest)', num(timings['create_table_seconds']), group)]
    rows += table_rows
    evolve = num(timings.get('evolve_seconds'))
    if evolve is None:
        evolve = num(demo.get('evolve_seconds'))
    if evolve is not None:
        rows.append(('schema evolution (in module)', evolve, group))
    tt = num(timings.get('time_travel_seconds'))
    if tt is None:
        tt = num(demo.get('time_travel_seconds'))
    if tt is not None:
        rows.append(('time-travel read', tt, group))
    metadata = nums(timings.get('metadata_query_seconds'))
    if metadata:
        rows.append(('metadata query, slowest of %d (in module)' % len(metadata), max(metadata), group))
    backup = as_dict(inputs.get('metastore_backup'))
    backups = dicts(backup.get('backups'))
    group = '1.4 metastore backup'
    for index, item in enumerate(backups):
        value = num(item.get('duration_seconds'))
        if value is not None:
            rows.append(('backup %s' % backup_label(item, index), value, group))
    for index, item in enumerate(backup.get('verifications') or []):
        if not isinstance(item, dict):
            continue
        value = num(item.get('restore_seconds'))
        if value is not None:
            label = backup_label(backups[index], index) if index < len(backups) else '#%d' % (index + 1)
            rows.append(('verify (restore) %s' % label, value, group))
    return rows


def plot_step_timings(figure_class, canvas_class, inputs, clean):
    rows = step_rows(inputs)
    if not rows:
        return None
    groups = []
    for row in rows:
        if row[2] not in groups:
            groups.append(row[2])
    fig = figure_class(figsize=(9, 1.6 + 0.38 * len(rows)))
    ax = fig.add_subplot(1, 1, 1)
    ys = list(range(len(rows)))[::-1]
    for gindex, group in enumerate(groups):
        sel = [i for i, r in enumerate(rows) if r[2] == group]
        bars = ax.barh([ys[i] for i in sel], [rows[i][1] for i in sel], color=PLOT_COLORS[gindex % len(PLOT_COLORS)],
                       label=group)
        for i, rect in zip(sel, bars):
            ax.annotate(' %s s' % fmt_number(rows[i][1]), (rect.get_width(), rect.get_y() + rect.get_height() / 2.0),
                        va='center', fontsize=7)
    ax.set_yticks(ys)
    ax.set_yticklabels([clean(r[0]) for r in rows], fontsize=8)
    ax.set_xlabel('seconds (task wall time; "in module": time inside the module, without Python start-up)')
    ax.set_xlim(0, max(r[1] for r in rows) * 1.2 or 1)
    ax.set_title('Timings per step')
    ax.grid(axis='x', alpha=0.3)
    ax.legend(fontsize=8, loc='lower right')
    fig.tight_layout()
    return _png(fig, canvas_class)


def render_plots(results, thresholds, clean=None):
    """file name -> PNG bytes of the plots whose data are present (a plot without data is left out).
    ImportError when matplotlib is missing (the module checks import_matplotlib() first); clean(text) redacts the
    labels taken from the results."""
    figure_class, canvas_class, error = import_matplotlib()
    if error:
        raise ImportError(error)
    clean = clean or (lambda text: text)
    inputs, dummy = load_inputs(results)
    data = dict((name, value[0] or {}) for name, value in inputs.items())
    thresholds = validate_thresholds(thresholds)
    out = {}
    for name, draw in (
            ('s3_latency.png', lambda: plot_s3_latency(figure_class, canvas_class, data['s3_storage'], thresholds,
                                                       clean)),
            ('s3_throughput_by_size.png', lambda: plot_s3_throughput(figure_class, canvas_class, data['s3_storage'],
                                                                     clean)),
            ('step_timings.png', lambda: plot_step_timings(figure_class, canvas_class, data, clean))):
        png = draw()
        if png:
            out[name] = png
    return out
