"""The download cache and the online tasks, against a local HTTP server (never the internet).

Every test points ``DLBENCH_DATA`` at its own temporary folder; the loaders are fed tiny
files in the real formats through ``DLBENCH_MIRROR``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import socket
import struct
import tarfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import entry_points
from pathlib import Path

import numpy as np
import pytest

from dlbench import Dataset, UsageError
from dlbench.data import download
from dlbench.data.download import data_home, fetch
from dlbench_tasks import online

PAYLOAD = b"dlbench fixture payload\n" * 1000


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Handler(SimpleHTTPRequestHandler):
    """Serves files from a folder; names in ``server.truncate`` are cut short, ``server.stall`` hang."""

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        name = self.path.lstrip("/")
        if name in self.server.stall:
            time.sleep(1.0)
        if name in self.server.truncate:
            body = (Path(self.directory) / name).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body) + 1000))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        super().do_GET()


class _Server:
    def __init__(self, root: Path):
        self.root = root
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # clients that hang up on purpose
        self.httpd.requests, self.httpd.truncate, self.httpd.stall = [], set(), set()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.running = True

    @property
    def requests(self) -> list[str]:
        return self.httpd.requests

    def put(self, name: str, data: bytes) -> str:
        (self.root / name).write_bytes(data)
        return f"{self.url}/{name}"

    def stop(self) -> None:
        if self.running:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.running = False


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("DLBENCH_DATA", str(home))
    monkeypatch.delenv("DLBENCH_MIRROR", raising=False)
    monkeypatch.delenv("DLBENCH_OFFLINE", raising=False)  # conftest sets it; these tests use a local server
    return home


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "served"
    root.mkdir()
    srv = _Server(root)
    yield srv
    srv.stop()


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- fetch ---------------------------------------------------------------------------------


def test_data_home_follows_env_and_is_created(cache):
    assert data_home() == cache
    assert cache.is_dir()


def test_fetch_caches_and_then_needs_no_server(cache, server):
    url = server.put("payload.bin", PAYLOAD)
    path = fetch(url, "payload.bin", sha256(PAYLOAD), subdir="demo")
    assert path == cache / "demo" / "payload.bin"
    assert path.read_bytes() == PAYLOAD
    assert files_in(cache) == ["payload.bin"]
    server.stop()
    assert fetch(url, "payload.bin", sha256(PAYLOAD), subdir="demo") == path
    assert server.requests == ["/payload.bin"]


def test_checksum_mismatch_is_a_clear_error_and_leaves_nothing(cache, server):
    url = server.put("payload.bin", PAYLOAD)
    wrong = "0" * 64
    with pytest.raises(UsageError) as err:
        fetch(url, "payload.bin", wrong, subdir="demo")
    message = str(err.value)
    assert wrong in message and sha256(PAYLOAD) in message and "\n" not in message
    assert files_in(cache) == []


def test_interrupted_download_leaves_nothing_and_a_retry_works(cache, server):
    url = server.put("payload.bin", PAYLOAD)
    server.httpd.truncate.add("payload.bin")
    with pytest.raises(UsageError, match="interrupted") as err:
        fetch(url, "payload.bin", subdir="demo")  # no checksum: the length check alone must catch it
    assert "\n" not in str(err.value)
    assert files_in(cache) == []
    server.httpd.truncate.clear()
    assert fetch(url, "payload.bin", subdir="demo").read_bytes() == PAYLOAD


def test_offline_is_one_line_that_says_what_to_do(cache):
    url = f"http://127.0.0.1:{closed_port()}/mnist.npz"
    with pytest.raises(UsageError) as err:
        fetch(url, "mnist.npz", subdir="mnist")
    message = str(err.value)
    assert "\n" not in message
    assert "offline?" in message and url in message
    assert str(cache / "mnist" / "mnist.npz") in message
    assert files_in(cache) == []


def test_http_error_and_timeout_are_usage_errors(cache, server, monkeypatch):
    with pytest.raises(UsageError, match="404"):
        fetch(f"{server.url}/missing.bin", "missing.bin")
    server.put("slow.bin", PAYLOAD)
    server.httpd.stall.add("slow.bin")
    monkeypatch.setattr(download, "TIMEOUT", 0.2)
    with pytest.raises(UsageError, match="timed out"):
        fetch(f"{server.url}/slow.bin", "slow.bin")
    assert files_in(cache) == []


def test_mirror_replaces_the_origin(cache, server, monkeypatch):
    server.put("covtype.data.gz", PAYLOAD)
    monkeypatch.setenv("DLBENCH_MIRROR", server.url + "/")
    path = fetch(f"http://127.0.0.1:{closed_port()}/files/5976039", "covtype.data.gz", sha256(PAYLOAD))
    assert path.read_bytes() == PAYLOAD
    assert server.requests == ["/covtype.data.gz"]


def test_file_mirror_works_without_a_server(cache, tmp_path, monkeypatch):
    (tmp_path / "payload.bin").write_bytes(PAYLOAD)
    monkeypatch.setenv("DLBENCH_MIRROR", tmp_path.as_uri())
    assert fetch("https://example.invalid/payload.bin", "payload.bin").read_bytes() == PAYLOAD


def test_a_corrupt_cached_file_is_reported_not_used(cache):
    (cache / "demo").mkdir(parents=True)
    (cache / "demo" / "payload.bin").write_bytes(b"not it")
    with pytest.raises(UsageError, match="delete it"):
        fetch("https://example.invalid/payload.bin", "payload.bin", sha256(PAYLOAD), subdir="demo")


# --- tiny fixtures in the real formats -----------------------------------------------------


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def _tar_gz(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _idx(array: np.ndarray) -> bytes:
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return _gzip(header + array.astype(np.uint8).tobytes())


def _images(n: int, size: int) -> np.ndarray:
    return np.random.default_rng(n).integers(0, 256, (n, size, size), dtype=np.uint8)


def build_mnist(srv: _Server) -> dict:
    buf = io.BytesIO()
    np.savez(buf, x_train=_images(20, 28), y_train=np.arange(20) % 10, x_test=_images(10, 28), y_test=np.arange(10))
    srv.put("mnist.npz", buf.getvalue())
    return {"SHA256": sha256(buf.getvalue())}


def build_fashion_mnist(srv: _Server) -> dict:
    files = {
        "train-images-idx3-ubyte.gz": _idx(_images(20, 28)),
        "train-labels-idx1-ubyte.gz": _idx(np.arange(20) % 10),
        "t10k-images-idx3-ubyte.gz": _idx(_images(10, 28)),
        "t10k-labels-idx1-ubyte.gz": _idx(np.arange(10)),
    }
    for name, data in files.items():
        srv.put(name, data)
    return {"FILES": {name: sha256(data) for name, data in files.items()}}


def build_cifar10(srv: _Server) -> dict:
    def batch(labels):
        data = np.zeros((len(labels), 3, 32, 32), np.uint8)
        data[:, 0] = 255  # all red: checks the channel order
        return pickle.dumps({b"data": data.reshape(len(labels), -1), b"labels": list(labels)}, protocol=3)

    members = {f"cifar-10-batches-py/data_batch_{i}": batch([2 * i - 2, 2 * i - 1]) for i in range(1, 6)}
    members["cifar-10-batches-py/test_batch"] = batch(range(10))
    members["cifar-10-batches-py/batches.meta"] = b"ignored"
    data = _tar_gz(members)
    srv.put("cifar-10-python.tar.gz", data)
    return {"SHA256": sha256(data)}


def build_imdb(srv: _Server) -> dict:
    members = {
        f"aclImdb/{split}/{label}/{i}_{7 if label == 'pos' else 2}.txt": f"{label} review {i}<br />café".encode()
        for split in ("train", "test") for label in ("pos", "neg") for i in range(3)
    }
    members["aclImdb/train/unsup/0_0.txt"] = b"unlabelled"
    members["aclImdb/imdb.vocab"] = b"the\n"
    data = _tar_gz(members)
    srv.put("aclImdb_v1.tar.gz", data)
    return {"SHA256": sha256(data)}


def build_20newsgroups(srv: _Server) -> dict:
    members = {
        f"20news-bydate-{split}/{group}/{i}": f"From: a@b\nSubject: {group}\n\nbody {i} of {group} caf\xe9".encode("latin-1")
        for split in ("train", "test") for group in ("alt.atheism", "sci.space") for i in range(2)
    }
    data = _tar_gz(members)
    srv.put("20news-bydate.tar.gz", data)
    return {"SHA256": sha256(data)}


def build_adult(srv: _Server) -> dict:
    rows = [
        "39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, White, Male, 2174, 0, 40, United-States, {}",
        "50, ?, 83311, Bachelors, 13, Married-civ-spouse, ?, Husband, White, Male, 0, 0, 13, ?, {}",
    ]
    train = "".join(row.format(label) + "\n" for row in rows for label in ("<=50K", ">50K")) + "\n"
    test = "|1x3 Cross validator\n" + "".join(row.format(label) + "\n" for row in rows for label in ("<=50K.", ">50K."))
    files = {"adult.data": train.encode(), "adult.test": test.encode()}
    for name, data in files.items():
        srv.put(name, data)
    return {"FILES": {name: sha256(data) for name, data in files.items()}}


def build_covertype(srv: _Server) -> dict:
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(1, 8), 4)
    table = np.column_stack([rng.integers(0, 3000, (len(labels), 10)), rng.integers(0, 2, (len(labels), 44)), labels])
    data = _gzip("".join(",".join(map(str, row)) + "\n" for row in table).encode())
    srv.put("covtype.data.gz", data)
    return {"SHA256": sha256(data)}


def check_mnist(ds: Dataset) -> None:
    assert ds.X_train.shape == (20, 28, 28, 1) and ds.X_test.shape == (10, 28, 28, 1)
    assert ds.classes == [str(d) for d in range(10)]


def check_fashion_mnist(ds: Dataset) -> None:
    assert ds.X_train.shape == (20, 28, 28, 1)
    assert ds.y_test[0] == "T-shirt/top" and ds.y_test[9] == "Ankle boot"


def check_cifar10(ds: Dataset) -> None:
    assert ds.X_train.shape == (10, 32, 32, 3) and ds.X_test.shape == (10, 32, 32, 3)
    assert (ds.X_train[..., 0] == 255).all() and (ds.X_train[..., 1:] == 0).all()
    assert ds.y_train[0] == "airplane" and ds.y_train[-1] == "truck"


def check_imdb(ds: Dataset) -> None:
    assert len(ds.X_train) == 6 and len(ds.X_test) == 6  # unsup/ skipped
    assert sorted(set(ds.y_train)) == ["neg", "pos"]
    assert all(text.endswith("<br />café") and text.startswith(label) for text, label in zip(ds.X_train, ds.y_train))


def check_20newsgroups(ds: Dataset) -> None:
    assert len(ds.X_train) == 4 and len(ds.X_test) == 4
    assert ds.classes == ["alt.atheism", "sci.space"]
    assert all(text.startswith("body") and "Subject:" not in text for text in ds.X_train)
    assert ds.X_train[0].endswith("café")


def check_adult(ds: Dataset) -> None:
    assert ds.X_train.shape == (4, 14) and ds.X_test.shape == (4, 14)
    assert set(ds.y_test) == {"<=50K", ">50K"}
    stats = ds.stats()
    assert stats["numeric_columns"] == 6 and stats["categorical_columns"] == 8
    assert stats["missing_values"] == 2 * 3  # '?' in workclass, occupation, native-country


def check_covertype(ds: Dataset) -> None:
    assert len(ds.y_train) == 21 and len(ds.y_test) == 7
    assert list(ds.X_train.columns[:1]) == ["Elevation"] and ds.X_train.shape[1] == 54
    assert ds.classes[0] == "Spruce/Fir" and set(ds.y_test) == set(ds.classes)


CASES = {
    "mnist": (online.MNIST, build_mnist, check_mnist),
    "fashion-mnist": (online.FashionMNIST, build_fashion_mnist, check_fashion_mnist),
    "cifar10": (online.CIFAR10, build_cifar10, check_cifar10),
    "imdb": (online.IMDB, build_imdb, check_imdb),
    "20newsgroups": (online.TwentyNewsgroups, build_20newsgroups, check_20newsgroups),
    "adult": (online.Adult, build_adult, check_adult),
    "covertype": (online.Covertype, build_covertype, check_covertype),
}


def test_every_online_task_is_registered_and_declared_online():
    registered = {ep.name: ep.value for ep in entry_points(group="dlbench.tasks")}
    for name, (cls, _, _) in CASES.items():
        assert registered[name] == f"dlbench_tasks.online:{cls.__name__}"
        assert cls.name == name and cls.offline is False
        assert cls.source and cls.license and cls.n_examples and cls.n_classes


@pytest.mark.parametrize("name", list(CASES))
def test_loader_end_to_end_through_the_mirror(name, cache, server, monkeypatch):
    cls, build, check = CASES[name]
    for attr, value in build(server).items():
        monkeypatch.setattr(cls, attr, value)  # the fixtures' checksums, not the real files'
    monkeypatch.setenv("DLBENCH_MIRROR", server.url)
    dataset = cls().load()
    assert isinstance(dataset, Dataset) and dataset.modality == cls.modality
    if cls.modality == "image":
        assert dataset.X_train.dtype == np.uint8 and dataset.X_train.ndim == 4
    check(dataset)
    assert files_in(cache) and all(not n.endswith(".part") for n in files_in(cache))
    server.stop()
    cls().load()  # from the cache alone


def test_every_online_loader_has_a_fixture():
    loaders = {cls for cls in vars(online).values()
               if isinstance(cls, type) and issubclass(cls, online._Online) and cls is not online._Online}
    assert loaders == {cls for cls, _, _ in CASES.values()}


def _serve(name, server, monkeypatch, mirror=None):
    """The loader's fixtures on the server, their checksums pinned, the mirror set."""
    cls, build, _ = CASES[name]
    pinned = build(server)
    for attr, value in pinned.items():
        monkeypatch.setattr(cls, attr, value)
    monkeypatch.setenv("DLBENCH_MIRROR", mirror or server.url)
    return cls, pinned


