# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Durable local file writes shared by the features (reports, backups to a directory)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os


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
