# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Declared column types and schemas: the parser of type declarations (long, decimal(10,2), list<string>,
map<string,list<int>>, struct<a:int, b:string>, or nested dicts) into declarations independent of field ids, the
Iceberg schema built from them, and the rendering of a schema back to option data and readable lines.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools
import json
import re
from collections import OrderedDict, namedtuple

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import one_line
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.errors import IcebergModuleError

try:
    from pyiceberg import types as T
    from pyiceberg.schema import Schema
except ImportError:  # pyiceberg/pyarrow missing: catalog.py reports it (ICEBERG_REQUIREMENT) before anything here runs
    pass


PRIMITIVE_NAMES = OrderedDict([
    ('boolean', 'BooleanType'), ('int', 'IntegerType'), ('long', 'LongType'), ('float', 'FloatType'),
    ('double', 'DoubleType'), ('date', 'DateType'), ('time', 'TimeType'), ('timestamp', 'TimestampType'),
    ('timestamptz', 'TimestamptzType'), ('timestamp_ns', 'TimestampNanoType'),
    ('timestamptz_ns', 'TimestamptzNanoType'), ('string', 'StringType'), ('uuid', 'UUIDType'),
    ('binary', 'BinaryType'),
])
TYPE_ALIASES = {'bool': 'boolean', 'integer': 'int', 'int32': 'int', 'bigint': 'long', 'int64': 'long',
                'float32': 'float', 'float64': 'double', 'str': 'string', 'text': 'string', 'bytes': 'binary'}
KNOWN_TYPE_NAMES = list(PRIMITIVE_NAMES) + ['decimal(P,S)', 'fixed[N]', 'list<T>', 'map<K,V>', 'struct<name:T,...>']

# Declared (desired) schema tree, independent of field ids.
FieldDecl = namedtuple('FieldDecl', 'name type required doc rename_from path')
TypeDecl = namedtuple('TypeDecl', 'kind primitive fields element element_required key value value_required')


def _prim(name):
    return getattr(T, PRIMITIVE_NAMES[name])()


def primitive_decl(iceberg_type):
    return TypeDecl('primitive', iceberg_type, None, None, None, None, None, None)


class _TypeParser(object):
    """Recursive-descent parser for type strings: long, decimal(10,2), list<string>, map<string,list<int>>,
    struct<a:int, b:string>."""

    TOKEN = re.compile(r'\s*(?:([A-Za-z_][A-Za-z0-9_]*)|(\d+)|(.))')

    def __init__(self, text, path):
        self.text = text
        self.path = path
        self.tokens = []
        for match in self.TOKEN.finditer(text):
            ident, number, char = match.groups()
            if ident is not None:
                self.tokens.append(('ident', ident))
            elif number is not None:
                self.tokens.append(('num', int(number)))
            elif char is not None and char.strip():
                self.tokens.append(('char', char))
        self.pos = 0

    def error(self, why):
        return IcebergModuleError("column '%s': cannot parse type '%s': %s (known types: %s)."
                                  % (self.path, self.text, why, ', '.join(KNOWN_TYPE_NAMES)))

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None)

    def take(self, kind=None, value=None):
        tok = self.peek()
        if tok[0] is None or (kind and tok[0] != kind) or (value is not None and tok[1] != value):
            expected = value if value is not None else kind
            raise self.error('expected %s at %s' % (expected, 'end' if tok[0] is None else repr(tok[1])))
        self.pos += 1
        return tok[1]

    def parse(self):
        decl = self.parse_type(self.path)
        if self.peek()[0] is not None:
            raise self.error('unexpected %r' % (self.peek()[1],))
        return decl

    def parse_type(self, path):
        tok = self.peek()
        if tok[0] != 'ident':
            raise self.error('expected a type name')
        name = self.take('ident').lower()
        name = TYPE_ALIASES.get(name, name)
        if name in PRIMITIVE_NAMES:
            return primitive_decl(_prim(name))
        if name == 'decimal':
            self.take('char', '(')
            precision = self.take('num')
            self.take('char', ',')
            scale = self.take('num')
            self.take('char', ')')
            if not 1 <= precision <= 38 or scale > precision:
                raise self.error('decimal precision must be 1..38 and scale <= precision')
            return primitive_decl(T.DecimalType(precision, scale))
        if name == 'fixed':
            opener = self.take('char')
            if opener not in '[(':
                raise self.error('expected fixed[N]')
            length = self.take('num')
            self.take('char', ']' if opener == '[' else ')')
            return primitive_decl(T.FixedType(length))
        if name == 'list':
            self.take('char', '<')
            element = self.parse_type(path + '.element')
            self.take('char', '>')
            return TypeDecl('list', None, None, element, False, None, None, None)
        if name == 'map':
            self.take('char', '<')
            key = self.parse_type(path + '.key')
            self.take('char', ',')
            value = self.parse_type(path + '.value')
            self.take('char', '>')
            if key.kind != 'primitive':
                raise self.error('map keys must be a primitive type')
            return TypeDecl('map', None, None, None, None, key, value, False)
        if name == 'struct':
            self.take('char', '<')
            fields = []
            while True:
                fname = self.take('ident')
                self.take('char', ':')
                ftype = self.parse_type('%s.%s' % (path, fname))
                fields.append(FieldDecl(fname, ftype, False, None, None, '%s.%s' % (path, fname)))
                if self.peek() == ('char', ','):
                    self.take()
                    continue
                break
            self.take('char', '>')
            _check_unique([f.name for f in fields], path)
            return TypeDecl('struct', None, fields, None, None, None, None, None)
        raise self.error("unknown type name '%s'" % name)


