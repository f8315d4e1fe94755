"""The SMS Spam Collection v.1 (shipped in ``data/sms_spam`` with its attribution)."""

from __future__ import annotations

from pathlib import Path

from dlbench import Dataset, Task
from dlbench.splits import stratified_split

DATA = Path(__file__).parent / "data" / "sms_spam" / "SMSSpamCollection.tsv.gz"


class SMSSpam(Task):
    name = "sms-spam"
    modality = "text"
    description = "Is an English SMS message spam or ham? 5,574 messages, 13% spam."
    source = (
        "T. A. Almeida, J. M. Gomez Hidalgo, A. Yamakami: Contributions to the Study of SMS Spam "
        "Filtering, ACM DocEng 2011; UCI ML Repository id 228"
    )
    license = "CC BY 4.0"
    n_examples = 5574
    n_classes = 2

    def load(self) -> Dataset:
        import gzip

        import numpy as np

        with gzip.open(DATA, "rt", encoding="utf-8") as fh:
            next(fh)  # header: Label<TAB>SMS
            rows = [line.rstrip("\n").split("\t", 1) for line in fh if line.strip()]
        labels = np.array([label for label, _ in rows])
        texts = np.array([text for _, text in rows], dtype=object)
        train, test = stratified_split(labels, test_fraction=0.25)
        return Dataset(texts[train], labels[train], texts[test], labels[test], self.modality)
