# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Partition and sort declarations, and the planning of a converge: schema evolution, partition spec, sort order
and properties, with the refusal rules. Changes that would lose data or break readers (drops, renames, required
columns) are refused unless allowed with allow_breaking_changes; narrowing or incompatible type changes always are;
nothing is committed when anything is refused.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import OrderedDict, namedtuple

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.errors import IcebergModuleError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.types import (
    build_iceberg_type,
    decl_type_to_string,
    schema_to_lines,
    type_to_string,
)

try:
    from pyiceberg import types as T
    from pyiceberg.partitioning import PartitionField, PartitionSpec
    from pyiceberg.table.sorting import NullOrder, SortDirection, SortField, SortOrder
    from pyiceberg.transforms import (
        BucketTransform,
        DayTransform,
        HourTransform,
        IdentityTransform,
        MonthTransform,
        TruncateTransform,
        VoidTransform,
        YearTransform,
    )
except ImportError:  # pyiceberg/pyarrow missing: catalog.py reports it (ICEBERG_REQUIREMENT) before anything here runs
    pass


# The kinds of change that allow_breaking_changes can allow (refused otherwise).
BREAKING_CHANGE_KINDS = ('drop_column', 'rename_column', 'require_column')
# Properties that PyIceberg/engines maintain themselves; purge_properties never removes them.
MANAGED_PROPERTIES = ('schema.name-mapping.default',)


# Transforms ---------------------------------------------------------------------------------------------------------

_TRANSFORM_RE = re.compile(r'^\s*([a-z_]+)\s*(?:[\[(]\s*(\d+)\s*[\])])?\s*$')


def parse_transform_text(text, where):
    if text is None:
        return IdentityTransform()
    match = _TRANSFORM_RE.match(str(text).lower())
    if not match:
        raise IcebergModuleError("%s: unknown transform '%s' (identity, bucket[N], truncate[W], year, month, day, hour, "
                                 "void)." % (where, text))
    name, arg = match.group(1), match.group(2)
    simple = {'identity': IdentityTransform, 'year': YearTransform, 'years': YearTransform, 'month': MonthTransform,
              'months': MonthTransform, 'day': DayTransform, 'days': DayTransform, 'hour': HourTransform,
              'hours': HourTransform, 'void': VoidTransform}
    if name in simple:
        if arg is not None:
            raise IcebergModuleError("%s: transform '%s' takes no argument." % (where, name))
        return simple[name]()
    if name in ('bucket', 'truncate'):
        if arg is None or int(arg) <= 0:
            raise IcebergModuleError("%s: transform '%s' needs a positive argument, e.g. %s[16]." % (where, name, name))
        return BucketTransform(num_buckets=int(arg)) if name == 'bucket' else TruncateTransform(width=int(arg))
    raise IcebergModuleError("%s: unknown transform '%s' (identity, bucket[N], truncate[W], year, month, day, hour, "
                             "void)." % (where, text))


def transform_to_string(transform):
    return str(transform)


PartitionDecl = namedtuple('PartitionDecl', 'column transform name')
SortDecl = namedtuple('SortDecl', 'column transform direction null_order')


def parse_partition_decl(items):
    decls = []
    for index, item in enumerate(items or []):
        where = 'partition_spec[%d]' % index
        if isinstance(item, str):
            item = _partition_shorthand(item, where)
        if not isinstance(item, dict) or not item.get('column'):
            raise IcebergModuleError('%s: needs column (and optionally transform, name).' % where)
        transform = parse_transform_text(item.get('transform'), where)
        decls.append(PartitionDecl(item['column'], transform, item.get('name')))
    return decls