def _check_unique(names, path):
    seen = set()
    for name in names:
        if name in seen:
            raise IcebergModuleError("column '%s' is declared twice%s." % (name, (' in ' + path) if path else ''))
        seen.add(name)


def parse_type(spec, path='column'):
    """Parse a type declaration (a string, or a dict with type + fields/element/key/value) into a TypeDecl."""
    if isinstance(spec, TypeDecl):
        return spec
    if isinstance(spec, dict):
        if 'type' not in spec:
            raise IcebergModuleError("column '%s': a nested type declaration needs 'type'." % path)
        return _parse_type_dict(spec, path)
    if not isinstance(spec, str) or not spec.strip():
        raise IcebergModuleError("column '%s': type must be a non-empty string or a dict, got %r." % (path, spec))
    return _TypeParser(spec.strip(), path).parse()


def _parse_type_dict(spec, path):
    kind = spec.get('type')
    if isinstance(kind, dict):
        return _parse_type_dict(kind, path)
    kind_name = str(kind).strip().lower()
    if kind_name == 'struct':
        fields = spec.get('fields')
        if not isinstance(fields, list) or not fields:
            raise IcebergModuleError("column '%s': type struct needs a non-empty 'fields' list." % path)
        decls = [parse_column(f, path) for f in fields]
        _check_unique([d.name for d in decls], path)
        return TypeDecl('struct', None, decls, None, None, None, None, None)
    if kind_name == 'list':
        if spec.get('element') is None:
            raise IcebergModuleError("column '%s': type list needs 'element'." % path)
        element = parse_type(spec['element'], path + '.element')
        return TypeDecl('list', None, None, element, bool(spec.get('element_required', False)), None, None, None)
    if kind_name == 'map':
        if spec.get('key') is None or spec.get('value') is None:
            raise IcebergModuleError("column '%s': type map needs 'key' and 'value'." % path)
        key = parse_type(spec['key'], path + '.key')
        if key.kind != 'primitive':
            raise IcebergModuleError("column '%s': map keys must be a primitive type." % path)
        value = parse_type(spec['value'], path + '.value')
        return TypeDecl('map', None, None, None, None, key, value, bool(spec.get('value_required', False)))
    decl = parse_type(str(kind), path)
    # list<...>/map<...> strings with explicit requiredness given next to them
    if decl.kind == 'list' and 'element_required' in spec:
        decl = decl._replace(element_required=bool(spec['element_required']))
    if decl.kind == 'map' and 'value_required' in spec:
        decl = decl._replace(value_required=bool(spec['value_required']))
    return decl


COLUMN_KEYS = ('name', 'type', 'required', 'doc', 'rename_from', 'fields', 'element', 'element_required', 'key',
               'value', 'value_required', 'id', 'type_string')


def parse_column(col, parent_path=''):
    if not isinstance(col, dict):
        raise IcebergModuleError('schema: each column must be a dict with name and type, got %r.' % (col,))
    name = col.get('name')
    if not name or not isinstance(name, str):
        raise IcebergModuleError('schema: a column has no name (%s).' % one_line(json.dumps(col, default=str), 200))
    path = '%s.%s' % (parent_path, name) if parent_path else name
    unknown = sorted(set(col) - set(COLUMN_KEYS))
    if unknown:
        raise IcebergModuleError("column '%s': unknown keys %s (allowed: %s)."
                                 % (path, ', '.join(unknown), ', '.join(COLUMN_KEYS[:-2])))
    if col.get('type') is None:
        raise IcebergModuleError("column '%s': type is required." % path)
    type_spec = col['type']
    if isinstance(type_spec, str) and type_spec.strip().lower() in ('struct', 'list', 'map'):
        nested_keys = ('type', 'fields', 'element', 'element_required', 'key', 'value', 'value_required')
        type_spec = dict((k, v) for k, v in col.items() if k in nested_keys)
    elif isinstance(type_spec, str) and ('element_required' in col or 'value_required' in col):
        type_spec = dict(type=type_spec, element_required=col.get('element_required', False),
                         value_required=col.get('value_required', False))
    decl = parse_type(type_spec, path)
    return FieldDecl(name, decl, bool(col.get('required')), col.get('doc'), col.get('rename_from'), path)


