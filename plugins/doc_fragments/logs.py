# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Connection options of every module that reads the log aggregator
    # (argument spec: plugins/module_utils/logs/client.py logs_argument_spec()).
    DOCUMENTATION = r'''
options:
  logs_url:
    description:
      - Base URL of VictoriaLogs (the local stack's monitoring service runs it on V(http://127.0.0.1:19428)).
      - Falls back to E(LAKEHOUSE_LOGS_URL), then V(http://127.0.0.1:19428).
    type: str
  logs_timeout:
    description: Seconds to wait for an answer.
    type: int
    default: 10
'''
