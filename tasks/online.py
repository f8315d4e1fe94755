"""Online tasks: well-known public data sets, downloaded once into the dlbench cache.

Every file goes through :func:`dlbench.data.download.fetch` (cache, checksum, ``DLBENCH_MIRROR``,
the offline message). The official train/test split is kept where the data set has one.
Checksums are pinned where a public one exists; each says where it comes from.
"""

from __future__ import annotations

import re

from dlbench import Dataset, Task
from dlbench.data.download import fetch
from dlbench.core.errors import UsageError

KERAS_DATASETS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


# --- shared helpers -------------------------------------------------------------------


def _image_dataset(x_train, y_train, x_test, y_test, names) -> Dataset:
    """Integer-labelled images as a Dataset: uint8 ``(N, H, W, C)``, labels as class names."""
    import numpy as np

    names = np.asarray(names)

    def images(x):
        x = np.asarray(x, dtype=np.uint8)
        return x[..., None] if x.ndim == 3 else x

    def labels(y):
        return names[np.asarray(y, dtype=np.int64).ravel()]

    return Dataset(images(x_train), labels(y_train), images(x_test), labels(y_test), "image",
                   classes=names.tolist())


def _corrupt(path, what: str) -> UsageError:
    return UsageError(f"{path} is not {what}: delete it to download it again")


def _text_dataset(path, pattern: str, encoding: str, clean=lambda text: text) -> Dataset:
    """Texts of the archive members whose path matches ``pattern``.

    The pattern's named groups ``split`` (``train`` or ``test``) and ``label`` say where a
    member goes; members are taken in path order, so the order never depends on the archive.
    """
    import tarfile

    import numpy as np

    regex = re.compile(pattern)
    rows = []
    with tarfile.open(path, "r:*") as tar:
        for member in tar:
            match = regex.search(member.name) if member.isfile() else None
            if match:
                raw = tar.extractfile(member).read()
                rows.append((match["split"], member.name, match["label"], clean(raw.decode(encoding))))
    rows.sort()
    parts = {split: ([r[3] for r in rows if r[0] == split], [r[2] for r in rows if r[0] == split])
             for split in ("train", "test")}
    if not parts["train"][0] or not parts["test"][0]:
        raise _corrupt(path, "the expected archive (no train or no test texts)")
    (x_train, y_train), (x_test, y_test) = parts["train"], parts["test"]
    return Dataset(np.array(x_train, dtype=object), y_train, np.array(x_test, dtype=object), y_test, "text")


class _Online(Task):
    offline = False


# --- images ---------------------------------------------------------------------------


class MNIST(_Online):
    name = "mnist"
    modality = "image"
    description = "The full MNIST handwritten digits, 28x28 grey images, official 60k/10k split."
    source = "Y. LeCun, C. Cortes, C. J. C. Burges: The MNIST database; the keras copy mnist.npz"
    license = "CC BY-SA 3.0"
    n_examples = 70000
    n_classes = 10

    URL = KERAS_DATASETS + "mnist.npz"
    SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"  # keras mnist.py

    def load(self) -> Dataset:
        import numpy as np

        path = fetch(self.URL, "mnist.npz", self.SHA256, subdir="mnist")
        with np.load(path, allow_pickle=False) as f:
            arrays = [f[k] for k in ("x_train", "y_train", "x_test", "y_test")]
        return _image_dataset(*arrays, names=[str(d) for d in range(10)])


def _read_idx(path):
    """An IDX array (the MNIST file format) from a gzip file."""
    import gzip
    import struct

    import numpy as np

    with gzip.open(path, "rb") as fh:
        data = fh.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:  # 0x08: unsigned bytes
        raise _corrupt(path, "an IDX file of unsigned bytes")
    shape = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


