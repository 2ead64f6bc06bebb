"""S3 calls: putting content-addressed code and review reports in the artifact bucket."""

from __future__ import annotations

import base64
from typing import Any

from pipekit.aws.errors import AwsError, error_code, error_message


class BucketNotFound(AwsError):
    """The bucket does not exist (yet)."""


class S3:
    def __init__(self, client: Any) -> None:
        self.client = client

    def put_if_absent(self, bucket: str, key: str, body: bytes, sha256: str, content_type: str = "application/zip") -> bool:
        """Put `body` under `key` unless an object is there already (the key names the
        content). S3 checks the upload against `sha256`. True when it uploaded."""
        try:
            self.client.head_object(Bucket=bucket, Key=key)
            return False
        except Exception as exc:
            if error_code(exc) not in ("404", "NoSuchKey", "NotFound"):
                raise
        try:
            self.client.put_object(
                Bucket=bucket,
                Key=key,
                Body=body,
                ContentType=content_type,
                ChecksumSHA256=base64.b64encode(bytes.fromhex(sha256)).decode("ascii"),
            )
        except Exception as exc:
            if error_code(exc) == "NoSuchBucket":
                raise BucketNotFound(f"bucket {bucket} does not exist: {error_message(exc)}", "NoSuchBucket") from None
            raise
        return True

    def put_kms_encrypted(self, bucket: str, key: str, body: bytes, content_type: str, kms_key_arn: str) -> None:
        """Put `body` under `key`, encrypted with the given KMS key (SSE-KMS)."""
        self.client.put_object(
            Bucket=bucket, Key=key, Body=body, ContentType=content_type, ServerSideEncryption="aws:kms", SSEKMSKeyId=kms_key_arn,
        )