@pytest.mark.parametrize("name", list(CASES))
def test_loader_rejects_a_wrong_checksum_and_caches_nothing(name, cache, server, monkeypatch):
    cls, pinned = _serve(name, server, monkeypatch)
    for attr, value in pinned.items():
        wrong = {f: "0" * 64 for f in value} if isinstance(value, dict) else "0" * 64
        monkeypatch.setattr(cls, attr, wrong)
    with pytest.raises(UsageError, match="was expected") as err:
        cls().load()
    assert "\n" not in str(err.value) and "0" * 64 in str(err.value)
    assert files_in(cache) == []


@pytest.mark.parametrize("name", list(CASES))
def test_loader_reports_a_truncated_file_and_caches_nothing(name, cache, server, monkeypatch):
    cls, _ = _serve(name, server, monkeypatch)
    server.httpd.truncate.update(p.name for p in server.root.iterdir())
    with pytest.raises(UsageError, match="interrupted after") as err:
        cls().load()
    assert "\n" not in str(err.value) and "run again" in str(err.value)
    assert files_in(cache) == []
    server.httpd.truncate.clear()
    CASES[name][2](cls().load())  # the retry works


@pytest.mark.parametrize("name", list(CASES))
def test_loader_reports_a_refused_connection_and_caches_nothing(name, cache, server, monkeypatch):
    cls, _ = _serve(name, server, monkeypatch, mirror=f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(UsageError, match="offline\\?") as err:
        cls().load()
    assert "\n" not in str(err.value) and str(cache) in str(err.value)
    assert files_in(cache) == [] and server.requests == []


# --- offline, progress bar -----------------------------------------------------------------


def test_offline_fails_at_once_without_a_connection(cache, server, monkeypatch):
    url = server.put("payload.bin", PAYLOAD)

    def forbidden(*args, **kwargs):
        raise AssertionError("no connection may be attempted")

    with monkeypatch.context() as patch:
        patch.setenv("DLBENCH_OFFLINE", "1")
        patch.setattr(socket, "create_connection", forbidden)
        patch.setattr(socket.socket, "connect", forbidden)
        with pytest.raises(UsageError, match="DLBENCH_OFFLINE is set") as err:
            fetch(url, "payload.bin", subdir="demo")
    assert "\n" not in str(err.value) and str(cache / "demo" / "payload.bin") in str(err.value)
    assert server.requests == [] and files_in(cache) == []
    monkeypatch.setenv("DLBENCH_OFFLINE", "0")  # "0" means online
    assert fetch(url, "payload.bin", subdir="demo").read_bytes() == PAYLOAD


def test_offline_still_uses_the_cache_and_a_file_mirror(cache, tmp_path, monkeypatch):
    monkeypatch.setenv("DLBENCH_OFFLINE", "1")
    (cache / "demo").mkdir(parents=True)
    (cache / "demo" / "cached.bin").write_bytes(PAYLOAD)
    assert fetch("https://example.invalid/cached.bin", "cached.bin", sha256(PAYLOAD), subdir="demo").is_file()
    (tmp_path / "payload.bin").write_bytes(PAYLOAD)
    monkeypatch.setenv("DLBENCH_MIRROR", tmp_path.as_uri())  # a local copy needs no network
    assert fetch("https://example.invalid/payload.bin", "payload.bin", sha256(PAYLOAD)).read_bytes() == PAYLOAD


def test_file_mirror_is_verified_and_a_missing_file_is_clear(cache, tmp_path, monkeypatch):
    (tmp_path / "payload.bin").write_bytes(PAYLOAD)
    monkeypatch.setenv("DLBENCH_MIRROR", tmp_path.as_uri())
    with pytest.raises(UsageError, match="was expected"):
        fetch("https://example.invalid/payload.bin", "payload.bin", "0" * 64)
    with pytest.raises(UsageError, match="no such file") as err:
        fetch("https://example.invalid/other.bin", "other.bin")
    assert "\n" not in str(err.value)
    assert files_in(cache) == []


def test_progress_bar_on_a_terminal(cache, server, monkeypatch):
    import sys

    bars = []

    class Spy(download._Progress):
        def update(self, n):
            bars.append(self.bar is not None)
            super().update(n)

    monkeypatch.setattr(download, "_Progress", Spy)
    monkeypatch.setattr(download, "PROGRESS_MIN_BYTES", 1000)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    url = server.put("payload.bin", PAYLOAD)
    assert fetch(url, "payload.bin", sha256(PAYLOAD)).read_bytes() == PAYLOAD
    assert bars and all(bars)
    monkeypatch.setattr(download, "PROGRESS_MIN_BYTES", len(PAYLOAD) + 1)  # small file: no bar
    bars.clear()
    url = server.put("small.bin", PAYLOAD)
    fetch(url, "small.bin")
    assert bars and not any(bars)


# --- the MobileNetV2 weights of the transfer solver -------------------------------------------

WEIGHTS = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_96_no_top.h5"


@pytest.fixture
def keras_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "keras"
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


def test_transfer_offline_without_weights_is_unavailable_quickly(cache, keras_home, monkeypatch):
    from dlbench.core.errors import SolverUnavailable
    from dlbench.solvers.deep import Transfer

    monkeypatch.setenv("DLBENCH_OFFLINE", "1")
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: pytest.fail("connection attempted"))
    X = np.zeros((4, 8, 8, 1), np.uint8)
    with pytest.raises(SolverUnavailable) as err:
        Transfer(epochs=1).fit(X, np.array([0, 1, 0, 1]))
    message = str(err.value)
    assert "\n" not in message and "DLBENCH_OFFLINE is set" in message and "MobileNetV2" in message
    assert str(keras_home / "models" / WEIGHTS) in message  # where to put the file
    assert files_in(cache) == []


