# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""polaris_catalog: converge a catalog, its storage, properties, catalog roles and their grants (or delete it)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.client import quote_name
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.entities import (
    CATALOG_ADMIN, CATALOG_API, DEFAULT_BASE_LOCATION, catalog_view, check_name, grants_view, location_allowed,
    ns_path, plan_properties, role_grants, storage_changes, storage_request, string_properties,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.grants import (
    PolarisInputError, grant_body, grant_text, plan_set, sort_keys,
)

LOCATION_SCHEMES = ('s3://', 's3a://')


def check_locations(where, storage, base, current):
    """Refuse locations Polaris would refuse or silently widen (a base location outside the allowed ones)."""
    allowed = storage.get('allowed_locations')
    for location in list(allowed or []) + ([base] if base else []):
        if not ('%s' % location).startswith(LOCATION_SCHEMES):
            raise PolarisInputError('%s: location %r is not an S3 location; write it as s3://bucket/prefix.'
                                    % (where, location))
    if current is None:
        if not base:
            raise PolarisInputError('%s does not exist; creating it needs default_base_location (s3://bucket/prefix).'
                                    % where)
        if not storage:
            raise PolarisInputError('%s does not exist; creating it needs storage (type s3, allowed_locations, '
                                    'endpoint...).' % where)
    effective = base or (current or {}).get('properties', {}).get(DEFAULT_BASE_LOCATION)
    if allowed is not None and effective and not location_allowed(effective, allowed):
        raise PolarisInputError('%s: default_base_location %r is outside storage.allowed_locations (%s); add it (or a '
                                'prefix of it) to allowed_locations or choose a location under one of them.'
                                % (where, effective, ', '.join(allowed)))


def catalog_update(params, current, where):
    """The UPDATE body for `current` (None when nothing differs); raises for changes Polaris cannot make."""
    storage = params.get('storage') or {}
    wanted_type = (params.get('type') or 'internal').upper()
    if (current.get('type') or 'INTERNAL').upper() != wanted_type:
        raise PolarisInputError('%s is %s, not %s; the type of a catalog cannot change: delete it (state: absent) and '
                                'create it again.' % (where, current.get('type', '').lower(), wanted_type.lower()))
    wanted = string_properties(params.get('properties'))
    base = params.get('default_base_location')
    if base:
        wanted[DEFAULT_BASE_LOCATION] = base
    properties = plan_properties(current.get('properties'), wanted, params.get('purge_properties'),
                                 keep=(DEFAULT_BASE_LOCATION,))
    info = current.get('storageConfigInfo') or {}
    changed = storage_changes(info, storage, base or (current.get('properties') or {}).get(DEFAULT_BASE_LOCATION))
    if 'type' in changed:
        raise PolarisInputError('%s stores in %s; the storage type cannot change: delete the catalog and create it '
                                'again.' % (where, info.get('storageType')))
    body = {}
    if properties is not None:
        body['properties'] = properties
    if changed:
        body['storageConfigInfo'] = storage_request(storage, info)
    return body or None, changed


def grant_target_checks(polaris, catalog, exists, keys, where):
    """Refuse grants on namespaces, tables or views that do not exist (Polaris answers 404 half-way through)."""
    seen = set()
    for key in sort_keys(keys):
        kind, dummy, namespace, name = key
        target = (kind if kind != 'namespace' else 'namespace', namespace, name)
        if kind == 'catalog' or target in seen:
            continue
        seen.add(target)
        if not exists:
            raise PolarisInputError('%s does not exist yet, so the %s grant (%s) cannot be given; create the catalog and '
                                    'the namespace first, then grant.' % (where, kind, grant_text(key)))
        path = '%s/namespaces/%s' % (quote_name(catalog), ns_path(namespace))
        if kind != 'namespace':
            path += '/%ss/%s' % (kind, quote_name(name))
        if not polaris.exists(path, '%s %s' % (kind, '.'.join(namespace + ((name,) if name else ())))):
            target_name = '.'.join(namespace + ((name,) if name else ()))
            raise PolarisInputError('%s: the %s %s does not exist, so the grant %s cannot be given; create it first '
                                    '(or remove the grant).' % (where, kind, target_name, grant_text(key)))


def converge_catalog(polaris, params):
    name = check_name('catalog', params['name'])
    where = 'catalog %r' % name
    current = polaris.catalog(name)
    if params['state'] == 'absent':
        return delete_catalog(polaris, name, current, params.get('force'), where)

    storage = params.get('storage') or {}
    wanted_roles = role_grants(params.get('catalog_roles'), where)
    check_locations(where, storage, params.get('default_base_location'), current)
    update, storage_changed = (catalog_update(params, current, where) if current else (None, []))

    current_roles = polaris.catalog_roles(name) if current else {}
    current_grants = dict((role, polaris.grants(name, role)) for role in sorted(current_roles)
                          if role in wanted_roles or params.get('purge_catalog_roles'))
    plans = {}
    additions = set()
    for role, wanted in wanted_roles.items():
        add, remove = plan_set(current_grants.get(role, set()), wanted, params.get('purge_grants'))
        plans[role] = (add, remove)
        additions |= add
    doomed = sorted(role for role in current_roles if params.get('purge_catalog_roles')
                    and role not in wanted_roles and role != CATALOG_ADMIN)
    grant_target_checks(polaris, name, current is not None, additions, where)

    before = state_view(current, current_grants) if current else None
    # -- writes (nothing above wrote) --
    created = current is None
    if created:
        wanted_props = string_properties(params.get('properties'))
        wanted_props[DEFAULT_BASE_LOCATION] = params['default_base_location']
        body = {'catalog': {'name': name, 'type': (params.get('type') or 'internal').upper(),
                            'properties': wanted_props, 'storageConfigInfo': storage_request(storage)}}
        answer = polaris.write('create %s' % where, 'POST', 'catalogs', body)
        after_catalog = answer or body['catalog']
    elif update:
        fields = (['properties'] if 'properties' in update else []) + ['storage.%s' % item for item in storage_changed]
        what = 'update %s (%s)' % (where, ', '.join(fields))
        after_catalog = polaris.update_versioned(
            what, 'catalogs/%s' % quote_name(name), where, lambda fresh: catalog_update(params, fresh, where)[0])
        if polaris.check_mode:
            after_catalog = dict(current, **update)
    else:
        after_catalog = current

    after_grants = {}
    for role in sorted(wanted_roles):
        add, remove = plans[role]
        if role not in current_roles:
            polaris.write('create catalog role %r in %s' % (role, where), 'POST',
                          'catalogs/%s/catalog-roles' % quote_name(name), {'catalogRole': {'name': role}})
        path = 'catalogs/%s/catalog-roles/%s/grants' % (quote_name(name), quote_name(role))
        for key in sort_keys(add):
            polaris.write('grant %s to catalog role %r of %s' % (grant_text(key), role, where), 'PUT', path,
                          {'grant': grant_body(key)}, expected=(200, 201, 204))
        for key in sort_keys(remove):
            polaris.write('revoke %s from catalog role %r of %s' % (grant_text(key), role, where), 'POST', path,
                          {'grant': grant_body(key)}, expected=(200, 201, 204))
        after_grants[role] = (current_grants.get(role, set()) | add) - remove
    for role in current_grants:
        if role not in wanted_roles and role not in doomed:
            after_grants[role] = current_grants[role]
    for role in doomed:
        polaris.write('delete catalog role %r of %s' % (role, where), 'DELETE',
                      'catalogs/%s/catalog-roles/%s' % (quote_name(name), quote_name(role)))

    after = state_view(after_catalog, after_grants)
    return dict(changed=bool(polaris.changes), created=created, changes=polaris.changes, catalog=after,
                diff=dict(before=before or {}, after=after))


def state_view(catalog, grants):
    view = catalog_view(catalog)
    view['catalog_roles'] = [dict(name=role, grants=grants_view(keys)) for role, keys in sorted(grants.items())]
    return view


def delete_catalog(polaris, name, current, force, where):
    if current is None:
        return dict(changed=False, created=False, changes=[], catalog={}, diff=dict(before={}, after={}))
    namespaces = polaris.namespaces(name)
    if namespaces and not force:
        shown = ', '.join('.'.join(namespace) for namespace in namespaces[:10])
        raise PolarisInputError('%s still has %d namespace(s) (%s%s); drop them first, or set force: true to drop them '
                                'with their tables and views (files are not purged).'
                                % (where, len(namespaces), shown, ', ...' if len(namespaces) > 10 else ''))
    roles = polaris.catalog_roles(name)
    before = state_view(current, dict((role, polaris.grants(name, role)) for role in sorted(roles)))
    for namespace in sorted(namespaces, key=len, reverse=True):
        base = '%s/namespaces/%s' % (quote_name(name), ns_path(namespace))
        for kind in ('tables', 'views'):
            listing = polaris.read('%s/%s' % (base, kind), '%s of namespace %s' % (kind, '.'.join(namespace)),
                                   api=CATALOG_API) or {}
            for identifier in listing.get('identifiers') or []:
                polaris.write('drop %s %s.%s of %s' % (kind[:-1], '.'.join(namespace), identifier['name'], where),
                              'DELETE', '%s/%s/%s' % (base, kind, quote_name(identifier['name'])), api=CATALOG_API)
        polaris.write('drop namespace %s of %s' % ('.'.join(namespace), where), 'DELETE', base, api=CATALOG_API)
    for role in sorted(roles):
        if role != CATALOG_ADMIN:
            polaris.write('delete catalog role %r of %s' % (role, where), 'DELETE',
                          'catalogs/%s/catalog-roles/%s' % (quote_name(name), quote_name(role)))
    polaris.write('delete %s' % where, 'DELETE', 'catalogs/%s' % quote_name(name))
    return dict(changed=True, created=False, changes=polaris.changes, catalog={}, diff=dict(before=before, after={}))
