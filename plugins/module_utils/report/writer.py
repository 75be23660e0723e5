# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Phase 1 report made and written: ``make_report`` (the phase1_report module's work: evaluate, render,
redact, write) and ``write_report``, which writes ``<report_root>/<timestamp>/`` through a temporary directory
and a rename, plus the ``<report_root>/report`` symlink.

The package: model.py (vocabulary, inputs), criteria.py (evaluation), render.py (markdown, JSON, JUnit),
charts.py (plots), redact.py (secrets), this file (files)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import tempfile
import time
import uuid

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.files import fsync_dir
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.report.charts import render_plots
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.report.criteria import build_report
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.report.model import LATEST_LINK, LEGACY_LINK, STALE_TEMP_SECONDS, ReportError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.report.redact import Redactor
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.report.render import render_junit, render_results_json, render_summary_md, summary_lines


def render_files(report, plots):
    """file name -> bytes of the whole report (plots: file name -> PNG bytes)."""
    names = sorted(plots)
    files = {
        'summary.md': render_summary_md(report, names).encode('utf-8'),
        'results.json': render_results_json(report).encode('utf-8'),
        'junit.xml': render_junit(report).encode('utf-8'),
    }
    files.update(plots)
    return files


def same_content(directory, files):
    """True when directory holds exactly these files with these bytes."""
    try:
        present = sorted(os.listdir(directory))
    except OSError:
        return False
    if present != sorted(files):
        return False
    for name, data in files.items():
        try:
            with open(os.path.join(directory, name), 'rb') as handle:
                if handle.read() != data:
                    return False
        except (IOError, OSError):
            return False
    return True


def _clean_stale(root):
    """Remove temporary directories of runs killed more than STALE_TEMP_SECONDS ago."""
    now = time.time()
    try:
        names = os.listdir(root)
    except OSError:
        return
    for name in names:
        if name.startswith('.') and ('.tmp-' in name or '.old-' in name):
            path = os.path.join(root, name)
            try:
                if os.path.isdir(path) and not os.path.islink(path) and now - os.lstat(path).st_mtime > STALE_TEMP_SECONDS:
                    shutil.rmtree(path, ignore_errors=True)
            except OSError:
                pass


def update_link(root, timestamp, check_mode=False):
    """Point <root>/report at timestamp (relative), atomically. Returns True when it changed."""
    link = os.path.join(root, LATEST_LINK)
    legacy = os.path.join(root, LEGACY_LINK)
    if not check_mode and os.path.islink(legacy):  # the link's old name, too close to reports/latest/
        os.unlink(legacy)
    if os.path.lexists(link):
        if not os.path.islink(link):
            raise ReportError('cannot maintain %s: it exists and is not a symlink; remove it or set latest_link: false'
                              % link)
        if os.readlink(link) == timestamp:
            return False
    if check_mode:
        return True
    temp = os.path.join(root, '.%s.tmp-%s' % (LATEST_LINK, uuid.uuid4().hex[:8]))
    try:
        os.symlink(timestamp, temp)
        os.rename(temp, link)
    except OSError as exc:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise ReportError('cannot update %s: %s' % (link, exc.strerror or exc))
    fsync_dir(root)
    return True


def write_report(root, timestamp, files, latest_link=True, check_mode=False):
    """Write files into <root>/<timestamp>/ through a temporary directory renamed into place (0755 directory, 0644
    files). An existing directory with the same content is left alone. Returns (changed, report_dir, paths)."""
    root = os.path.abspath(root)
    target = os.path.join(root, timestamp)
    paths = [os.path.join(target, name) for name in sorted(files)]
    if os.path.lexists(root) and not os.path.isdir(root):
        raise ReportError('report_root %s exists and is not a directory' % root)
    if os.path.lexists(target) and (os.path.islink(target) or not os.path.isdir(target)):
        raise ReportError('%s exists and is not a report directory; remove it or choose another timestamp' % target)
    changed = not same_content(target, files)
    if check_mode:
        if latest_link and os.path.isdir(root):
            changed = update_link(root, timestamp, check_mode=True) or changed
        elif latest_link:
            changed = True
        return changed, target, paths
    if changed:
        try:
            if not os.path.isdir(root):
                os.makedirs(root)
                os.chmod(root, 0o755)
        except OSError as exc:
            raise ReportError('cannot create report_root %s: %s' % (root, exc.strerror or exc))
        _clean_stale(root)
        try:
            temp = tempfile.mkdtemp(prefix='.%s.tmp-' % timestamp, dir=root)
        except OSError as exc:
            raise ReportError('cannot write in report_root %s: %s' % (root, exc.strerror or exc))
        try:
            for name in sorted(files):
                path = os.path.join(temp, name)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                with os.fdopen(fd, 'wb') as handle:
                    handle.write(files[name])
                    handle.flush()
                    os.fsync(handle.fileno())
                os.chmod(path, 0o644)
            os.chmod(temp, 0o755)
            fsync_dir(temp)
            if os.path.isdir(target):
                old = os.path.join(root, '.%s.old-%s' % (timestamp, uuid.uuid4().hex[:8]))
                os.rename(target, old)
                os.rename(temp, target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(temp, target)
            fsync_dir(root)
        except (IOError, OSError) as exc:
            shutil.rmtree(temp, ignore_errors=True)
            raise ReportError('cannot write the report into %s: %s' % (target, getattr(exc, 'strerror', None) or exc))
    if latest_link:
        changed = update_link(root, timestamp) or changed
    return changed, target, paths


def make_report(results, thresholds=None, report_root='reports', timestamp=None, plots=True,
                secrets=None, latest_link=True, check_mode=False):
    """Evaluate, render, redact and write. Returns the module's result dict (ReportError / ImportError raised)."""
    redactor = Redactor(secrets)
    report = build_report(results, thresholds, timestamp)
    report = redactor.data(report)
    pngs = render_plots(results, report['thresholds'], clean=redactor.data) if plots else {}
    files = render_files(report, pngs)
    for name in list(files):
        if name.endswith('.png'):
            continue
        text = files[name].decode('utf-8')
        cleaned = redactor.text(text)
        if cleaned != text:
            files[name] = cleaned.encode('utf-8')
    changed, report_dir, paths = write_report(report_root, report['timestamp'], files, latest_link, check_mode)
    return {
        'changed': changed,
        'report_dir': report_dir,
        'files': paths,
        'criteria': report['criteria'],
        'failed_criteria': report['failed'],
        'passed': report['passed'],
        'summary': report['summary'],
        'objectives': report['objectives'],
        'redactions': redactor.count,
        'lines': summary_lines(report),
        'timestamp': report['timestamp'],
        'warnings': report['warnings'],
    }
