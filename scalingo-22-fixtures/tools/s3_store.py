"""An S3 API server on 127.0.0.1, for sccache's S3 backend: moto's server (PyPI).

AWS S3, Scaleway, Cloudflare R2 and MinIO all speak this API, and sccache
talks to them all the same way (SCCACHE_BUCKET, SCCACHE_ENDPOINT...). The
store holds one bucket and one user allowed into it, with a generated
secret key; once set up it checks every request's signature, as a real
store does: a request signed with another secret is refused. So a build
that gets hits from it has used the secret, and a test can then look for
that secret everywhere it must not be.

The setup goes through boto3, which moto's server depends on.
"""

from __future__ import annotations

import contextlib
import json
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from server_process import serve

BUCKET = "compile-cache"
REGION = "eu-west-3"
USER = "builder"


@dataclass(frozen=True)
class S3Store:
    endpoint: str  # http://127.0.0.1:PORT
    bucket: str
    region: str
    access_key_id: str
    secret_access_key: str

    def config(self, key_prefix: str = "") -> dict[str, str]:
        """The config vars an app sets for it (docs/caching.md, Choosing a backend)."""
        config = {
            "SCCACHE_BUCKET": self.bucket,
            "SCCACHE_ENDPOINT": self.endpoint,
            "SCCACHE_REGION": self.region,
            "SCCACHE_S3_USE_SSL": "false",
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
        }
        return {**config, "SCCACHE_S3_KEY_PREFIX": key_prefix} if key_prefix else config

    def client(self, secret_access_key: str | None = None):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=secret_access_key or self.secret_access_key,
        )

    def objects(self, prefix: str = "") -> dict[str, int]:
        """The objects in the bucket under ``prefix``: name and size in bytes."""
        pages = (
            self.client()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=self.bucket, Prefix=prefix)
        )
        return {item["Key"]: item["Size"] for page in pages for item in page.get("Contents", [])}


def _set_up(endpoint: str) -> S3Store:
    """The bucket and its user, then signatures checked from the next request on."""
    import boto3

    anyone = {
        "endpoint_url": endpoint,
        "region_name": REGION,
        "aws_access_key_id": "setup",
        "aws_secret_access_key": "setup",
    }
    iam = boto3.client("iam", **anyone)
    iam.create_user(UserName=USER)
    key = iam.create_access_key(UserName=USER)["AccessKey"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
            }
        ],
    }
    iam.put_user_policy(UserName=USER, PolicyName=BUCKET, PolicyDocument=json.dumps(policy))
    boto3.client("s3", **anyone).create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    # moto checks no signature until told how many requests may go unchecked: none now.
    urllib.request.urlopen(
        urllib.request.Request(
            f"{endpoint}/moto-api/reset-auth",
            data=b"0",
            method="POST",
            headers={"Content-Type": "text/plain"},
        ),
        timeout=10,
    ).close()
    store = S3Store(endpoint, BUCKET, REGION, key["AccessKeyId"], key["SecretAccessKey"])
    _check_signatures(store)
    return store


def _check_signatures(store: S3Store) -> None:
    """The store refuses another secret and takes the user's, or it proves nothing."""
    from botocore.exceptions import ClientError

    with contextlib.suppress(ClientError):
        store.client(secret_access_key="not-the-secret").list_objects_v2(Bucket=store.bucket)
        raise RuntimeError("moto's S3 server accepted a request signed with a wrong secret")
    store.client().list_objects_v2(Bucket=store.bucket)


@contextlib.contextmanager
def serve_s3_store(workdir: Path) -> Iterator[S3Store]:
    """moto's server, from the running Python's environment, until the block ends."""
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p"]
    with serve(lambda port: [*command, str(port)], workdir / "moto.log") as port:
        yield _set_up(f"http://127.0.0.1:{port}")
