"""Downloading one S3 object to a local file: resumable, verified, optionally throttled.

The bytes go to `<dest>.part`; only a file whose size (and MD5, where the ETag is one) matches
the listing is renamed to `<dest>`. A `.part` left by a killed sync is continued with a ranged
GET; the object is read with If-Match on its listed ETag, so a file AWS replaced meanwhile is
an error rather than a spliced file.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from infralyzer.sync.remote import Delivery, S3Object, SyncError, explain, get_object

CHUNK_BYTES = 256 * 1024


class RateLimiter:
    """At most `bytes_per_second` over all threads (a token bucket); None = unlimited."""

    def __init__(self, bytes_per_second: int | None) -> None:
        self.rate = bytes_per_second
        self._lock = threading.Lock()
        self._next = time.monotonic()

    @property
    def chunk_bytes(self) -> int:
        """Read size: small enough under a limit that the bytes flow evenly (about ten writes a second)."""
        return min(CHUNK_BYTES, max(1024, self.rate // 10)) if self.rate else CHUNK_BYTES

    def take(self, n: int) -> None:
        if not self.rate:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + n / self.rate
        if start > now:
            time.sleep(start - now)


def _md5(path: Path) -> str:
    digest = hashlib.md5()  # noqa: S324 - S3's ETag is an MD5, not a security check
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def is_verified(path: Path, obj: S3Object) -> bool:
    """A local copy of `obj`: same size, and same MD5 where the ETag is one."""
    if not path.is_file() or path.stat().st_size != obj.size:
        return False
    return not obj.etag_is_md5 or _md5(path) == obj.etag


def download(client, delivery: Delivery, obj: S3Object, dest: Path, limiter: RateLimiter,
             on_bytes: Callable[[int], None]) -> int:
    """Fetch `obj` to `dest` (continuing a `.part`), verify it, and return the bytes transferred."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    offset = part.stat().st_size if part.exists() else 0
    if offset > obj.size:
        part.unlink()
        offset = 0
    transferred = 0
    encryption = None
    if offset < obj.size:
        response = get_object(client, delivery, obj, **({"Range": f"bytes={offset}-"} if offset else {}))
        encryption = response.get("ServerSideEncryption")
        try:
            with part.open("ab") as handle:
                for chunk in response["Body"].iter_chunks(limiter.chunk_bytes):
                    limiter.take(len(chunk))
                    handle.write(chunk)
                    transferred += len(chunk)
                    on_bytes(len(chunk))
                handle.flush()
                os.fsync(handle.fileno())
        except Exception as error:  # noqa: BLE001 - a broken connection: the .part is kept for a rerun
            raise explain(error, f"downloading {delivery.where(obj.key)}") from error
    size = part.stat().st_size
    if size != obj.size:
        raise SyncError(f"{delivery.where(obj.key)}: downloaded {size} bytes, S3 lists {obj.size}; run the sync again.")
    if obj.etag_is_md5 and _md5(part) != obj.etag:
        if encryption is None:
            try:
                encryption = client.head_object(Bucket=delivery.source.bucket, Key=obj.key).get("ServerSideEncryption")
            except Exception as error:  # noqa: BLE001
                raise explain(error, f"checking {delivery.where(obj.key)}") from error
        if not str(encryption or "").startswith("aws:kms"):  # with SSE-KMS the ETag is not the MD5
            part.unlink()
            raise SyncError(f"{delivery.where(obj.key)}: the downloaded file's MD5 differs from its ETag "
                            f"{obj.etag}; it was discarded, run the sync again.")
    os.replace(part, dest)
    return transferred
