# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The S3 connection layer: connection options and client (connection), error description and predicates (errors),
listing and batch deletes (objects). Options are documented once in plugins/doc_fragments/s3.py."""