def _partition_shorthand(text, where):
    """'day(ts)' / 'bucket[16](id)' / 'region' shorthands."""
    match = re.match(r'^\s*(bucket|truncate)\s*\(\s*(\d+)\s*,\s*([^)]+?)\s*\)\s*$', text)
    if match:
        return {'column': match.group(3), 'transform': '%s[%s]' % (match.group(1), match.group(2))}
    match = re.match(r'^\s*([a-z_]+(?:\[\d+\])?)\s*\(\s*([^),]+?)\s*\)\s*$', text)
    if match:
        return {'column': match.group(2), 'transform': match.group(1)}
    if re.match(r'^[A-Za-z_][\w.]*$', text.strip()):
        return {'column': text.strip()}
    raise IcebergModuleError("%s: cannot parse '%s' (use {column, transform, name} or e.g. 'day(ts)')." % (where, text))


def parse_sort_decl(items):
    decls = []
    for index, item in enumerate(items or []):
        where = 'sort_order[%d]' % index
        if isinstance(item, str):
            parts = item.split()
            item = {'column': parts[0]}
            if len(parts) > 1:
                item['direction'] = parts[1]
        if not isinstance(item, dict) or not item.get('column'):
            raise IcebergModuleError('%s: needs column (and optionally transform, direction, null_order).' % where)
        direction = str(item.get('direction') or 'asc').lower()
        if direction not in ('asc', 'desc'):
            raise IcebergModuleError("%s: direction must be asc or desc, got '%s'." % (where, direction))
        default_nulls = 'nulls-first' if direction == 'asc' else 'nulls-last'
        null_order = str(item.get('null_order') or default_nulls).lower().replace('_', '-')
        if null_order not in ('nulls-first', 'nulls-last'):
            raise IcebergModuleError("%s: null_order must be nulls-first or nulls-last." % where)
        decls.append(SortDecl(item['column'], parse_transform_text(item.get('transform'), where), direction, null_order))
    return decls


def resolve_column(schema, column, where):
    try:
        return schema.find_field(column)
    except ValueError:
        raise IcebergModuleError("%s: column '%s' does not exist in the schema (columns: %s)."
                                 % (where, column, ', '.join(f.name for f in schema.fields)))


def build_partition_spec(schema, decls):
    fields = []
    names = set()
    for index, d in enumerate(decls):
        where = 'partition_spec[%d]' % index
        source = resolve_column(schema, d.column, where)
        if not d.transform.can_transform(source.field_type):
            raise IcebergModuleError("%s: transform %s cannot be applied to column '%s' of type %s."
                                     % (where, d.transform, d.column, type_to_string(source.field_type)))
        name = d.name or default_partition_name(d.column, d.transform)
        if name in names:
            raise IcebergModuleError("%s: partition field name '%s' is used twice." % (where, name))
        names.add(name)
        fields.append(PartitionField(source_id=source.field_id, field_id=1000 + index, transform=d.transform, name=name))
    return PartitionSpec(*fields, spec_id=0)


def default_partition_name(column, transform):
    column = column.replace('.', '_')
    if isinstance(transform, IdentityTransform):
        return column
    if isinstance(transform, BucketTransform):
        return '%s_bucket_%d' % (column, transform.num_buckets)
    if isinstance(transform, TruncateTransform):
        return '%s_trunc_%d' % (column, transform.width)
    return '%s_%s' % (column, str(transform))


def build_sort_order(schema, decls):
    fields = []
    for index, d in enumerate(decls):
        where = 'sort_order[%d]' % index
        source = resolve_column(schema, d.column, where)
        if not d.transform.can_transform(source.field_type):
            raise IcebergModuleError("%s: transform %s cannot be applied to column '%s'." % (where, d.transform, d.column))
        fields.append(SortField(source_id=source.field_id, transform=d.transform,
                                direction=SortDirection.ASC if d.direction == 'asc' else SortDirection.DESC,
                                null_order=NullOrder.NULLS_FIRST if d.null_order == 'nulls-first' else NullOrder.NULLS_LAST))
    if not fields:
        return SortOrder(order_id=0)
    return SortOrder(*fields, order_id=1)


def spec_to_data(spec, schema):
    out = []
    for f in spec.fields:
        out.append(OrderedDict([('name', f.name), ('column', schema.find_column_name(f.source_id)),
                                ('transform', transform_to_string(f.transform)), ('field_id', f.field_id)]))
    return out


