"""Fixtures for the sync tests: a real moto S3/Glue server on loopback (boto3 speaks real HTTP to
it), the generator's sample, and a fresh bucket of exports per test (s3_exports.py)."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer
from s3_exports import PERIODS, ExportBucket, build_export_bucket, s3_client

from infralyzer.exports.generate import generate


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint() -> str:
    """A moto server (S3 and Glue) on 127.0.0.1; boto3 talks real HTTP to it."""
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        os.environ[name] = value
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def generated_exports(tmp_path_factory) -> Path:
    """The generator's sample (all four exports, two periods) in the local layout."""
    target = tmp_path_factory.mktemp("generated")
    generate(target, periods=PERIODS, line_items_per_month=2_000, seed=42)
    return target


@pytest.fixture
def export_bucket(moto_endpoint, generated_exports) -> ExportBucket:
    """A fresh bucket per test."""
    return build_export_bucket(s3_client(moto_endpoint), f"exports-{uuid.uuid4().hex[:12]}", generated_exports)
