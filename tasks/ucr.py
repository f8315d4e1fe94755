"""UCR/UEA time-series classification archive tasks, with the archive's official train/test splits.

Six data sets ship with dlbench (``data/ucr``, the ``.ts`` files aeon's wheel carries, gzipped) and
work offline; every other archive data set is the online task ``ucr:dataset=NAME``, downloaded once
into the dlbench cache (``dlbench.data.download``). Series of unequal length (JapaneseVowels) are
resampled to the longest training length (see :mod:`dlbench.data.signals`).

Archive: H. A. Dau, A. Bagnall, E. Keogh et al., "The UCR time series archive", IEEE/CAA J. Autom.
Sinica 6(6), 2019; A. Bagnall et al., "The UEA multivariate time series classification archive,
2018", arXiv:1811.00075.
"""

from __future__ import annotations

import re
from pathlib import Path

from dlbench import Dataset, Task
from dlbench.core.errors import UsageError

DATA = Path(__file__).parent / "data" / "ucr"
ARCHIVE = ("H. A. Dau, A. Bagnall, E. Keogh et al.: The UCR time series archive (2019); A. Bagnall et al.: "
           "The UEA multivariate time series classification archive (2018)")
#: Where the archive's zips (``NAME.zip`` holding ``NAME_TRAIN.ts`` and ``NAME_TEST.ts``) are published.
ONLINE = "https://timeseriesclassification.com/aeon-toolkit/"


def _dataset(train: Path, test: Path, notes_for: str) -> Dataset:
    from dlbench.data import signals

    X, y, _ = signals.read_ts(train)
    X_test, y_test, _ = signals.read_ts(test)
    notes = []
    lengths = [len(s) for s in X + X_test]
    if len(set(lengths)) > 1:
        notes.append(f"resampled the series of {notes_for} (lengths {min(lengths)} to {max(lengths)}) to the "
                     f"longest training length, {max(len(s) for s in X)} steps, by linear interpolation")
    return Dataset(X, y, X_test, y_test, "signal", notes=notes)


class _ShippedUCR(Task):
    modality = "signal"
    source = ARCHIVE + "; files from the aeon toolkit's wheel"
    license = "free for research use with citation (UCR/UEA archive)"
    offline = True
    #: The archive's name of the data set (its file names).
    archive_name = ""

    def load(self) -> Dataset:
        return _dataset(DATA / f"{self.archive_name}_TRAIN.ts.gz", DATA / f"{self.archive_name}_TEST.ts.gz",
                        self.archive_name)


class GunPoint(_ShippedUCR):
    name = "gunpoint"
    archive_name = "GunPoint"
    description = "Hand motion (x coordinate): drawing a gun or pointing. UCR, 50/150 split, length 150."
    n_examples = 200
    n_classes = 2


class ArrowHead(_ShippedUCR):
    name = "arrowhead"
    archive_name = "ArrowHead"
    description = "Arrowhead outlines as 1-D series, three types. UCR, 36/175 split, length 251."
    n_examples = 211
    n_classes = 3


class ItalyPowerDemand(_ShippedUCR):
    name = "italy-power-demand"
    archive_name = "ItalyPowerDemand"
    description = "A day of Italian power demand: winter or summer? UCR, 67/1,029 split, length 24."
    n_examples = 1096
    n_classes = 2


class OSULeaf(_ShippedUCR):
    name = "osuleaf"
    archive_name = "OSULeaf"
    description = "Leaf outlines as 1-D series, six tree species. UCR, 200/242 split, length 427."
    n_examples = 442
    n_classes = 6


class BasicMotions(_ShippedUCR):
    name = "basic-motions"
    archive_name = "BasicMotions"
    description = "Smartwatch accelerometer and gyroscope (6 channels): walk, rest, run, badminton. UEA, 40/40."
    n_examples = 80
    n_classes = 4


class JapaneseVowels(_ShippedUCR):
    name = "japanese-vowels"
    archive_name = "JapaneseVowels"
    description = "Nine speakers saying /ae/, 12 LPC channels of 7-29 steps (variable length). UEA, 270/370."
    n_examples = 640
    n_classes = 9


class UCR(Task):
    """Any data set of the UCR/UEA archive by its archive name, downloaded once (``ucr:dataset=ECG200``)."""

    name = "ucr"
    modality = "signal"
    description = "Any UCR/UEA archive data set by name (ucr:dataset=ECG200), official split; downloaded once."
    source = ARCHIVE
    license = "free for research use with citation (UCR/UEA archive)"
    offline = False

    def __init__(self, dataset: str = "ECG200"):
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", str(dataset)):
            raise UsageError(f"ucr: dataset must be an archive name such as ECG200 or FordA, got {dataset!r}")
        self.dataset = str(dataset)

    def load(self) -> Dataset:
        import zipfile

        from dlbench.data.download import data_home, fetch

        name = self.dataset
        archive = fetch(ONLINE + f"{name}.zip", f"{name}.zip", None, subdir="ucr")
        folder = data_home() / "ucr" / name
        parts = {}
        try:
            with zipfile.ZipFile(archive) as zf:
                for member in zf.namelist():
                    for split in ("TRAIN", "TEST"):
                        if Path(member).name.lower() == f"{name}_{split}.ts".lower():
                            folder.mkdir(parents=True, exist_ok=True)
                            target = folder / f"{name}_{split}.ts"
                            target.write_bytes(zf.read(member))
                            parts[split] = target
        except zipfile.BadZipFile:
            raise UsageError(f"{archive} is not a zip archive: delete it to download it again") from None
        if set(parts) != {"TRAIN", "TEST"}:
            raise UsageError(f"{archive} holds no {name}_TRAIN.ts and {name}_TEST.ts: is {name!r} spelled as in the "
                             "archive (case matters, e.g. ECG200, FordA)?")
        return _dataset(parts["TRAIN"], parts["TEST"], name)
