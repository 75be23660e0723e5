# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""polaris_principal and polaris_principal_role: converge principals, principal roles and their assignments."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.client import PolarisError, quote_name
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.entities import (
    ROOT_PRINCIPAL, SERVICE_ADMIN, check_name, plan_properties, string_properties,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.grants import PolarisInputError, plan_set


def properties_update(params):
    """body_for of Polaris.update_versioned for an entity's properties (None when they already match)."""
    if params.get('properties') is None and not params.get('purge_properties'):
        return lambda fresh: None

    def body_for(fresh):
        properties = plan_properties(fresh.get('properties'), string_properties(params.get('properties')),
                                     params.get('purge_properties'))
        return None if properties is None else {'properties': properties}
    return body_for


def update_properties(polaris, path, where, params, current):
    """The entity after converging its properties (what it would be in check mode)."""
    entity = polaris.update_versioned('update the properties of %s' % where, path, where, properties_update(params))
    if polaris.check_mode:
        update = properties_update(params)(current)
        if update:
            entity = dict(current, **update)
    return entity


def principal_view(principal, roles):
    principal = principal or {}
    return {'name': principal.get('name'), 'client_id': principal.get('clientId'),
            'properties': dict(principal.get('properties') or {}), 'principal_roles': sorted(roles),
            'entity_version': principal.get('entityVersion')}


def converge_principal(polaris, params, credentials_work):
    """credentials_work(client_id, client_secret) -> True when Polaris issues a token for them (a read)."""
    name = check_name('principal', params['name'])
    where = 'principal %r' % name
    current = polaris.principal(name)
    path = 'principals/%s' % quote_name(name)
    if params['state'] == 'absent':
        if name == ROOT_PRINCIPAL:
            raise PolarisInputError('%s is the root principal of the realm; it cannot be deleted.' % where)
        if current is None:
            return dict(changed=False, created=False, changes=[], principal={}, diff=dict(before={}, after={}))
        before = principal_view(current, polaris.principal_roles_of(name))
        polaris.write('delete %s' % where, 'DELETE', path)
        return dict(changed=True, created=False, changes=polaris.changes, principal={},
                    diff=dict(before=before, after={}))

    action = params.get('credentials_action') or 'none'
    if action == 'reset' and not params.get('client_secret'):
        raise PolarisInputError('%s: credentials_action reset needs client_secret (and optionally client_id).' % where)
    wanted = params.get('principal_roles')
    for role in wanted or []:
        check_name('%s: principal role' % where, role)
    if wanted:
        known = set(role['name'] for role in polaris.principal_roles())
        missing = sorted(set(wanted) - known)
        if missing:
            raise PolarisInputError('%s: principal role(s) %s do not exist; create them first (polaris_principal_role).'
                                    % (where, ', '.join(missing)))
    current_roles = polaris.principal_roles_of(name) if current else set()
    add, remove = plan_set(current_roles, wanted or (), params.get('purge_principal_roles')) \
        if wanted is not None else (set(), set())
    before = principal_view(current, current_roles) if current else {}

    credentials, method = None, None
    created = current is None
    if created:
        body = {'principal': {'name': name, 'properties': string_properties(params.get('properties'))},
                'credentialRotationRequired': False}
        answer = polaris.write('create %s' % where, 'POST', 'principals', body)
        principal = (answer or {}).get('principal') or body['principal']
        credentials, method = (answer or {}).get('credentials'), 'create'
    else:
        principal = update_properties(polaris, path, where, params, current)

    if action == 'rotate' and not created:
        credentials, method = rotate(polaris, path, where)
    elif action == 'reset':
        client_id = params.get('client_id') or (principal or {}).get('clientId')
        if created or not credentials_work(client_id, params['client_secret']):
            body = {'clientSecret': params['client_secret']}
            if params.get('client_id'):
                body['clientId'] = params['client_id']
            answer = polaris.write('reset the credentials of %s' % where, 'POST', path + '/reset', body)
            credentials = {'clientId': ((answer or {}).get('credentials') or {}).get('clientId') or client_id,
                           'clientSecret': params['client_secret']}
            method = 'reset'
    for role in sorted(add):
        polaris.write('assign principal role %r to %s' % (role, where), 'PUT', path + '/principal-roles',
                      {'principalRole': {'name': role}})
    for role in sorted(remove):
        polaris.write('revoke principal role %r from %s' % (role, where), 'DELETE',
                      '%s/principal-roles/%s' % (path, quote_name(role)))
    after = principal_view(principal, (current_roles | add) - remove)
    if credentials and credentials.get('clientId'):
        after['client_id'] = credentials['clientId']
    return dict(changed=bool(polaris.changes), created=created, changes=polaris.changes, principal=after,
                diff=dict(before=before, after=after), new_credentials=credentials, credentials_method=method)


def rotate(polaris, path, where):
    """New credentials: POST .../rotate; on 403, POST .../reset with no body (server-generated secret).

    Polaris 1.4.1 lets only the principal itself rotate (PRINCIPAL_ROTATE_CREDENTIALS has no super-privilege), so a
    service_admin caller gets 403 (apache/polaris #624); reset, which only root may call, gives the same outcome.
    """
    try:
        answer = polaris.write('rotate the credentials of %s' % where, 'POST', path + '/rotate')
        return (answer or {}).get('credentials'), 'rotate'
    except PolarisError as error:
        if error.status != 403:
            raise
        polaris.changes.pop()
    answer = polaris.write('rotate the credentials of %s (reset to server-generated ones: the caller may not call '
                           'rotate)' % where, 'POST', path + '/reset', {})
    return (answer or {}).get('credentials'), 'reset'


def principal_role_view(role, assignments):
    role = role or {}
    return {'name': role.get('name'), 'properties': dict(role.get('properties') or {}),
            'catalog_roles': [dict(catalog=catalog, role=name) for catalog, name in sorted(assignments)],
            'entity_version': role.get('entityVersion')}


def converge_principal_role(polaris, params):
    name = check_name('principal role', params['name'])
    where = 'principal role %r' % name
    if name == SERVICE_ADMIN:
        raise PolarisInputError('%s is managed by Polaris (the root principal\'s role); manage another role.' % where)
    current = polaris.principal_role(name)
    path = 'principal-roles/%s' % quote_name(name)
    declared = params.get('catalog_roles')
    catalogs = set(item['catalog'] for item in declared or [])
    if params['state'] == 'present' and params.get('purge_catalog_roles'):
        catalogs |= set(catalog['name'] for catalog in polaris.catalogs())
    current_pairs = set()
    if current and params['state'] == 'present':
        for catalog in sorted(catalogs):
            current_pairs |= set((catalog, role) for role in polaris.catalog_roles_of(name, catalog))
    before = principal_role_view(current, current_pairs) if current else {}
    if params['state'] == 'absent':
        if current is None:
            return dict(changed=False, created=False, changes=[], principal_role={}, diff=dict(before={}, after={}))
        polaris.write('delete %s' % where, 'DELETE', path)
        return dict(changed=True, created=False, changes=polaris.changes, principal_role={},
                    diff=dict(before=before, after={}))

    wanted = set()
    for item in declared or []:
        catalog = check_name('%s: catalog' % where, item.get('catalog'))
        role = check_name('%s: catalog role' % where, item.get('role'))
        wanted.add((catalog, role))
    for catalog in sorted(set(catalog for catalog, dummy in wanted)):
        if polaris.catalog(catalog) is None:
            raise PolarisInputError('%s: catalog %r does not exist; create it first (polaris_catalog).' % (where, catalog))
        roles = polaris.catalog_roles(catalog)
        missing = sorted(role for other, role in wanted if other == catalog and role not in roles)
        if missing:
            raise PolarisInputError('%s: catalog role(s) %s do not exist in catalog %r; declare them with '
                                    'polaris_catalog catalog_roles first.' % (where, ', '.join(missing), catalog))
    add, remove = plan_set(current_pairs, wanted, params.get('purge_catalog_roles')) \
        if declared is not None else (set(), set())

    created = current is None
    if created:
        body = {'principalRole': {'name': name, 'properties': string_properties(params.get('properties'))}}
        role_entity = polaris.write('create %s' % where, 'POST', 'principal-roles', body) or body['principalRole']
    else:
        role_entity = update_properties(polaris, path, where, params, current)
    for catalog, role in sorted(add):
        polaris.write('assign catalog role %r of catalog %r to %s' % (role, catalog, where), 'PUT',
                      '%s/catalog-roles/%s' % (path, quote_name(catalog)), {'catalogRole': {'name': role}})
    for catalog, role in sorted(remove):
        polaris.write('revoke catalog role %r of catalog %r from %s' % (role, catalog, where), 'DELETE',
                      '%s/catalog-roles/%s/%s' % (path, quote_name(catalog), quote_name(role)))
    after = principal_role_view(role_entity, (current_pairs | add) - remove)
    return dict(changed=bool(polaris.changes), created=created, changes=polaris.changes, principal_role=after,
                diff=dict(before=before, after=after))
