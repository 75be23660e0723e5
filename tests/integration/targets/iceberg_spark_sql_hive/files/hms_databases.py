"""Print the Hive Metastore's database names, sorted, one line (PyIceberg's HiveCatalog): hms_databases.py URI."""
import sys

from pyiceberg.catalog import load_catalog

print(' '.join(sorted(ns[0] for ns in load_catalog('hms', type='hive', uri=sys.argv[1]).list_namespaces())))