class FashionMNIST(_Online):
    name = "fashion-mnist"
    modality = "image"
    description = "Zalando article photos (shirts, shoes, bags...), 28x28 grey, official 60k/10k split."
    source = (
        "H. Xiao, K. Rasul, R. Vollgraf: Fashion-MNIST, arXiv:1708.07747 (2017); "
        "the keras copy of the four IDX files"
    )
    license = "MIT"
    n_examples = 70000
    n_classes = 10

    CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    # keras pins no hash for these files; these are the SHA-256 of the Zalando originals as
    # recorded by tensorflow-datasets (url_checksums/fashion_mnist.txt). The keras copies have
    # the same byte sizes.
    FILES = {
        "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    }

    def load(self) -> Dataset:
        arrays = {
            name: _read_idx(fetch(KERAS_DATASETS + name, name, sha256, subdir="fashion-mnist"))
            for name, sha256 in self.FILES.items()
        }
        return _image_dataset(
            arrays["train-images-idx3-ubyte.gz"], arrays["train-labels-idx1-ubyte.gz"],
            arrays["t10k-images-idx3-ubyte.gz"], arrays["t10k-labels-idx1-ubyte.gz"],
            names=self.CLASSES,
        )


def _unpickle_arrays(fh):
    """A pickle that may hold only plain containers and numpy arrays (no code can run)."""
    import pickle

    allowed = {("numpy", "ndarray"), ("numpy", "dtype"),
               ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct")}

    class Restricted(pickle.Unpickler):
        def find_class(self, module, name):
            if (module, name) not in allowed:
                raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
            return super().find_class(module, name)

    return Restricted(fh, encoding="bytes").load()


class CIFAR10(_Online):
    name = "cifar10"
    modality = "image"
    description = "Tiny 32x32 colour photos of 10 object classes, official 50k/10k split."
    source = (
        "A. Krizhevsky: Learning Multiple Layers of Features from Tiny Images, tech. report, "
        "U. Toronto (2009); https://www.cs.toronto.edu/~kriz/cifar.html"
    )
    license = "not stated by the authors (cite the report)"
    n_examples = 60000
    n_classes = 10

    URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"  # keras cifar10.py
    CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    BATCHES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]

    def load(self) -> Dataset:
        import tarfile

        import numpy as np

        path = fetch(self.URL, "cifar-10-python.tar.gz", self.SHA256, subdir="cifar10")
        batches = {}
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                base = member.name.rsplit("/", 1)[-1]
                if member.isfile() and base in self.BATCHES:
                    batches[base] = _unpickle_arrays(tar.extractfile(member))
        if set(batches) != set(self.BATCHES):
            raise _corrupt(path, "the CIFAR-10 python archive")

        def stack(names):
            x = np.concatenate([batches[n][b"data"] for n in names]).reshape(-1, 3, 32, 32)
            y = np.concatenate([batches[n][b"labels"] for n in names])
            return x.transpose(0, 2, 3, 1), y  # channels last

        return _image_dataset(*stack(self.BATCHES[:5]), *stack(self.BATCHES[5:]), names=self.CLASSES)


# --- text -----------------------------------------------------------------------------


class IMDB(_Online):
    sentiment = ("neg", "pos")
    name = "imdb"
    modality = "text"
    description = "Is an IMDB movie review positive or negative? Raw review text, official 25k/25k split."
    source = (
        "A. L. Maas et al.: Learning Word Vectors for Sentiment Analysis, ACL 2011; "
        "https://ai.stanford.edu/~amaas/data/sentiment/"
    )
    license = "not stated by the authors (cite the paper)"
    n_examples = 50000
    n_classes = 2

    URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
    # The authors publish no checksum; this one is recorded by tensorflow-datasets
    # (url_checksums/imdb_reviews.txt) for the same file.
    SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"

    def load(self) -> Dataset:
        path = fetch(self.URL, "aclImdb_v1.tar.gz", self.SHA256, subdir="imdb")
        # Reviews are kept raw (they contain HTML line breaks "<br />"); unsup/ is skipped.
        return _text_dataset(path, r"aclImdb/(?P<split>train|test)/(?P<label>pos|neg)/[^/]+\.txt$", "utf-8")


def _strip_news_header(text: str) -> str:
    """The body of a news post: everything after the first blank line (as scikit-learn)."""
    return text.partition("\n\n")[2]


class TwentyNewsgroups(_Online):
    name = "20newsgroups"
    modality = "text"
    description = "Which of 20 Usenet newsgroups a post is from; headers stripped, official by-date split."
    source = (
        "K. Lang: NewsWeeder: Learning to Filter Netnews, ICML 1995; the 20news-bydate version "
        "by J. Rennie, as downloaded by scikit-learn fetch_20newsgroups"
    )
    license = "not stated (public Usenet posts)"
    n_examples = 18846
    n_classes = 20

    URL = "https://ndownloader.figshare.com/files/5975967"
    SHA256 = "8f1b2514ca22a5ade8fbb9cfa5727df95fa587f4c87b786e15c759fa66d95610"  # sklearn _twenty_newsgroups.py

    def load(self) -> Dataset:
        path = fetch(self.URL, "20news-bydate.tar.gz", self.SHA256, subdir="20newsgroups")
        # Headers (From, Subject, Organization, Lines) name the group too often: only the body
        # is kept, like scikit-learn's remove=("headers",). Quotes and signatures stay.
        return _text_dataset(
            path, r"20news-bydate-(?P<split>train|test)/(?P<label>[^/]+)/[^/]+$", "latin-1",
            clean=_strip_news_header,
        )


# --- tables ---------------------------------------------------------------------------


class Adult(_Online):
    name = "adult"
    modality = "tabular"
    description = "Does a person earn more than $50K a year? 1994 US census, official 32,561/16,281 split."
    source = "B. Becker, R. Kohavi: Adult, UCI ML Repository id 2 (1996)"
    license = "CC BY 4.0"
    n_examples = 48842
    n_classes = 2

    BASE = "https://archive.ics.uci.edu/ml/machine-learning-databases/adult/"
    # UCI publishes no checksums; these are recorded by tensorflow-datasets (url_checksums/adult.txt).
    FILES = {
        "adult.data": "5b00264637dbfec36bdeaab5676b0b309ff9eb788d63554ca0a249491c86603d",
        "adult.test": "a2a9044bc167a35b2361efbabec64e89d69ce82d9790d2980119aac5fd7e9c05",
    }
    COLUMNS = ["age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
               "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
               "hours-per-week", "native-country", "income"]

    def _part(self, filename):
        import pandas as pd

        path = fetch(self.BASE + filename, filename, self.FILES[filename], subdir="adult")
        # "?" is missing; adult.test starts with a "|1x3 Cross validator" line.
        frame = pd.read_csv(path, names=self.COLUMNS, skipinitialspace=True, na_values="?", comment="|")
        labels = frame.pop("income").str.rstrip(".").to_numpy()  # adult.test writes ">50K."
        return frame, labels

    def load(self) -> Dataset:
        (x_train, y_train), (x_test, y_test) = self._part("adult.data"), self._part("adult.test")
        return Dataset(x_train, y_train, x_test, y_test, self.modality, classes=["<=50K", ">50K"])


class Covertype(_Online):
    name = "covertype"
    modality = "tabular"
    description = "Forest cover type of 30x30 m cells in Colorado from 54 cartographic variables."
    source = "J. Blackard, D. Dean: Covertype, UCI ML Repository id 31 (1998), via scikit-learn fetch_covtype"
    license = "CC BY 4.0"
    n_examples = 581012
    n_classes = 7

    URL = "https://ndownloader.figshare.com/files/5976039"
    SHA256 = "614360d0257557dd1792834a85a1cdebfadc3c4f30b011d56afee7ffb5b15771"  # sklearn _covtype.py
    CLASSES = ["Spruce/Fir", "Lodgepole Pine", "Ponderosa Pine", "Cottonwood/Willow",
               "Aspen", "Douglas-fir", "Krummholz"]
    COLUMNS = (
        ["Elevation", "Aspect", "Slope", "Horizontal_Distance_To_Hydrology",
         "Vertical_Distance_To_Hydrology", "Horizontal_Distance_To_Roadways", "Hillshade_9am",
         "Hillshade_Noon", "Hillshade_3pm", "Horizontal_Distance_To_Fire_Points"]
        + [f"Wilderness_Area_{i}" for i in range(4)]
        + [f"Soil_Type_{i}" for i in range(40)]
    )

    def load(self) -> Dataset:
        import numpy as np
        import pandas as pd

        from dlbench.data.splits import stratified_split, take

        path = fetch(self.URL, "covtype.data.gz", self.SHA256, subdir="covertype")
        frame = pd.read_csv(path, header=None, names=[*self.COLUMNS, "Cover_Type"], compression="gzip")
        labels = np.asarray(self.CLASSES)[frame.pop("Cover_Type").to_numpy() - 1]
        # No official split: the fixed seeded stratified split every such task uses.
        train, test = stratified_split(labels, test_fraction=0.25)
        return Dataset(take(frame, train), labels[train], take(frame, test), labels[test],
                       self.modality, classes=self.CLASSES)
