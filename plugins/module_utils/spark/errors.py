# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SparkSqlError and the one-line description of what Spark (Python, Py4J or the JVM) raised (pure: text in, text out)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError, one_line


class SparkSqlError(LakehouseError):
    """A failure of the Spark SQL feature (one line; the Java stack trace, if any, is in the log file)."""


# Java exception class prefixes as Py4J and Spark print them: "org.apache.iceberg.exceptions.NotAuthorizedException: ..."
_JAVA_CLASS = re.compile(r'^(?:[a-z][\w$]*\.)+([A-Z][\w$]*(?:Exception|Error)):\s*')
_PY4J_PREFIX = re.compile(r'^An error occurred while calling [\w.$]+\.\s*:?\s*')
_AT_FRAME = re.compile(r'^\s*(?:at |\.\.\. \d+ more|Caused by: |Suppressed: |JVM stacktrace:)')


def first_message(text):
    """The first meaningful line of a Spark/Py4J error text: no Java frames, no Py4J preamble, no class prefix."""
    lines = []
    for raw in ('%s' % (text,)).splitlines():
        if _AT_FRAME.match(raw):
            break
        if raw.strip():
            lines.append(raw.strip())
    message = ' '.join(lines)
    message = _PY4J_PREFIX.sub('', message)
    previous = None
    while previous != message:
        previous = message
        message = _JAVA_CLASS.sub('', message)
    # Spark's SQL error context (the statement printed again with a caret) adds nothing on one line.
    message = re.split(r'\s*== SQL(?: \(line \d+, position \d+\))? ==', message)[0]
    # An AnalysisException ends with the logical plan after the position: Spark's internals, not the user's SQL.
    message = re.sub(r'(;\s*line \d+ pos \d+);.*$', r'\1', message)
    return one_line(message, 500)


def causes(text):
    """The 'Caused by:' messages of a Java stack trace, outermost first (class prefixes removed)."""
    found = []
    for match in re.finditer(r'^Caused by: (.*)$', '%s' % (text,), re.M):
        message = match.group(1).strip()
        message = _JAVA_CLASS.sub('', message)
        if message and message not in found:
            found.append(message)
    return found


def describe_spark_error(text, statement_index=None, catalog_uri=None, log_file=None):
    """One actionable line for the error text of a failed statement (its full text belongs in the log file)."""
    message = first_message(text)
    everything = '%s %s' % (text, ' '.join(causes(text)))
    low = everything.lower()
    where = 'statement %d' % statement_index if statement_index is not None else 'Spark'
    hint = ''
    if 'PARSE_SYNTAX_ERROR' in everything or 'ParseException' in everything or 'mismatched input' in low:
        hint = 'fix the SQL syntax'
    elif 'TABLE_OR_VIEW_NOT_FOUND' in everything or 'NoSuchTableException' in everything:
        hint = 'the table does not exist in the catalog (names without a catalog resolve in spark_catalog_name)'
    elif 'SCHEMA_NOT_FOUND' in everything or 'NoSuchNamespaceException' in everything:
        hint = 'the namespace does not exist; CREATE DATABASE IF NOT EXISTS it first'
    elif ('NOT_SUPPORTED_CHANGE_COLUMN' in everything or 'Cannot change column type' in everything
          or 'cannot be promoted' in low or ('Cannot update' in everything and 'type' in low)):
        hint = 'Iceberg allows only widening type changes (int->bigint, float->double, decimal precision up)'
    elif 'not in the list of allowed locations' in everything:
        hint = ('the LOCATION is outside what the catalog allows (its storage allowed_locations; Polaris also wants a '
                'table under its namespace unless the catalog sets polaris.config.allow.unstructured.table.location)')
    elif 'NotAuthorizedException' in everything or 'unauthorized_client' in low or 'not authorized' in low:
        hint = 'the catalog rejected the credential; check client_id, client_secret, oauth_scope and realm'
    elif 'ForbiddenException' in everything or 'is not authorized for op' in low:
        hint = 'the principal lacks a privilege on the catalog (grant e.g. CATALOG_MANAGE_CONTENT)'
    elif 'could not connect to meta store' in low or 'SessionHiveMetaStoreClient' in everything \
            or 'Failed to connect to the MetaStore Server' in everything or 'TTransportException' in everything:
        hint = ('Spark could not reach the Hive metastore at %s; check catalog_uri (thrift://HOST:PORT) and that the '
                'metastore runs (local stack: LAKEHOUSE_HIVE_METASTORE=true)' % (catalog_uri or 'catalog_uri'))
    elif 'connection refused' in low or 'connect to' in low and 'failed' in low or 'UnknownHostException' in everything \
            or 'HttpHostConnectException' in everything or 'ConnectException' in everything:
        hint = 'Spark could not reach the catalog at %s; check catalog_uri and that the service runs' % (
            catalog_uri or 'catalog_uri')
    elif 'MissingContentLength' in everything or 'Status Code: 411' in everything:
        hint = 'set request_checksum_calculation and response_checksum_validation to when_required (Ceph RGW)'
    elif 'Credential vending was requested' in everything:
        hint = ('the catalog has no credentials to vend: remove header.X-Iceberg-Access-Delegation from '
                'catalog_properties')
    elif 'AccessDenied' in everything or 'InvalidAccessKeyId' in everything or 'SignatureDoesNotMatch' in everything:
        hint = 'the S3 endpoint refused the keys; check access_key and secret_key'
    elif 'NoSuchBucket' in everything:
        hint = 'the warehouse bucket does not exist'
    elif 'ClassNotFoundException' in everything or 'Failed to find data source' in everything:
        hint = 'a jar is missing; check iceberg_version and spark_packages'
    parts = ['%s failed: %s' % (where, message or 'Spark raised an error without a message')]
    if hint:
        parts.append(hint)
    if log_file:
        parts.append('full error in %s' % log_file)
    return one_line('; '.join(parts))


def redact(text, secrets):
    """Replace every secret value in text (never write a secret to the log file)."""
    text = '%s' % (text,)
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, '********')
    return text
