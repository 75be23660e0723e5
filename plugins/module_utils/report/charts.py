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
    validate_thresholds,
)


PLOT_TITLES = {
    's3_latency.png': 'S3 latency distribution by operation',
    's3_throughput_by_size.png': 'S3 throughput by object size',
    'step_timings.png': 'Time per step (time inside the module)',
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


def throughput_points(baseline):
    """[(size in bytes, {op: MB/s}, multipart)] of the throughput plot, smallest first: the sweep's sizes
    (throughput_by_size), or for results without a sweep the small objects (ops/s x size) and the large one."""
    points = []
    for row in dicts(baseline.get('throughput_by_size')):
        size = num(row.get('size_bytes'))
        rates = dict((op, num(row.get('%s_mb_s' % op))) for op in ('put', 'get') if num(row.get('%s_mb_s' % op)) is not None)
        if size and rates:
            points.append((size, rates, bool(row.get('multipart'))))
    if points:
        return sorted(points, key=lambda p: p[0])
    size = num(baseline.get('object_size'))
    ops = as_dict(baseline.get('ops_per_second'))
    small = dict((op, num(ops.get(op)) * size / 1e6) for op in ('put', 'get') if size and num(ops.get(op)) is not None)
    if small:
        points.append((size, small, False))
    large_size = num(baseline.get('large_object_size'))
    tput = as_dict(baseline.get('throughput_mb_s'))
    large = dict((op, num(tput.get(op))) for op in ('put', 'get') if num(tput.get(op)) is not None)
    if large and large_size:
        points.append((large_size, large, True))
    return sorted(points, key=lambda p: p[0])


def plot_s3_throughput(figure_class, canvas_class, s3, clean):
    baseline = as_dict(s3.get('baseline'))
    points = throughput_points(baseline)
    if not points:
        return None
    fig = figure_class(figsize=(9, 5))
    ax = fig.add_subplot(1, 1, 1)
    best = {}
    for index, op in enumerate(('put', 'get')):
        sel = [(p[0], p[1][op]) for p in points if op in p[1]]
        if not sel:
            continue
        ax.plot([x for x, _v in sel], [v for _x, v in sel], marker='o', color=PLOT_COLORS[index], label=op.upper())
        best[op] = max(v for _x, v in sel)
        top = max(sel, key=lambda item: item[1])
        ax.annotate('%s MB/s' % fmt_number(round(top[1], 1)), top, textcoords='offset points', xytext=(0, 6),
                    ha='center', fontsize=7, color=PLOT_COLORS[index])
        # Where the curve saturates: the smallest size reaching 90 % of the best rate.
        sat = min(x for x, v in sel if v >= 0.9 * best[op])
        ax.axvline(sat, color=PLOT_COLORS[index], linestyle=':', alpha=0.7)
        ax.annotate('%s: 90%% of best from %s' % (op.upper(), human_size(sat)), (sat, best[op] * 0.9),
                    textcoords='offset points', xytext=(4, -12 - 10 * index), fontsize=7, color=PLOT_COLORS[index])
    ax.set_xscale('log', base=2)
    ax.set_yscale('log')
    part_size = num(baseline.get('part_size'))
    if part_size and any(p[2] for p in points):
        ax.axvline(part_size, color='grey', linestyle='--', alpha=0.6)
        ax.annotate('multipart from %s ' % human_size(part_size), (part_size, 0.02), xycoords=('data', 'axes fraction'),
                    ha='right', fontsize=7, color='grey')
    ax.set_xticks([p[0] for p in points])
    ax.set_xticklabels([human_size(p[0]) for p in points], fontsize=7, rotation=30)
    ax.minorticks_off()
    concurrency = baseline.get('concurrency')
    ax.set_xlabel('object size (one object per request; boto3 transfer%s)' % (
        ', concurrency %s' % clean(str(concurrency)) if concurrency else ''))
    ax.set_ylabel('throughput (MB/s, 1 MB = 10^6 bytes, log scale)')
    ax.set_title('S3 throughput by object size (PUT, GET; median per size)')
    ax.grid(alpha=0.3, which='both')
    ax.legend(fontsize=8, loc='upper left')
    fig.tight_layout()
    return _png(fig, canvas_class)


STEP_TIME_KIND = 'time inside the module (its elapsed_seconds, without Ansible and Python start-up)'


# Objective 1.2's steps in polaris.json's module_seconds: (key, label; %d is the count in `converged`).
POLARIS_STEPS = (
    ('health', 'Polaris health and metrics', None),
    ('catalogs', 'converge %d catalog(s), their roles and grants', 'catalogs'),
    ('principal_roles', 'converge %d principal role(s)', 'principal_roles'),
    ('principals', 'converge %d principal(s)', 'principals'),
    ('write_through_polaris', 'write a table through Polaris (catalog principal)', None),
    ('read_back', 'read it back (read-only principal)', None),
    ('metadata_timing', 'metadata calls measured (p50/p95)', None),
)


def polaris_step_rows(polaris):
    rows = []
    module_seconds = as_dict(polaris.get('module_seconds'))
    converged = as_dict(polaris.get('converged'))
    for key, label, count_key in POLARIS_STEPS:
        value = num(module_seconds.get(key))
        if value is None or (count_key and not num(converged.get(count_key))):
            continue
        rows.append((label % int(num(converged[count_key])) if count_key else label, value, '1.2 Polaris catalog'))
    return rows


def step_rows(inputs):
    """(label, seconds, group) of the step timings plot: one row per step, each the time inside its module
    (the module's elapsed_seconds, or the figure the module itself measured: a backup's dump, a restore)."""
    rows = []
    s3 = as_dict(inputs.get('s3_storage'))
    group = '1.1 S3 storage'
    module_seconds = as_dict(s3.get('module_seconds'))
    buckets = as_dict(module_seconds.get('buckets'))
    bucket_seconds = [num(v) for v in buckets.values() if num(v) is not None]
    if bucket_seconds:  # one step: the loop over the declared buckets
        rows.append(('%d bucket(s) and their lifecycle rules' % len(bucket_seconds), sum(bucket_seconds), group))
    checks = dicts(s3.get('checks'))
    validation = num(module_seconds.get('validation'))
    if validation is None and checks:
        ms = [num(c.get('duration_ms')) for c in checks if num(c.get('duration_ms')) is not None]
        validation = sum(ms) / 1000.0 if ms else None
    if validation is not None:
        rows.append(('S3 validation (%d checks, baseline included)' % len(checks) if checks else 'S3 validation',
                     validation, group))
    rows.extend(polaris_step_rows(as_dict(inputs.get('polaris'))))
    ice = as_dict(inputs.get('iceberg_tables'))
    demo = as_dict(ice.get('demo'))
    scratch = as_dict(ice.get('scratch'))
    group = '1.3 Iceberg tables'
    if num(scratch.get('create_module_seconds')) is not None:
        rows.append(('create the scratch table (a new one each run)', num(scratch['create_module_seconds']), group))
    for table in dicts(ice.get('tables')):
        if num(table.get('module_seconds')) is not None:
            rows.append(('converge table %s' % table.get('table', '?'), num(table['module_seconds']), group))
    if num(demo.get('evolve_seconds')) is not None:
        rows.append(('schema evolution (add a column, tag)', num(demo['evolve_seconds']), group))
    if num(demo.get('time_travel_module_seconds')) is not None:
        rows.append(('time-travel read of the tagged snapshot', num(demo['time_travel_module_seconds']), group))
    if num(scratch.get('maintain_module_seconds')) is not None:
        rows.append(('maintenance of the scratch table (expire, orphans)', num(scratch['maintain_module_seconds']),
                     group))
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
            rows.append(('restore and verify %s' % label, value, group))
    return rows


def plot_step_timings(figure_class, canvas_class, inputs, clean):
    rows = step_rows(inputs)
    if not rows:
        return None
    groups = []
    for row in rows:
        if row[2] not in groups:
            groups.append(row[2])
    fig = figure_class(figsize=(9, 1.8 + 0.38 * len(rows)))
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
    ax.set_xlabel('seconds: %s' % STEP_TIME_KIND, fontsize=9)
    ax.set_xlim(0, max(r[1] for r in rows) * 1.2 or 1)
    ax.set_title('Time per step (each step: one module call)')
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
