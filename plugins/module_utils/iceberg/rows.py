# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Data in and out: inline rows and local Parquet/CSV/JSON files to Arrow, conformed to the table schema (one-line
errors naming the row and the column), and Arrow rows back to JSON-friendly values.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import decimal
import json
import os
import uuid as uuid_mod

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import one_line
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.errors import IcebergModuleError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.types import type_to_string

try:
    import pyarrow as pa
    from pyiceberg import types as T
except ImportError:  # pyiceberg/pyarrow missing: catalog.py reports it (ICEBERG_REQUIREMENT) before anything here runs
    pass


def arrow_schema(schema):
    from pyiceberg.io.pyarrow import schema_to_pyarrow
    return schema_to_pyarrow(schema, include_field_ids=False)


class _RowError(Exception):
    pass


def _parse_dt(value, tz_aware):
    if isinstance(value, datetime.datetime):
        dt = value
    elif isinstance(value, datetime.date):
        dt = datetime.datetime(value.year, value.month, value.day)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        raise _RowError('give timestamps as ISO-8601 strings, not numbers')
    else:
        try:
            dt = datetime.datetime.fromisoformat(str(value).strip().replace('Z', '+00:00').replace(' ', 'T', 1))
        except ValueError:
            raise _RowError("'%s' is not an ISO-8601 timestamp" % value)
    if dt.tzinfo is not None:
        dt = dt.astimezone(datetime.timezone.utc)
        if not tz_aware:
            dt = dt.replace(tzinfo=None)
    elif tz_aware:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return dt