def parse_schema_decl(columns):
    """Parse the `schema` option (a list of column dicts) into a list of FieldDecl."""
    if not isinstance(columns, list) or not columns:
        raise IcebergModuleError('schema must be a non-empty list of columns.')
    decls = [parse_column(c) for c in columns]
    _check_unique([d.name for d in decls], '')
    return decls


def build_iceberg_type(decl, next_id):
    if decl.kind == 'primitive':
        return decl.primitive
    if decl.kind == 'struct':
        return T.StructType(*[build_nested_field(f, next_id) for f in decl.fields])
    if decl.kind == 'list':
        element_id = next_id()
        return T.ListType(element_id=element_id, element_type=build_iceberg_type(decl.element, next_id),
                          element_required=decl.element_required)
    if decl.kind == 'map':
        key_id, value_id = next_id(), next_id()
        return T.MapType(key_id=key_id, key_type=build_iceberg_type(decl.key, next_id), value_id=value_id,
                         value_type=build_iceberg_type(decl.value, next_id), value_required=decl.value_required)
    raise ValueError(decl.kind)


def build_nested_field(fdecl, next_id):
    field_id = next_id()
    return T.NestedField(field_id=field_id, name=fdecl.name, field_type=build_iceberg_type(fdecl.type, next_id),
                         required=fdecl.required, doc=fdecl.doc)


def build_schema(decls):
    """An Iceberg Schema for declared columns (ids 1..n; the catalog reassigns fresh ids on create)."""
    counter = itertools.count(1)

    def next_id():
        return next(counter)

    return Schema(*[build_nested_field(d, next_id) for d in decls])


def type_to_string(t):
    if isinstance(t, T.DecimalType):
        return 'decimal(%d,%d)' % (t.precision, t.scale)
    if isinstance(t, T.FixedType):
        return 'fixed[%d]' % len(t)
    if isinstance(t, T.ListType):
        return 'list<%s>' % type_to_string(t.element_type)
    if isinstance(t, T.MapType):
        return 'map<%s,%s>' % (type_to_string(t.key_type), type_to_string(t.value_type))
    if isinstance(t, T.StructType):
        return 'struct<%s>' % ','.join('%s:%s' % (f.name, type_to_string(f.field_type)) for f in t.fields)
    return str(t)


def decl_type_to_string(decl):
    if decl.kind == 'primitive':
        return type_to_string(decl.primitive)
    if decl.kind == 'list':
        return 'list<%s>' % decl_type_to_string(decl.element)
    if decl.kind == 'map':
        return 'map<%s,%s>' % (decl_type_to_string(decl.key), decl_type_to_string(decl.value))
    return 'struct<%s>' % ','.join('%s:%s' % (f.name, decl_type_to_string(f.type)) for f in decl.fields)


def _type_to_data(t):
    """Type as option data (round-trips through parse_type)."""
    if isinstance(t, T.StructType):
        return {'type': 'struct', 'fields': [field_to_data(f) for f in t.fields]}
    if isinstance(t, T.ListType):
        return {'type': 'list', 'element': _type_to_data(t.element_type), 'element_required': t.element_required}
    if isinstance(t, T.MapType):
        return {'type': 'map', 'key': _type_to_data(t.key_type), 'value': _type_to_data(t.value_type),
                'value_required': t.value_required}
    return type_to_string(t)


def field_to_data(field):
    data = OrderedDict([('id', field.field_id), ('name', field.name)])
    tdata = _type_to_data(field.field_type)
    if isinstance(tdata, dict):
        data.update(tdata)
    else:
        data['type'] = tdata
    data['type_string'] = type_to_string(field.field_type)
    data['required'] = field.required
    data['doc'] = field.doc
    return data


def schema_to_data(schema):
    return [field_to_data(f) for f in schema.fields]


def schema_to_lines(schema):
    """Readable one-line-per-column rendering (for --diff)."""
    lines = []

    def walk(fields, prefix):
        for f in fields:
            line = '%s%s: %s%s' % (prefix, f.name, type_to_string(f.field_type), ' required' if f.required else '')
            if f.doc:
                line += '  # ' + f.doc
            lines.append(line)
            ft = f.field_type
            if isinstance(ft, T.StructType):
                walk(ft.fields, prefix + f.name + '.')
            elif isinstance(ft, T.ListType) and isinstance(ft.element_type, T.StructType):
                walk(ft.element_type.fields, prefix + f.name + '.element.')
            elif isinstance(ft, T.MapType) and isinstance(ft.value_type, T.StructType):
                walk(ft.value_type.fields, prefix + f.name + '.value.')

    walk(schema.fields, '')
    return lines
