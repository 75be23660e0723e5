# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""polaris_info: the realm's catalogs, principals and principal roles (read only), natively or as setup YAML."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.entities import (
    CATALOG_ADMIN, ROOT_PRINCIPAL, SERVICE_ADMIN, STORAGE_FIELDS, catalog_view, grants_view,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.grants import (
    PolarisInputError, sort_keys,
)
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
        # Sorted: Polaris lists a catalog's namespaces in the order its database returns them, which can change
        # between two reads of the same realm; tuples sort parents before their children.
        view['namespaces'] = ['.'.join(namespace) for namespace in sorted(polaris.namespaces(name))]
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


# Catalog keys of the setup format besides the storage fields (the storage fields are STORAGE_FIELDS' options).
_CATALOG_KEYS = ('name', 'type', 'storage_type', 'default_base_location', 'allowed_locations', 'properties', 'roles',
                 'namespaces')
_STORAGE_OPTIONS = tuple(option for option, dummy in STORAGE_FIELDS if option != 'allowed_locations')


def _strings(value):
    return dict((str(key), str(item)) for key, item in (value or {}).items())


def _where(kind, name):
    return 'polaris setup file: %s %r' % (kind, name)


def setup_desired(document):
    """The inverse of setup_document: a ``polaris setup apply`` document as the role's desired state.

    Returns {catalogs, principal_roles, principals, namespaces} in the role's (the modules') format: catalogs as
    polaris_catalog takes them (catalog_admin left to Polaris), principal roles with the catalog roles the file
    assigns to them (``assign_to``), principals with their principal roles; the root principal and service_admin are
    Polaris's own and left out. ``namespaces`` lists ``catalog.namespace`` of the file: the modules create none
    (namespaces are data). Raises PolarisInputError (one line) on what the modules cannot converge, before anything
    is written.
    """
    if not isinstance(document, dict):
        raise PolarisInputError('polaris setup file: expected a mapping with principals, principal_roles and catalogs, '
                                'got %s.' % type(document).__name__)
    unknown = sorted(set(document) - set(('principals', 'principal_roles', 'catalogs')))
    if unknown:
        raise PolarisInputError('polaris setup file: %s not supported by the polaris role (it converges principals, '
                                'principal_roles and catalogs); remove them.' % ', '.join(unknown))
    principal_roles, assigned = [], {}
    for entry in document.get('principal_roles') or []:
        role = entry if isinstance(entry, dict) else {'name': entry}
        if role.get('name') == SERVICE_ADMIN:
            continue
        principal_roles.append({'name': str(role.get('name')), 'properties': _strings(role.get('properties')),
                                'catalog_roles': []})
    catalogs, namespaces = [], []
    for entry in document.get('catalogs') or []:
        name = entry.get('name')
        unknown = sorted(set(entry) - set(_CATALOG_KEYS) - set(_STORAGE_OPTIONS))
        if unknown:
            raise PolarisInputError('%s: %s cannot be converged by polaris_catalog (storage options it takes: %s); '
                                    'remove them.' % (_where('catalog', name), ', '.join(unknown),
                                                      ', '.join(_STORAGE_OPTIONS)))
        storage = {'type': str(entry.get('storage_type') or 's3').lower(),
                   'allowed_locations': list(entry.get('allowed_locations') or [])}
        for option in _STORAGE_OPTIONS:
            if option in entry:
                storage[option] = entry[option]
        catalog_roles = []
        for role_name, info in sorted((entry.get('roles') or {}).items()):
            info = info or {}
            for principal_role in info.get('assign_to') or []:
                if principal_role != SERVICE_ADMIN:
                    assigned.setdefault(principal_role, []).append({'catalog': name, 'role': role_name})
            if role_name == CATALOG_ADMIN:
                continue
            if info.get('properties'):
                raise PolarisInputError('%s: catalog role %r has properties, which polaris_catalog does not manage; '
                                        'remove them.' % (_where('catalog', name), role_name))
            privileges = info.get('privileges') or {}
            unknown = sorted(set(privileges) - set(('catalog', 'namespace')))
            if unknown:
                raise PolarisInputError('%s: catalog role %r: %s privileges have no place in the setup format (the '
                                        'official CLI ignores them); declare them with polaris_catalog.'
                                        % (_where('catalog', name), role_name, ', '.join(unknown)))
            grants = [{'type': 'catalog', 'privilege': privilege} for privilege in privileges.get('catalog') or []]
            for namespace, names in sorted((privileges.get('namespace') or {}).items()):
                grants.extend({'type': 'namespace', 'namespace': namespace, 'privilege': privilege}
                              for privilege in names or [])
            catalog_roles.append({'name': role_name, 'grants': grants})
        catalogs.append({'name': name, 'type': str(entry.get('type') or 'internal').lower(),
                         'default_base_location': entry.get('default_base_location'),
                         'properties': _strings(entry.get('properties')), 'storage': storage,
                         'catalog_roles': catalog_roles})
        namespaces.extend('%s.%s' % (name, (item or {}).get('name') if isinstance(item, dict) else item)
                          for item in entry.get('namespaces') or [])
    known = set(role['name'] for role in principal_roles)
    for role in principal_roles:
        role['catalog_roles'] = sorted(assigned.pop(role['name'], []), key=lambda pair: (pair['catalog'], pair['role']))
    if assigned:
        raise PolarisInputError('polaris setup file: catalog roles are assigned to principal roles it does not list '
                                '(%s); add them to principal_roles.' % ', '.join(sorted(assigned)))
    principals = []
    for name, info in sorted((document.get('principals') or {}).items()):
        if name == ROOT_PRINCIPAL:
            continue
        info = info or {}
        roles = [role for role in info.get('roles') or [] if role != SERVICE_ADMIN]
        missing = sorted(set(roles) - known)
        if missing:
            raise PolarisInputError('%s: principal roles %s are not in principal_roles; add them.'
                                    % (_where('principal', name), ', '.join(missing)))
        principals.append({'name': name, 'properties': _strings(info.get('properties')), 'principal_roles': roles})
    return {'catalogs': catalogs, 'principal_roles': principal_roles, 'principals': principals,
            'namespaces': namespaces}