def sort_order_to_data(order, schema):
    out = []
    for f in order.fields:
        out.append(OrderedDict([('column', schema.find_column_name(f.source_id)),
                                ('transform', transform_to_string(f.transform)),
                                ('direction', 'asc' if f.direction == SortDirection.ASC else 'desc'),
                                ('null_order', 'nulls-first' if f.null_order == NullOrder.NULLS_FIRST else 'nulls-last')]))
    return out


def stringify_properties(props):
    out = {}
    for key, value in (props or {}).items():
        if isinstance(value, bool):
            value = 'true' if value else 'false'
        elif value is None:
            raise IcebergModuleError("properties: '%s' has no value (to remove a property use purge_properties)." % key)
        out[str(key)] = str(value)
    return out


def diff_view(schema, spec, order, properties, format_version, location):
    view = OrderedDict()
    view['schema'] = schema_to_lines(schema) if schema is not None else []
    view['partition_spec'] = ['%s: %s(%s)' % (f.name, f.transform, schema.find_column_name(f.source_id))
                              for f in spec.fields] if spec is not None else []
    view['sort_order'] = [
        '%s(%s) %s %s' % (f.transform, schema.find_column_name(f.source_id),
                          'asc' if f.direction == SortDirection.ASC else 'desc',
                          'nulls-first' if f.null_order == NullOrder.NULLS_FIRST else 'nulls-last')
        for f in order.fields] if order is not None else []
    view['properties'] = dict(sorted((properties or {}).items()))
    view['format_version'] = format_version
    if location:
        view['location'] = location
    return view


# ---------------------------------------------------------------------------------------------------------------------
# Planning: schema / spec / sort / property diff
# ---------------------------------------------------------------------------------------------------------------------

SchemaOp = namedtuple('SchemaOp', 'op path args')  # path: tuple of names in the *current* schema (or new for adds)


class SchemaPlan(object):
    """Operations to converge a table schema on a declaration; `refused` lists what will not be done."""

    def __init__(self):
        self.ops = []          # SchemaOp, applied in order to UpdateSchema
        self.changes = []      # human-readable descriptions of allowed changes
        self.refused = []      # human-readable descriptions of refused changes
        self.needs_incompatible = False

    def add(self, op, path, description, **args):
        self.ops.append(SchemaOp(op, tuple(path), args))
        self.changes.append(description)

    def refuse(self, description):
        self.refused.append(description)

    @property
    def empty(self):
        return not self.ops


def is_widening(old, new):
    """Iceberg (v1-v2) type promotions: int->long, float->double, decimal(P,S)->decimal(P2,S) with P2>P."""
    if isinstance(old, T.IntegerType) and isinstance(new, T.LongType):
        return True
    if isinstance(old, T.FloatType) and isinstance(new, T.DoubleType):
        return True
    if isinstance(old, T.DecimalType) and isinstance(new, T.DecimalType):
        return new.scale == old.scale and new.precision > old.precision
    return False


def is_narrowing(old, new):
    narrower_decimal = (isinstance(old, T.DecimalType) and isinstance(new, T.DecimalType)
                        and new.scale == old.scale and new.precision < old.precision)
    return is_widening(old=new, new=old) or narrower_decimal


def _pretty(path):
    return '.'.join(path)


# Internal marker in the `allow` set of the planners: columns that are not declared are kept (purge_columns=false).
KEEP_UNDECLARED_COLUMNS = '_keep_undeclared_columns'


def plan_schema(current, decls, allow=(), purge_columns=True):
    """Plan the evolution of `current` (a pyiceberg Schema) to the declared columns `decls` (list of FieldDecl).

    Allowed: add optional columns, widen types, make required columns optional, change docs, reorder.
    Refused unless listed in `allow` (drop_column, rename_column, require_column): drops, renames, making a column
    required or adding a required one. Always refused: any other type change (narrowing or incompatible), changes
    of map keys, changing the kind of a nested type. With purge_columns=False, columns that are not declared are kept
    (and so never count as drops).
    """
    allow = set(allow or ())
    if not purge_columns:
        allow.add(KEEP_UNDECLARED_COLUMNS)
    plan = SchemaPlan()
    _plan_struct(plan, current.as_struct(), decls, (), (), allow)
    return plan


