"""A single-node Trino server for the cross-engine tests: fetched once, started and stopped by the tests.

Athena engine v3 is Trino, so running the models on Trino executes the SQL that Athena would run.
The server is the `trino-server-core` distribution from Maven Central plus the Hive connector
(external tables over the export folder layout, as Glue tables over S3 for Athena; a file
metastore, the local file system as warehouse), fetched with the ordinary Maven client into ~/.cache/infralyzer/trino/<version>. It listens on 127.0.0.1 only, on a free port,
with a small heap: the machine is shared.

    python service/tests/trino/trino_server.py install   # fetch once (what `make test-trino` does first)
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

# 476 is the newest release whose trino-server-core tarball the Maven repository serves here;
# it needs Java 24 or newer.
TRINO_VERSION = os.environ.get("INFRALYZER_TRINO_VERSION", "476")
MIN_JAVA_MAJOR = 24
# catalog name -> the plugin artifact (io.trino:<artifact>:<version>:zip)
PLUGINS = {"hive": "trino-hive"}
CACHE_ROOT = Path(os.environ.get("INFRALYZER_TRINO_CACHE", Path.home() / ".cache" / "infralyzer" / "trino"))
HEAP = os.environ.get("INFRALYZER_TRINO_HEAP", "3G")
# within the heap less Trino's default 30 % headroom
QUERY_MEMORY = os.environ.get("INFRALYZER_TRINO_QUERY_MEMORY", "1800MB")
ATHENA_CATALOG = "awsdatacatalog"


def java_major(java_home: Path) -> int | None:
    release = java_home / "release"
    if not release.is_file():
        return None
    found = re.search(r'^JAVA_VERSION="(\d+)', release.read_text(), re.MULTILINE)
    return int(found.group(1)) if found else None


def find_java_home() -> Path:
    """INFRALYZER_TRINO_JAVA_HOME, else JAVA_HOME, else the newest JDK under /usr/lib/jvm, if Trino supports it."""
    explicit = os.environ.get("INFRALYZER_TRINO_JAVA_HOME") or os.environ.get("JAVA_HOME")
    candidates = [Path(explicit)] if explicit else []
    candidates += sorted(Path("/usr/lib/jvm").glob("*"), key=lambda p: java_major(p) or 0, reverse=True)
    for home in candidates:
        major = java_major(home)
        if major and major >= MIN_JAVA_MAJOR and (home / "bin" / "java").exists():
            return home
    raise RuntimeError(f"Trino {TRINO_VERSION} needs a JDK >= {MIN_JAVA_MAJOR} (set INFRALYZER_TRINO_JAVA_HOME); "
                       f"found none under /usr/lib/jvm")


def _maven_copy(artifact: str, output_dir: Path) -> Path:
    """io.trino:<artifact> through the ordinary Maven client (its local repository is the download cache)."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise RuntimeError("Maven (mvn) is needed to fetch Trino: `apt-get install maven`")
    subprocess.run([mvn, "--batch-mode", "--quiet", "-Dstyle.color=never", "dependency:copy", f"-Dartifact={artifact}",
                    f"-DoutputDirectory={output_dir}", "-Dmdep.overWriteIfNewer=true"],
                   check=True, cwd=output_dir)
    group, name, version, packaging = artifact.split(":")
    return output_dir / f"{name}-{version}.{packaging}"


def install(version: str = TRINO_VERSION, cache_root: Path = CACHE_ROOT) -> Path:
    """The Trino installation folder, fetched and unpacked on the first call only."""
    home = cache_root / version / f"trino-server-core-{version}"
    if (home / ".installed").exists():
        return home
    cache_root.joinpath(version).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_root / version) as staging_dir:
        staging = Path(staging_dir)
        tarball = _maven_copy(f"io.trino:trino-server-core:{version}:tar.gz", staging)
        with tarfile.open(tarball) as archive:
            archive.extractall(staging / "unpacked", filter="tar")
        unpacked = staging / "unpacked" / f"trino-server-core-{version}"
        for catalog, artifact in PLUGINS.items():
            archive_path = _maven_copy(f"io.trino:{artifact}:{version}:zip", staging)
            with zipfile.ZipFile(archive_path) as archive:
                archive.extractall(staging / "plugins")
            (staging / "plugins" / f"{artifact}-{version}").rename(unpacked / "plugin" / catalog)
        # zip archives drop the executable bit of the launcher
        for launcher in unpacked.glob("bin/**/launcher"):
            launcher.chmod(0o755)
        shutil.rmtree(home, ignore_errors=True)
        unpacked.rename(home)
    (home / ".installed").write_text(version + "\n")
    return home


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _properties(values: dict[str, str]) -> str:
    return "".join(f"{key}={value}\n" for key, value in values.items())


