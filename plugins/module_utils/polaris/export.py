# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""polaris_info: the realm's catalogs, principals and principal roles (read only), natively or as setup YAML."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.entities import (
    catalog_view, grants_view,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.grants import sort_keys
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.principals import (
    principal_role_view, principal_view,
)


def read_realm(polaris, catalog_names=None):
    """{catalogs, principals, principal_roles} in the modules' format; secrets are never read (Polaris never
    returns them outside create/rotate/reset)."""
    catalogs = sorted((catalog for catalog in polaris.catalogs()
                       if not catalog_names or catalog['name'] in catalog_names), key=lambda item: item['name'])
    result_catalogs, grant_sets = [], {}
    for catalog in catalogs:
        name = catalog['name']
        view = catalog_view(catalog)
        view['catalog_roles'] = []
        for role_name, role in sorted(polaris.catalog_roles(name).items()):
            keys = polaris.grants(name, role_name)
            grant_sets[(name, role_name)] = keys
            view['catalog_roles'].append(dict(name=role_name, properties=dict(role.get('properties') or {}),
                                              grants=grants_view(keys)))
        view['namespaces'] = ['.'.join(namespace) for namespace in polaris.namespaces(name)]
        result_catalogs.append(view)
    principals = [principal_view(principal, polaris.principal_roles_of(principal['name']))
                  for principal in sorted(polaris.principals(), key=lambda item: item['name'])]
    principal_roles = []
    for role in sorted(polaris.principal_roles(), key=lambda item: item['name']):
        pairs = set()
        for catalog in catalogs:
            pairs |= set((catalog['name'], name) for name in polaris.catalog_roles_of(role['name'], catalog['name']))
        principal_roles.append(principal_role_view(role, pairs))
    return dict(catalogs=result_catalogs, principals=principals, principal_roles=principal_roles), grant_sets


def setup_document(realm, grant_sets):
    """The YAML structure of the official CLI's ``polaris setup apply`` / ``setup export`` (apache-polaris).

    Table and view grants have no place in that format (the CLI ignores them) and are left out, as are policies.
    """
    principals = {}
    for principal in realm['principals']:
        entry = {'type': 'service'}
        if principal['properties']:
            entry['properties'] = principal['properties']
        if principal['principal_roles']:
            entry['roles'] = principal['principal_roles']
        principals[principal['name']] = entry
    principal_roles = [dict(name=role['name'], properties=role['properties']) if role['properties'] else role['name']
                       for role in realm['principal_roles']]
    assignees = {}
    for role in realm['principal_roles']:
        for pair in role['catalog_roles']:
            assignees.setdefault((pair['catalog'], pair['role']), []).append(role['name'])
    catalogs = []
    for catalog in realm['catalogs']:
        storage = dict(catalog['storage'])
        entry = {'name': catalog['name'], 'type': catalog['type'], 'storage_type': storage.pop('type', 's3'),
                 'default_base_location': catalog['default_base_location'],
                 'allowed_locations': sorted(storage.pop('allowed_locations', []))}
        if catalog['properties']:
            entry['properties'] = catalog['properties']
        entry.update(storage)
        roles = {}
        for role in catalog['catalog_roles']:
            info = {}
            if role['properties']:
                info['properties'] = role['properties']
            if assignees.get((catalog['name'], role['name'])):
                info['assign_to'] = sorted(assignees[(catalog['name'], role['name'])])
            privileges = {}
            for kind, dummy, namespace, name in sort_keys(grant_sets.get((catalog['name'], role['name']), ())):
                if kind == 'catalog':
                    privileges.setdefault('catalog', []).append(dummy)
                elif kind == 'namespace':
                    privileges.setdefault('namespace', {}).setdefault('.'.join(namespace), []).append(dummy)
            for value in privileges.get('namespace', {}).values():
                value.sort()
            if privileges.get('catalog'):
                privileges['catalog'].sort()
            if privileges:
                info['privileges'] = privileges
            roles[role['name']] = info
        if roles:
            entry['roles'] = roles
        if catalog['namespaces']:
            entry['namespaces'] = [dict(name=name) for name in catalog['namespaces']]
        catalogs.append(entry)
    return {'principals': principals, 'principal_roles': principal_roles, 'catalogs': catalogs}
