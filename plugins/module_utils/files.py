# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Durable local file writes shared by the features (reports, backups to a directory, the GitOps tree)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError


def fsync_dir(path, strict=False):
    """fsync a directory so that a rename into it survives a crash.

    strict=False: best effort (some filesystems refuse a directory fsync); strict=True: the OSError propagates, for
    writers that must not report a file as durable when it may not be (backups).
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        if strict:
            raise
        return
    try:
        os.fsync(fd)
    except OSError:
        if strict:
            raise
    finally:
        os.close(fd)


class FileTreeError(LakehouseError):
    """A file of a tree that cannot be written where it was asked to be."""


def tree_path(root, relative):
    """The absolute path of `relative` under `root`; a path that would leave the root is refused."""
    if not relative or os.path.isabs(relative):
        raise FileTreeError('files: %r is not a path relative to root %s: give paths like "app/kustomization.yaml".'
                            % (relative, root))
    path = os.path.normpath(os.path.join(root, relative))
    if not path.startswith(os.path.normpath(root) + os.sep):
        raise FileTreeError('files: %r leaves root %s: use a path below it (no "..").' % (relative, root))
    return path


def write_tree(root, files, mode=0o644, directory_mode=0o755, check_mode=False):
    """Write `files` ({relative path: text}) under `root`; only what differs is written (atomically: a file is
    either its old or its new content, never half of it). Files under root that are not in `files` are left alone.

    Returns (changed paths, diffs): each diff in Ansible's before/after form. In check mode nothing is written.
    """
    changed, diffs = [], []
    for relative in sorted(files):
        path = tree_path(root, relative)
        content = files[relative]
        data = content.encode('utf-8')
        before = None
        if os.path.isdir(path):
            raise FileTreeError('files: %s is a directory: remove it or choose another path for %r.' % (path, relative))
        if os.path.exists(path):
            with open(path, 'rb') as handle:
                before = handle.read()
        mode_differs = before is not None and (os.stat(path).st_mode & 0o7777) != mode
        if before == data and not mode_differs:
            continue
        changed.append(relative)
        diffs.append({'before_header': path, 'after_header': path,
                      'before': '' if before is None else before.decode('utf-8', 'replace'), 'after': content})
        if check_mode:
            continue
        directory = os.path.dirname(path)
        try:
            if not os.path.isdir(directory):
                os.makedirs(directory, directory_mode)
            if before == data:
                os.chmod(path, mode)
                continue
            temporary = '%s.%d.tmp' % (path, os.getpid())
            with open(temporary, 'wb') as handle:
                handle.write(data)
            os.chmod(temporary, mode)
            os.replace(temporary, path)
        except OSError as error:
            raise FileTreeError('cannot write %s: %s: check that %s is writable (or set root elsewhere).'
                                % (path, error.strerror or error, root), changed_files=changed[:-1])
        fsync_dir(directory)
    return changed, diffs