def test_transfer_weights_come_through_the_mirror_and_are_cached(cache, keras_home, server, monkeypatch):
    from dlbench.solvers.deep import Transfer

    server.put(WEIGHTS, PAYLOAD)
    monkeypatch.setenv("DLBENCH_MIRROR", server.url)
    path = Transfer()._fetch_weights()
    assert Path(path) == cache / "keras-applications" / WEIGHTS and Path(path).read_bytes() == PAYLOAD
    server.stop()
    monkeypatch.setenv("DLBENCH_OFFLINE", "1")
    assert Transfer()._fetch_weights() == path  # from the cache alone
    assert server.requests == [f"/{WEIGHTS}"]


def test_transfer_prefers_a_copy_in_the_keras_cache(cache, keras_home, monkeypatch):
    from dlbench.solvers.deep import Transfer

    (keras_home / "models").mkdir(parents=True)
    (keras_home / "models" / WEIGHTS).write_bytes(PAYLOAD)
    monkeypatch.setenv("DLBENCH_OFFLINE", "1")
    assert Transfer()._fetch_weights() == str(keras_home / "models" / WEIGHTS)


@pytest.mark.parametrize("failure", ["refused", "truncated", "timeout"])
def test_a_failed_weights_download_is_unavailable_not_an_error(failure, cache, keras_home, server, monkeypatch):
    from dlbench.core.errors import SolverUnavailable
    from dlbench.solvers.deep import Transfer

    server.put(WEIGHTS, PAYLOAD)
    monkeypatch.setenv("DLBENCH_MIRROR", f"http://127.0.0.1:{closed_port()}" if failure == "refused" else server.url)
    if failure == "truncated":
        server.httpd.truncate.add(WEIGHTS)
    if failure == "timeout":
        server.httpd.stall.add(WEIGHTS)
        monkeypatch.setattr(download, "TIMEOUT", 0.2)
    with pytest.raises(SolverUnavailable) as err:
        Transfer()._fetch_weights()
    message = str(err.value)
    assert "\n" not in message and "connect to the internet" in message
    assert str(keras_home / "models" / WEIGHTS) in message
    assert files_in(cache) == []