def _allow_hint(kind):
    return 'allow with allow_breaking_changes: [%s]' % kind


def _plan_struct(plan, struct, decls, cur_path, new_path, allow):
    """cur_path: path of the struct in the current schema (for ops); new_path: its declared path (for messages)."""
    current_by_name = OrderedDict((f.name, f) for f in struct.fields)
    matched = {}   # current name -> decl
    for d in decls:
        if d.name in current_by_name:
            matched[d.name] = d
    for d in decls:
        if d.name in current_by_name:
            continue
        if d.rename_from and d.rename_from in current_by_name and d.rename_from not in matched:
            matched[d.rename_from] = d
    # drops
    for name, field in current_by_name.items():
        if name not in matched and KEEP_UNDECLARED_COLUMNS not in allow:
            desc = "drop column '%s' (%s) and its data" % (_pretty(new_path + (name,)), type_to_string(field.field_type))
            if 'drop_column' in allow:
                plan.needs_incompatible = True
                plan.add('delete', cur_path + (name,), desc)
            else:
                plan.refuse('%s: %s' % (desc, _allow_hint('drop_column')))
    # renames + updates of matched columns
    for cur_name, d in matched.items():
        field = current_by_name[cur_name]
        if cur_name != d.name:
            desc = "rename column '%s' to '%s' (readers by name break)" % (_pretty(new_path + (cur_name,)), d.name)
            if 'rename_column' in allow:
                plan.add('rename', cur_path + (cur_name,), desc, new_name=d.name)
            else:
                plan.refuse('%s: %s' % (desc, _allow_hint('rename_column')))
        _plan_field(plan, field, d, cur_path + (cur_name,), new_path + (d.name,), allow)
    # adds
    added = []
    for d in decls:
        if any(m is d for m in matched.values()):
            continue
        added.append(d.name)
        desc = "add column '%s' %s%s" % (_pretty(new_path + (d.name,)), decl_type_to_string(d.type),
                                         ' required' if d.required else '')
        if d.required:
            if 'require_column' in allow:
                plan.needs_incompatible = True
                plan.add('add', cur_path + (d.name,), desc + ' (existing rows have no value)', decl=d)
            else:
                plan.refuse("%s: existing rows would have no value for a required column; declare it optional or %s"
                            % (desc, _allow_hint('require_column')))
        else:
            plan.add('add', cur_path + (d.name,), desc, decl=d)
    # order
    _plan_order(plan, struct, decls, matched, cur_path, new_path)


def _plan_order(plan, struct, decls, matched, cur_path, new_path):
    decl_to_cur = dict((id(d), cur) for cur, d in matched.items())
    # simulated order after drops/adds (PyIceberg appends added columns at the end of their struct)
    kept = [f.name for f in struct.fields if f.name in matched]
    sim = [matched[name].name for name in kept] + [d.name for d in decls if id(d) not in decl_to_cur]
    target = [d.name for d in decls]
    if sim == target:
        return
    # names used by UpdateSchema moves: current names for existing columns, new names for added ones
    op_name = dict((d.name, decl_to_cur.get(id(d), d.name)) for d in decls)
    for index, name in enumerate(target):
        if sim.index(name) == index:
            continue
        sim.remove(name)
        sim.insert(index, name)
        if index == 0:
            plan.add('move_first', cur_path + (op_name[name],), "move column '%s' first" % _pretty(new_path + (name,)))
        else:
            plan.add('move_after', cur_path + (op_name[name],), "move column '%s' after '%s'"
                     % (_pretty(new_path + (name,)), target[index - 1]),
                     after=cur_path + (op_name[target[index - 1]],))