def _to_bytes(value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except Exception:
            raise _RowError('binary values are given base64-encoded')
    raise _RowError('expected base64 text for a binary value, got %s' % type(value).__name__)


def value_converter(t):
    """A function converting one JSON/YAML value to what pyarrow expects for Iceberg type t."""
    if isinstance(t, T.BooleanType):
        def conv(v):
            if isinstance(v, bool):
                return v
            if isinstance(v, str) and v.lower() in ('true', 'false', 'yes', 'no'):
                return v.lower() in ('true', 'yes')
            raise _RowError('expected a boolean, got %r' % (v,))
        return conv
    if isinstance(t, (T.IntegerType, T.LongType)):
        bits = 32 if isinstance(t, T.IntegerType) else 64

        def conv(v):
            if isinstance(v, bool):
                raise _RowError('expected an integer, got a boolean')
            try:
                out = int(v) if not isinstance(v, float) or v.is_integer() else None
            except (TypeError, ValueError):
                out = None
            if out is None:
                raise _RowError('expected an integer, got %r' % (v,))
            if not -(2 ** (bits - 1)) <= out < 2 ** (bits - 1):
                raise _RowError('%d does not fit in %s' % (out, t))
            return out
        return conv
    if isinstance(t, (T.FloatType, T.DoubleType)):
        def conv(v):
            if isinstance(v, bool):
                raise _RowError('expected a number, got a boolean')
            try:
                return float(v)
            except (TypeError, ValueError):
                raise _RowError('expected a number, got %r' % (v,))
        return conv
    if isinstance(t, T.DecimalType):
        quantum = decimal.Decimal(1).scaleb(-t.scale)

        def conv(v):
            if isinstance(v, bool):
                raise _RowError('expected a decimal, got a boolean')
            try:
                raw = decimal.Decimal(str(v))
                d = raw.quantize(quantum)
            except (decimal.InvalidOperation, ValueError):
                raise _RowError('%r is not a decimal' % (v,))
            if d != raw:
                raise _RowError('%r has more than %d digits after the point' % (v, t.scale))
            if len(d.as_tuple().digits) > t.precision:
                raise _RowError('%s has more than %d digits' % (d, t.precision))
            return d
        return conv
    if isinstance(t, T.DateType):
        def conv(v):
            if isinstance(v, datetime.datetime):
                return v.date()
            if isinstance(v, datetime.date):
                return v
            try:
                return datetime.date.fromisoformat(str(v).strip())
            except ValueError:
                raise _RowError("'%s' is not an ISO date (YYYY-MM-DD)" % v)
        return conv
    if isinstance(t, T.TimeType):
        def conv(v):
            if isinstance(v, datetime.time):
                return v
            try:
                return datetime.time.fromisoformat(str(v).strip())
            except ValueError:
                raise _RowError("'%s' is not an ISO time (HH:MM:SS[.ffffff])" % v)
        return conv
    if isinstance(t, (T.TimestampType, T.TimestampNanoType)):
        return lambda v: _parse_dt(v, False)
    if isinstance(t, (T.TimestamptzType, T.TimestamptzNanoType)):
        return lambda v: _parse_dt(v, True)
    if isinstance(t, T.StringType):
        def conv(v):
            if isinstance(v, (dict, list)):
                raise _RowError('expected a string, got %s' % type(v).__name__)
            if isinstance(v, bool):
                return 'true' if v else 'false'
            return v if isinstance(v, str) else str(v)
        return conv
    if isinstance(t, T.UUIDType):
        def conv(v):
            try:
                return (v if isinstance(v, uuid_mod.UUID) else uuid_mod.UUID(str(v))).bytes
            except ValueError:
                raise _RowError("'%s' is not a UUID" % (v,))
        return conv
    if isinstance(t, T.FixedType):
        def conv(v):
            b = _to_bytes(v)
            if len(b) != len(t):
                raise _RowError('expected %d bytes, got %d' % (len(t), len(b)))
            return b
        return conv
    if isinstance(t, T.BinaryType):
        return _to_bytes
    if isinstance(t, T.ListType):
        element = value_converter(t.element_type)

        def conv(v):
            if not isinstance(v, (list, tuple)):
                raise _RowError('expected a list, got %s' % type(v).__name__)
            out = []
            for item in v:
                if item is None:
                    if t.element_required:
                        raise _RowError('list elements are required')
                    out.append(None)
                else:
                    out.append(element(item))
            return out
        return conv
    if isinstance(t, T.MapType):
        key_conv, value_conv = value_converter(t.key_type), value_converter(t.value_type)

        def conv(v):
            if isinstance(v, dict):
                pairs = list(v.items())
            elif isinstance(v, list) and all(isinstance(p, dict) and 'key' in p for p in v):
                pairs = [(p['key'], p.get('value')) for p in v]
            else:
                raise _RowError('expected a dict (or a list of {key, value}) for a map')
            out = []
            for key, value in pairs:
                if key is None:
                    raise _RowError('map keys cannot be null')
                if value is None and t.value_required:
                    raise _RowError('map values are required')
                out.append((key_conv(key), None if value is None else value_conv(value)))
            return out
        return conv
    if isinstance(t, T.StructType):
        fields = [(f.name, f.required, value_converter(f.field_type)) for f in t.fields]
        names = set(f.name for f in t.fields)

        def conv(v):
            if not isinstance(v, dict):
                raise _RowError('expected a dict for a struct, got %s' % type(v).__name__)
            unknown = sorted(set(v) - names)
            if unknown:
                raise _RowError('unknown struct fields %s' % ', '.join(unknown))
            out = {}
            for name, required, c in fields:
                value = v.get(name)
                if value is None:
                    if required:
                        raise _RowError("struct field '%s' is required" % name)
                    out[name] = None
                else:
                    try:
                        out[name] = c(value)
                    except _RowError as exc:
                        raise _RowError('%s: %s' % (name, exc))
            return out
        return conv
    raise IcebergModuleError('writing values of type %s is not supported by this module.' % t)


def rows_to_arrow(rows, schema, source='rows'):
    """Inline rows (list of dicts, column name -> value) to an Arrow table in the table's schema."""
    if not isinstance(rows, list):
        raise IcebergModuleError('%s must be a list of dicts.' % source)
    target = arrow_schema(schema)
    fields = schema.fields
    names = set(f.name for f in fields)
    converters = [value_converter(f.field_type) for f in fields]
    columns = [[] for unused in fields]
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise IcebergModuleError('%s[%d] is not a dict of column: value.' % (source, index))
        unknown = [k for k in row if k not in names]
        if unknown:
            raise IcebergModuleError("%s[%d] has columns that are not in the table: %s (evolve the schema first)."
                                     % (source, index, ', '.join(sorted(str(k) for k in unknown))))
        for pos, field in enumerate(fields):
            value = row.get(field.name)
            if value is None:
                if field.required:
                    raise IcebergModuleError("%s[%d]: column '%s' is required." % (source, index, field.name))
                columns[pos].append(None)
                continue
            try:
                columns[pos].append(converters[pos](value))
            except _RowError as exc:
                raise IcebergModuleError("%s[%d]: column '%s' (%s): %s."
                                         % (source, index, field.name, type_to_string(field.field_type), exc))
    arrays = []
    for pos, field in enumerate(target):
        try:
            arrays.append(pa.array(columns[pos], type=field.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError) as exc:
            raise IcebergModuleError("%s: column '%s' cannot be converted to %s: %s."
                                     % (source, field.name, field.type, one_line(exc, 200)))
    return pa.Table.from_arrays(arrays, schema=target)


_EQUIVALENT = (('string', 'large_string', 'string_view'), ('binary', 'large_binary', 'binary_view'))


def _same_enough(have, want):
    if have == want:
        return True
    for group in _EQUIVALENT:
        if str(have) in group and str(want) in group:
            return True
    return False


def conform_arrow(table, schema, source):
    """Select/cast an Arrow table to the Iceberg schema by column name; one-line errors for what does not fit.

    Types that PyIceberg writes as-is (string vs large_string, binary vs large_binary) are not cast, so a Parquet
    file with the table's types passes through without a copy.
    """
    target = arrow_schema(schema)
    target_names = [f.name for f in target]
    extra = [n for n in table.column_names if n not in target_names]
    if extra:
        raise IcebergModuleError('%s has columns that are not in the table: %s (evolve the schema first).'
                                 % (source, ', '.join(extra)))
    if len(set(table.column_names)) != len(table.column_names):
        raise IcebergModuleError('%s has duplicate column names.' % source)
    arrays, fields = [], []
    for field in target:
        if field.name in table.column_names:
            column = table.column(field.name)
            if not _same_enough(column.type, field.type):
                try:
                    column = column.cast(field.type, safe=True)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
                    raise IcebergModuleError("%s: column '%s' is %s, the table wants %s: %s."
                                             % (source, field.name, column.type, field.type, one_line(exc, 200)))
        else:
            if not field.nullable:
                raise IcebergModuleError("%s has no column '%s', which the table requires." % (source, field.name))
            column = pa.nulls(table.num_rows, type=field.type)
        if not field.nullable and column.null_count:
            raise IcebergModuleError("%s: column '%s' is required but %d rows have no value."
                                     % (source, field.name, column.null_count))
        arrays.append(column)
        fields.append(pa.field(field.name, column.type, nullable=field.nullable))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def detect_format(path, fmt):
    if fmt and fmt != 'auto':
        return fmt
    lower = path.lower()
    for suffix in ('.gz', '.bz2', '.zst'):
        if lower.endswith(suffix):
            lower = lower[:-len(suffix)]
    if lower.endswith(('.parquet', '.pq')):
        return 'parquet'
    if lower.endswith(('.csv', '.tsv')):
        return 'csv'
    if lower.endswith(('.json', '.jsonl', '.ndjson')):
        return 'json'
    raise IcebergModuleError("cannot tell the format of %s from its name; set format to parquet, csv or json." % path)


def read_source_file(path, fmt, schema):
    """Read a local Parquet/CSV/JSON file into an Arrow table conformed to the schema."""
    if not os.path.isfile(path):
        raise IcebergModuleError('src %s does not exist or is not a file.' % path)
    fmt = detect_format(path, fmt)
    source = '%s file %s' % (fmt, path)
    target = arrow_schema(schema)
    try:
        if fmt == 'parquet':
            import pyarrow.parquet as pq
            table = pq.read_table(path)
        elif fmt == 'csv':
            import pyarrow.csv as pcsv
            # Columns whose Arrow types CSV can parse are typed directly, the others are converted per value.
            direct = {}
            for field, ice in zip(target, schema.fields):
                if isinstance(ice.field_type, (T.BooleanType, T.IntegerType, T.LongType, T.FloatType, T.DoubleType,
                                               T.DecimalType, T.DateType, T.TimeType, T.TimestampType,
                                               T.StringType)):
                    direct[field.name] = field.type
                else:
                    direct[field.name] = pa.string()
            delimiter = '\t' if path.lower().rstrip('.gz').endswith('.tsv') else ','
            table = pcsv.read_csv(path, parse_options=pcsv.ParseOptions(delimiter=delimiter),
                                  convert_options=pcsv.ConvertOptions(column_types=direct, strings_can_be_null=False))
            table = _convert_string_columns(table, schema, source)
        else:
            with open(path, 'rb') as handle:
                head = handle.read(64).lstrip()
            if head.startswith(b'['):
                with open(path) as handle:
                    rows = json.load(handle)
                return rows_to_arrow(rows, schema, source)
            import pyarrow.json as pjson
            try:
                table = pjson.read_json(path, parse_options=pjson.ParseOptions(
                    explicit_schema=target, unexpected_field_behavior='error'))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
                # slow path with precise per-row messages
                rows = []
                with open(path) as handle:
                    for line in handle:
                        if line.strip():
                            rows.append(json.loads(line))
                return rows_to_arrow(rows, schema, source)
    except IcebergModuleError:
        raise
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, ValueError, OSError) as exc:
        raise IcebergModuleError('%s does not match the table schema or cannot be read: %s.' % (source, one_line(exc, 300)))
    return conform_arrow(table, schema, source)


def _convert_string_columns(table, schema, source):
    """CSV columns read as text whose Iceberg type needs per-value conversion (uuid, binary, fixed, nested)."""
    by_name = dict((f.name, f) for f in schema.fields)
    target = arrow_schema(schema)
    for name in list(table.column_names):
        field = by_name.get(name)
        if field is None or table.column(name).type != pa.string():
            continue
        if isinstance(field.field_type, T.StringType):
            continue
        if isinstance(field.field_type, (T.TimestamptzType, T.TimestamptzNanoType)):
            try:  # fast path: every value carries a zone offset
                table = table.set_column(table.column_names.index(name), name,
                                         table.column(name).cast(target.field(name).type))
                continue
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass  # naive values (taken as UTC) go through the per-value converter
        conv = value_converter(field.field_type)
        values = []
        for index, value in enumerate(table.column(name).to_pylist()):
            if value is None or value == '':
                values.append(None)
                continue
            try:
                if isinstance(field.field_type, (T.ListType, T.MapType, T.StructType)):
                    value = json.loads(value)
                values.append(conv(value))
            except (_RowError, ValueError) as exc:
                raise IcebergModuleError("%s row %d: column '%s' (%s): %s."
                                         % (source, index + 1, name, type_to_string(field.field_type), exc))
        table = table.set_column(table.column_names.index(name), name,
                                 pa.array(values, type=target.field(name).type))
    return table


def to_jsonable(value):
    """Arrow to_pylist() values -> JSON-friendly values (ISO timestamps, decimals as strings, base64 binary)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid_mod.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode('ascii')
    if isinstance(value, dict):
        return dict((str(k), to_jsonable(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(p, tuple) and len(p) == 2 for p in value):
            keys = [p[0] for p in value]
            if all(isinstance(k, str) for k in keys):
                return dict((k, to_jsonable(v)) for k, v in value)
            return [{'key': to_jsonable(k), 'value': to_jsonable(v)} for k, v in value]
        return [to_jsonable(v) for v in value]
    return str(value)


def _json_converter(arrow_type):
    """Converter for one Arrow type's to_pylist() values, aware of maps (dicts) and UUIDs."""
    if pa.types.is_map(arrow_type):
        key_conv, value_conv = _json_converter(arrow_type.key_type), _json_converter(arrow_type.item_type)
        string_keys = pa.types.is_string(arrow_type.key_type) or pa.types.is_large_string(arrow_type.key_type)

        def conv(v):
            if v is None:
                return None
            if string_keys:
                return dict((k, value_conv(x)) for k, x in v)
            return [{'key': key_conv(k), 'value': value_conv(x)} for k, x in v]
        return conv
    if pa.types.is_struct(arrow_type):
        convs = [(arrow_type.field(i).name, _json_converter(arrow_type.field(i).type))
                 for i in range(arrow_type.num_fields)]
        return lambda v: None if v is None else dict((n, c(v.get(n))) for n, c in convs)
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type) or pa.types.is_fixed_size_list(arrow_type):
        element = _json_converter(arrow_type.value_type)
        return lambda v: None if v is None else [element(x) for x in v]
    if isinstance(arrow_type, pa.ExtensionType) and 'uuid' in str(arrow_type):
        return lambda v: None if v is None else str(v if isinstance(v, uuid_mod.UUID) else uuid_mod.UUID(bytes=bytes(v)))
    return to_jsonable


def arrow_to_json_rows(table):
    """Rows of an Arrow table as JSON-friendly dicts."""
    convs = [(f.name, _json_converter(f.type)) for f in table.schema]
    return [dict((name, conv(row.get(name))) for name, conv in convs) for row in table.to_pylist()]
