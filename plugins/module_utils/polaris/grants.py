# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Polaris grants: the privileges of each grant type, normalisation and identity (pure, no server).

A grant is identified by a tuple ``(type, privilege, namespace, name)`` (namespace a tuple of levels, name the
table or view or None), the same for a declared grant and one read back from Polaris, so the current and the wanted
grants of a catalog role are two sets and their difference is what to send. That matters on Polaris 1.4.1 with JDBC
persistence, where re-sending an existing grant or assignment is refused with HTTP 500 (apache/polaris #4553).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError

# The privilege enums of spec/polaris-management-service.yml at tag apache-polaris-1.4.1 (policy grants left out).
_TABLE_OPS = (
    'TABLE_ASSIGN_UUID', 'TABLE_UPGRADE_FORMAT_VERSION', 'TABLE_ADD_SCHEMA', 'TABLE_SET_CURRENT_SCHEMA',
    'TABLE_ADD_PARTITION_SPEC', 'TABLE_ADD_SORT_ORDER', 'TABLE_SET_DEFAULT_SORT_ORDER', 'TABLE_ADD_SNAPSHOT',
    'TABLE_SET_SNAPSHOT_REF', 'TABLE_REMOVE_SNAPSHOTS', 'TABLE_REMOVE_SNAPSHOT_REF', 'TABLE_SET_LOCATION',
    'TABLE_SET_PROPERTIES', 'TABLE_REMOVE_PROPERTIES', 'TABLE_SET_STATISTICS', 'TABLE_REMOVE_STATISTICS',
    'TABLE_REMOVE_PARTITION_SPECS', 'TABLE_MANAGE_STRUCTURE',
)
_CONTAINER = (
    'NAMESPACE_CREATE', 'TABLE_CREATE', 'VIEW_CREATE', 'NAMESPACE_DROP', 'TABLE_DROP', 'VIEW_DROP',
    'NAMESPACE_LIST', 'TABLE_LIST', 'VIEW_LIST', 'NAMESPACE_READ_PROPERTIES', 'TABLE_READ_PROPERTIES',
    'VIEW_READ_PROPERTIES', 'NAMESPACE_WRITE_PROPERTIES', 'TABLE_WRITE_PROPERTIES', 'VIEW_WRITE_PROPERTIES',
    'TABLE_READ_DATA', 'TABLE_WRITE_DATA', 'NAMESPACE_FULL_METADATA', 'TABLE_FULL_METADATA', 'VIEW_FULL_METADATA',
    'POLICY_CREATE', 'POLICY_WRITE', 'POLICY_READ', 'POLICY_DROP', 'POLICY_LIST', 'POLICY_FULL_METADATA',
)
PRIVILEGES = {
    'catalog': (('CATALOG_MANAGE_ACCESS', 'CATALOG_MANAGE_CONTENT', 'CATALOG_MANAGE_METADATA',
                 'CATALOG_READ_PROPERTIES', 'CATALOG_WRITE_PROPERTIES') + _CONTAINER
                + ('CATALOG_ATTACH_POLICY', 'CATALOG_DETACH_POLICY') + _TABLE_OPS),
    'namespace': (('CATALOG_MANAGE_ACCESS', 'CATALOG_MANAGE_CONTENT', 'CATALOG_MANAGE_METADATA') + _CONTAINER
                  + ('NAMESPACE_ATTACH_POLICY', 'NAMESPACE_DETACH_POLICY') + _TABLE_OPS),
    'table': ('CATALOG_MANAGE_ACCESS', 'TABLE_DROP', 'TABLE_LIST', 'TABLE_READ_PROPERTIES', 'TABLE_WRITE_PROPERTIES',
              'TABLE_READ_DATA', 'TABLE_WRITE_DATA', 'TABLE_FULL_METADATA', 'TABLE_ATTACH_POLICY',
              'TABLE_DETACH_POLICY') + _TABLE_OPS,
    'view': ('CATALOG_MANAGE_ACCESS', 'VIEW_DROP', 'VIEW_LIST', 'VIEW_READ_PROPERTIES', 'VIEW_WRITE_PROPERTIES',
             'VIEW_FULL_METADATA'),
}
GRANT_TYPES = ('catalog', 'namespace', 'table', 'view')
NAME_FIELDS = {'table': 'tableName', 'view': 'viewName'}


class PolarisInputError(LakehouseError):
    """Declared input that Polaris would refuse (or that would be half-applied); raised before any write."""

    limit = 3000  # an unknown privilege lists every valid one (up to 53 names)


def namespace_levels(value):
    """A namespace as a tuple of levels, from a list or a dotted string (V(sales.eu))."""
    if value is None or value == '' or value == []:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple('%s' % level for level in value)
    return tuple(('%s' % value).split('.'))


def grant_key(grant, where='grant'):
    """The identity of a declared grant (a dict with type, privilege, namespace, name); raises on bad input."""
    if not isinstance(grant, dict):
        raise PolarisInputError('%s: a grant must be a dict with type and privilege, got %r.' % (where, grant))
    kind = ('%s' % (grant.get('type') or 'catalog')).lower()
    if kind not in PRIVILEGES:
        raise PolarisInputError('%s: unknown grant type %r; use one of %s.' % (where, kind, ', '.join(GRANT_TYPES)))
    privilege = ('%s' % (grant.get('privilege') or '')).strip().upper()
    if privilege not in PRIVILEGES[kind]:
        close = difflib.get_close_matches(privilege, PRIVILEGES[kind], n=3)
        raise PolarisInputError('%s: unknown %s privilege %r;%s valid %s privileges: %s.'
                                % (where, kind, grant.get('privilege'),
                                   ' did you mean %s?' % ' or '.join(close) if close else '', kind,
                                   ', '.join(PRIVILEGES[kind])))
    namespace = namespace_levels(grant.get('namespace'))
    name = grant.get('name')
    if kind == 'catalog':
        if namespace or name:
            raise PolarisInputError('%s: a catalog grant takes no namespace or name; use type namespace, table or '
                                    'view for those.' % where)
        return (kind, privilege, (), None)
    if not namespace or any(not level for level in namespace):
        raise PolarisInputError('%s: a %s grant needs a namespace (a list of levels or a dotted string).'
                                % (where, kind))
    if kind == 'namespace':
        if name:
            raise PolarisInputError('%s: a namespace grant takes no name; use type table or view.' % where)
        return (kind, privilege, namespace, None)
    if not name:
        raise PolarisInputError('%s: a %s grant needs the %s name (name).' % (where, kind, kind))
    return (kind, privilege, namespace, '%s' % name)


def key_from_api(grant):
    """The identity of a grant as Polaris lists it (GET .../grants); None for types this collection does not manage."""
    kind = (grant.get('type') or '').lower()
    if kind not in PRIVILEGES:
        return None
    name = grant.get(NAME_FIELDS[kind]) if kind in NAME_FIELDS else None
    return (kind, grant.get('privilege'), tuple(grant.get('namespace') or ()), name)


def grant_body(key):
    """The ``grant`` object of an add or revoke request for a grant identity."""
    kind, privilege, namespace, name = key
    body = {'type': kind, 'privilege': privilege}
    if kind != 'catalog':
        body['namespace'] = list(namespace)
    if kind in NAME_FIELDS:
        body[NAME_FIELDS[kind]] = name
    return body


def grant_dict(key):
    """A grant identity as the modules return it (and accept it back): type, privilege, namespace, name."""
    kind, privilege, namespace, name = key
    grant = {'type': kind, 'privilege': privilege}
    if kind != 'catalog':
        grant['namespace'] = list(namespace)
    if name is not None:
        grant['name'] = name
    return grant


def grant_text(key):
    """One short line for a grant: V(namespace sales.eu TABLE_READ_DATA)."""
    kind, privilege, namespace, name = key
    target = '.'.join(namespace + ((name,) if name else ()))
    return '%s %s%s' % (kind, target + ' ' if target else '', privilege)


def sort_keys(keys):
    return sorted(keys, key=lambda key: (GRANT_TYPES.index(key[0]), key[2], key[3] or '', key[1]))


def plan_set(current, wanted, purge):
    """(to add, to remove) to go from the `current` set to `wanted`; nothing is removed unless purge."""
    current, wanted = set(current), set(wanted)
    return wanted - current, (current - wanted) if purge else set()
