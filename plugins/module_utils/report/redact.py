# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets out of the report: ``Redactor`` replaces secret values by ``********`` in data and in rendered
text, counting the replacements."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.report.model import REDACTED


class Redactor(object):
    """Replaces secret values by ******** in data (strings, keys) and in rendered text; counts replacements."""

    def __init__(self, secrets):
        values = set()
        for secret in secrets or []:
            if secret is None:
                continue
            secret = str(secret)
            if not secret.strip():
                continue
            values.add(secret)
        # Longest first, so that a secret containing another is replaced whole.
        self.secrets = sorted(values, key=lambda s: (-len(s), s))
        self.count = 0

    def _variants(self, secret):
        """The forms a secret takes once rendered: raw, JSON-escaped, XML-escaped, markdown-escaped."""
        forms = [secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
                 secret.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;').replace('"', '&quot;'),
                 secret.replace('|', '\\|')]
        out = []
        for form in forms:
            if form and form not in out:
                out.append(form)
        return out

    def text(self, text):
        """text with every secret (in any rendered form) replaced."""
        if not self.secrets or not isinstance(text, str):
            return text
        for secret in self.secrets:
            for form in self._variants(secret):
                hits = text.count(form)
                if hits:
                    self.count += hits
                    text = text.replace(form, REDACTED)
        return text

    def data(self, value):
        """A copy of value (dicts, lists, strings) with every secret replaced."""
        if not self.secrets:
            return value
        if isinstance(value, dict):
            return dict((self.data(k), self.data(v)) for k, v in value.items())
        if isinstance(value, (list, tuple)):
            return [self.data(v) for v in value]
        if isinstance(value, str):
            for secret in self.secrets:
                hits = value.count(secret)
                if hits:
                    self.count += hits
                    value = value.replace(secret, REDACTED)
            return value
        return value
