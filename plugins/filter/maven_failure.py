# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn a failed Maven build's output into one actionable line (used by the local_stack role)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_MISSING = re.compile(r'Could not find artifact (\S+) in (\S+) \((\S+)\)')
_TRANSFER = re.compile(r'(Could not transfer artifact \S+ from/to \S+ \(\S+\)): ([^\r\n]+)')
_UNRESOLVED = re.compile(r'The following artifacts could not be resolved: ([^\r\n]+?)(?::| \()')


def maven_failure(output, repository_url='Maven Central'):
    """One line saying why the Polaris build failed and what to do about it."""
    text = output or ''
    fix_repo = ('name a repository that serves it in local_stack_maven_repositories (a complete Apache Polaris '
                'release: https:// or file://), or pin a version it serves in local_stack_polaris_dependency_pins, '
                'or set local_stack_polaris_prebuilt_app_dir to a built quarkus-app directory '
                '(from the polaris-bin distribution)')
    match = _MISSING.search(text)
    if match:
        return ('Polaris cannot be assembled from %s: %s is not served there (HTTP 404); %s.'
                % (repository_url, match.group(1), fix_repo))
    match = _TRANSFER.search(text)
    if match:
        return ('Polaris build failed downloading from %s: %s: %s; check that the repository is reachable, or %s.'
                % (repository_url, match.group(1), match.group(2).strip(), fix_repo))
    match = _UNRESOLVED.search(text)
    if match:
        return 'Polaris build failed: cannot resolve %s from %s; %s.' % (match.group(1), repository_url, fix_repo)
    if 'UnsupportedClassVersionError' in text or 'release version 21 not supported' in text:
        return 'Polaris build failed: Maven ran on a Java older than 21; set local_stack_java_home to a JDK 21+.'
    errors = [line[len('[ERROR] '):].strip() for line in text.splitlines() if line.startswith('[ERROR] ')]
    errors = [line for line in errors if line]
    detail = errors[0] if errors else (text.strip().splitlines() or ['no output'])[-1]
    return 'Polaris build failed: %s; see build.log in the build directory.' % detail


class FilterModule(object):
    def filters(self):
        return {'maven_failure': maven_failure}