def _plan_required(plan, path, was_required, now_required, optional_desc, required_desc, allow):
    """Making something optional is always allowed; making it required only with require_column."""
    if was_required and not now_required:
        plan.add('optional', path, optional_desc)
    elif not was_required and now_required:
        if 'require_column' in allow:
            plan.needs_incompatible = True
            plan.add('required', path, required_desc)
        else:
            plan.refuse('%s: %s' % (required_desc, _allow_hint('require_column')))


def _plan_field(plan, field, d, cur_path, new_path, allow):
    shown = _pretty(new_path)
    _plan_required(plan, cur_path, field.required, d.required, "make column '%s' optional" % shown,
                   "make column '%s' required (existing nulls break readers, writers must always set it)" % shown,
                   allow)
    if d.doc is not None and (field.doc or None) != (d.doc or None):
        plan.add('doc', cur_path, "set doc of column '%s' to %r" % (shown, d.doc), doc=d.doc)
    _plan_type(plan, field.field_type, d.type, cur_path, new_path, allow)


def _kind(t):
    if isinstance(t, T.StructType):
        return 'struct'
    if isinstance(t, T.ListType):
        return 'list'
    if isinstance(t, T.MapType):
        return 'map'
    return 'primitive'


def _plan_type(plan, cur_type, decl, cur_path, new_path, allow):
    shown = _pretty(new_path)
    if _kind(cur_type) != decl.kind:
        plan.refuse("change column '%s' from %s to %s: Iceberg cannot change a column between primitive, struct, list "
                    "and map types" % (shown, type_to_string(cur_type), decl_type_to_string(decl)))
        return
    if decl.kind == 'primitive':
        new = decl.primitive
        if cur_type == new:
            return
        if is_widening(cur_type, new):
            plan.add('type', cur_path, "widen column '%s' from %s to %s"
                     % (shown, type_to_string(cur_type), type_to_string(new)), field_type=new)
        elif is_narrowing(cur_type, new):
            plan.refuse("narrow column '%s' from %s to %s: would lose data and Iceberg cannot narrow a type"
                        % (shown, type_to_string(cur_type), type_to_string(new)))
        else:
            plan.refuse("change type of column '%s' from %s to %s: Iceberg only widens int->long, float->double and "
                        "decimal precision" % (shown, type_to_string(cur_type), type_to_string(new)))
        return
    if decl.kind == 'struct':
        _plan_struct(plan, cur_type, decl.fields, cur_path, new_path, allow)
        return
    if decl.kind == 'list':
        ep = cur_path + ('element',)
        _plan_required(plan, ep, cur_type.element_required, decl.element_required,
                       "make elements of '%s' optional" % shown, "make elements of '%s' required" % shown, allow)
        _plan_type(plan, cur_type.element_type, decl.element, ep, new_path + ('element',), allow)
        return
    # map
    if cur_type.key_type != decl.key.primitive:
        plan.refuse("change the key type of map '%s' from %s to %s: map keys cannot change"
                    % (shown, type_to_string(cur_type.key_type), decl_type_to_string(decl.key)))
    vp = cur_path + ('value',)
    _plan_required(plan, vp, cur_type.value_required, decl.value_required,
                   "make values of '%s' optional" % shown, "make values of '%s' required" % shown, allow)
    _plan_type(plan, cur_type.value_type, decl.value, vp, new_path + ('value',), allow)


def apply_schema_plan(update, plan):
    """Stage a SchemaPlan on a pyiceberg UpdateSchema (all paths are tuples of current names)."""
    for op in plan.ops:
        path = op.path
        if op.op == 'add':
            d = op.args['decl']
            update.add_column(path, build_iceberg_type(d.type, update.assign_new_column_id), doc=d.doc,
                              required=d.required)
        elif op.op == 'delete':
            update.delete_column(path)
        elif op.op == 'rename':
            update.rename_column(path, op.args['new_name'])
        elif op.op == 'optional':
            update.make_column_optional(path)
        elif op.op == 'required':
            update.update_column(path, required=True)
        elif op.op == 'doc':
            update.update_column(path, doc=op.args['doc'])
        elif op.op == 'type':
            update.update_column(path, field_type=op.args['field_type'])
        elif op.op == 'move_first':
            update.move_first(path)
        elif op.op == 'move_after':
            update.move_after(path, op.args['after'])
        else:  # pragma: no cover
            raise ValueError(op.op)


