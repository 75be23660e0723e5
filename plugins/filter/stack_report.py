# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Format the local_stack module's service list as short human-readable lines (the role's status report)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def _processes(service):
    if service.get('daemons'):
        parts = ['%s pid %s %s MiB' % (name, daemon.get('pid'), daemon.get('rss_mib'))
                 for name, daemon in service['daemons'].items() if daemon.get('pid')]
        return ', '.join(parts)
    if service.get('pid'):
        return 'pid %s %s MiB' % (service['pid'], service.get('rss_mib'))
    return ''


def stack_report(services):
    """One line per service: state, endpoint, processes with their resident memory."""
    lines = []
    for service in services or []:
        if service.get('unavailable'):
            lines.append('%s: UNAVAILABLE: %s' % (service['name'], service['unavailable']))
            continue
        if service.get('healthy'):
            state = 'healthy'
        elif service.get('running'):
            state = 'running but NOT healthy'
        else:
            state = 'stopped'
        line = '%s: %s, %s' % (service['name'], state, service.get('endpoint', ''))
        processes = _processes(service)
        if processes:
            line += ' (%s)' % processes
        lines.append(line)
    return lines


class FilterModule(object):
    def filters(self):
        return {'stack_report': stack_report}