@dataclass
class TrinoServer:
    """One coordinator that also runs the work, on 127.0.0.1:<port>; its metastore, warehouse
    and logs live in `work_dir`."""

    work_dir: Path
    home: Path = field(default_factory=install)
    java_home: Path = field(default_factory=find_java_home)
    port: int = field(default_factory=free_port)
    host: str = "127.0.0.1"
    process: subprocess.Popen | None = None
    started_in_seconds: float | None = None
    _launched_at: float = 0.0

    @property
    def metastore_dir(self) -> Path:
        return self.work_dir / "metastore"

    @property
    def log_path(self) -> Path:
        return self.work_dir / "server.log"

    def _write_config(self) -> Path:
        etc = self.work_dir / "etc"
        (etc / "catalog").mkdir(parents=True, exist_ok=True)
        self.metastore_dir.mkdir(parents=True, exist_ok=True)
        (etc / "node.properties").write_text(_properties({
            "node.environment": "infralyzer",
            "node.id": "infralyzer-test",
            "node.data-dir": str(self.work_dir / "data"),
            "node.bind-ip": self.host,
            "node.internal-address": self.host,
        }))
        (etc / "jvm.config").write_text("\n".join([
            "-server", f"-Xmx{HEAP}", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError",
            "-XX:ReservedCodeCacheSize=256M", "-Djdk.attach.allowAttachSelf=true",
            # the exports' timestamps are UTC, and so must be the dates derived from them
            "-Duser.timezone=UTC", "-Dfile.encoding=UTF-8", "--enable-native-access=ALL-UNNAMED",
        ]) + "\n")
        (etc / "config.properties").write_text(_properties({
            "coordinator": "true",
            "node-scheduler.include-coordinator": "true",
            "http-server.http.port": str(self.port),
            "discovery.uri": f"http://{self.host}:{self.port}",
            "query.max-memory": QUERY_MEMORY,
            "query.max-memory-per-node": QUERY_MEMORY,
            # two cores, shared
            "task.concurrency": "2",
        }))
        hive = {
            "connector.name": "hive",
            "hive.metastore": "file",
            "hive.metastore.catalog.dir": f"local://{self.metastore_dir}",
            "fs.native-local.enabled": "true",
            # partitions point at each delivery's folder, as the sync's Glue partitions do
            "hive.allow-register-partition-procedure": "true",
            "local.location": "/",
            # Athena reads the exports' Parquet timestamps as UTC
            "hive.parquet.time-zone": "UTC",
            # what dbt-athena writes
            "hive.storage-format": "PARQUET",
        }
        # `hive` for the builds; `awsdatacatalog`, Athena's catalog name, over the same metastore,
        # so the SQL the API's Athena backend sends runs here as it is
        for catalog in ("hive", ATHENA_CATALOG):
            (etc / "catalog" / f"{catalog}.properties").write_text(_properties(hive))
        return etc

    def start(self, timeout_seconds: float = 420) -> TrinoServer:
        return self.launch().wait_until_ready(timeout_seconds)

    def launch(self) -> TrinoServer:
        """Start the JVM and return at once (other work can overlap its start-up)."""
        etc = self._write_config()
        env = {**os.environ, "JAVA_HOME": str(self.java_home),
               "PATH": f"{self.java_home / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
        self._launched_at = time.monotonic()
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                [str(self.home / "bin" / "launcher"), "run", f"--etc-dir={etc}", f"--data-dir={self.work_dir / 'data'}"],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        # its own session: a test run that ends without stopping it must not leave the JVM behind
        atexit.register(self.stop)
        return self

    def wait_until_ready(self, timeout_seconds: float = 420) -> TrinoServer:
        if self.process is None:
            raise RuntimeError("Trino was not launched")
        while time.monotonic() - self._launched_at < timeout_seconds:
            if self.process.poll() is not None:
                raise RuntimeError(f"Trino exited with {self.process.returncode} while starting; see {self.log_path}")
            if self._is_ready():
                if self.started_in_seconds is None:
                    self.started_in_seconds = time.monotonic() - self._launched_at
                return self
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"Trino did not start within {timeout_seconds:.0f} s; see {self.log_path}")

    def _is_ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://{self.host}:{self.port}/v1/info", timeout=5) as response:
                return b'"starting":false' in response.read()
        except OSError:
            return False

    def stop(self, timeout_seconds: float = 60) -> None:
        """SIGTERM to the server's process group (the launcher and the JVM), then SIGKILL."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout_seconds)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def connect(self, catalog: str = "hive", schema: str | None = None):
        import trino

        return trino.dbapi.connect(host=self.host, port=self.port, user="infralyzer", catalog=catalog, schema=schema)

    def __enter__(self) -> TrinoServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


if __name__ == "__main__":
    if sys.argv[1:] != ["install"]:
        sys.exit("usage: trino_server.py install")
    started = time.monotonic()
    print(f"Trino {TRINO_VERSION} at {install()} ({time.monotonic() - started:.0f} s)")
