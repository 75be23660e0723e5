# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Connection options shared by every module that talks to an S3-compatible endpoint (Ceph RGW).
    DOCUMENTATION = r'''
options:
  endpoint_url:
    description:
      - URL of the S3 endpoint, for example V(http://127.0.0.1:7480) for the local stack's Ceph RGW.
      - Falls back to the environment variables E(LAKEHOUSE_S3_ENDPOINT), E(CEPH_S3_ENDPOINT) or E(AWS_ENDPOINT_URL).
    type: str
    required: true
    aliases: [s3_endpoint, s3_url]
  access_key:
    description:
      - S3 access key ID.
      - Falls back to E(AWS_ACCESS_KEY_ID).
    type: str
    required: true
    aliases: [aws_access_key_id]
  secret_key:
    description:
      - S3 secret access key. Never logged.
      - Falls back to E(AWS_SECRET_ACCESS_KEY).
    type: str
    required: true
    aliases: [aws_secret_access_key]
  region:
    description:
      - Region used to sign requests. Ceph RGW accepts any region name that matches its zonegroup; V(us-east-1) is its default.
      - Falls back to E(AWS_REGION) or E(AWS_DEFAULT_REGION).
    type: str
    default: us-east-1
  validate_certs:
    description:
      - Verify the endpoint's TLS certificate. Only relevant for V(https://) endpoints.
    type: bool
    default: true
  ca_bundle:
    description:
      - Path of a PEM bundle with the CA that signed the endpoint's certificate (private CAs).
      - Falls back to E(AWS_CA_BUNDLE).
    type: path
  request_checksum_calculation:
    description:
      - When the S3 client computes request checksums (botocore C(request_checksum_calculation)).
      - V(when_required) is what Ceph RGW before 19.x needs over HTTPS; C(ceph_s3_validate) reports which value works.
      - Falls back to E(AWS_REQUEST_CHECKSUM_CALCULATION).
    type: str
    choices: [when_supported, when_required]
    default: when_supported
  response_checksum_validation:
    description:
      - When the S3 client validates response checksums (botocore C(response_checksum_validation)).
      - Falls back to E(AWS_RESPONSE_CHECKSUM_VALIDATION).
    type: str
    choices: [when_supported, when_required]
    default: when_supported
  connect_timeout:
    description: Seconds to wait for a TCP connection to the endpoint.
    type: float
    default: 5
  read_timeout:
    description: Seconds to wait for a response once connected.
    type: float
    default: 60
requirements:
  - boto3 >= 1.36
'''