def plan_partition_spec(schema, current_spec, decls):
    """Return (ops, changes) to evolve current_spec to decls; schema is the (post-evolution) table schema.

    ops: ('add', column, transform, name) / ('remove', name) / ('rename', old, new). Field order is not converged
    (a spec's field order cannot change without rewriting it; Iceberg readers do not depend on it).
    """
    ops, changes = [], []
    desired = []
    for index, d in enumerate(decls):
        where = 'partition_spec[%d]' % index
        source = resolve_column(schema, d.column, where)
        if not d.transform.can_transform(source.field_type):
            raise IcebergModuleError("%s: transform %s cannot be applied to column '%s' of type %s."
                                     % (where, d.transform, d.column, type_to_string(source.field_type)))
        desired.append((source.field_id, repr(d.transform), d))
    current = dict(((f.source_id, repr(f.transform)), f) for f in current_spec.fields
                   if not isinstance(f.transform, VoidTransform))
    desired_keys = set((sid, tr) for sid, tr, unused in desired)
    for key, f in current.items():
        if key not in desired_keys:
            ops.append(('remove', f.name))
            changes.append("remove partition field '%s' (%s(%s)); existing files keep their layout"
                           % (f.name, f.transform, schema.find_column_name(f.source_id)))
    for sid, tr, d in desired:
        existing = current.get((sid, tr))
        if existing is None:
            name = d.name or default_partition_name(d.column, d.transform)
            ops.append(('add', d.column, d.transform, name))
            changes.append("add partition field '%s' (%s(%s)); applies to new data" % (name, d.transform, d.column))
        elif d.name and d.name != existing.name:
            ops.append(('rename', existing.name, d.name))
            changes.append("rename partition field '%s' to '%s'" % (existing.name, d.name))
    return ops, changes


def apply_spec_ops(update, ops):
    for op in ops:
        if op[0] == 'remove':
            update.remove_field(op[1])
    for op in ops:
        if op[0] == 'rename':
            update.rename_field(op[1], op[2])
        elif op[0] == 'add':
            update.add_field(op[1], op[2], op[3])


def plan_sort_order(schema, current_order, decls):
    desired = build_sort_order(schema, decls)
    current = [(f.source_id, repr(f.transform), f.direction, f.null_order) for f in current_order.fields]
    wanted = [(f.source_id, repr(f.transform), f.direction, f.null_order) for f in desired.fields]
    if current == wanted:
        return None, []
    text = ', '.join('%s %s %s' % (d.column if isinstance(d.transform, IdentityTransform) else
                                   '%s(%s)' % (d.transform, d.column), d.direction, d.null_order) for d in decls)
    return decls, ['set sort order to [%s]' % (text or 'unsorted')]


def apply_sort_order(update, decls):
    for d in decls:
        null_order = NullOrder.NULLS_FIRST if d.null_order == 'nulls-first' else NullOrder.NULLS_LAST
        if d.direction == 'asc':
            update.asc(d.column, d.transform, null_order)
        else:
            update.desc(d.column, d.transform, null_order)


def plan_properties(current, desired, purge):
    """Return (to_set: dict, to_remove: list, changes: list)."""
    to_set, to_remove, changes = {}, [], []
    for key, value in sorted(desired.items()):
        if current.get(key) != value:
            to_set[key] = value
            if key in current:
                changes.append("set property %s=%s (was %s)" % (key, value, current[key]))
            else:
                changes.append("set property %s=%s" % (key, value))
    if purge:
        for key in sorted(current):
            if key not in desired and key not in MANAGED_PROPERTIES:
                to_remove.append(key)
                changes.append("remove property %s" % key)
    return to_set, to_remove, changes
