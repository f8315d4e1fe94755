"""The SMS Spam Collection v.1 (shipped in ``data/sms_spam`` with its attribution)."""

from __future__ import annotations

import re
from pathlib import Path

from dlbench import Dataset, Task
from dlbench.data.splits import stratified_split

DATA = Path(__file__).parent / "data" / "sms_spam" / "SMSSpamCollection.tsv.gz"

#: What a person would look for in spam: any one of these makes a message spam. Written
#: (and checked) on the training messages only. "$" and a bare "free" are left out on purpose:
#: both are common in ham here ("a $1 burger", "feel free"); "won" must not be "won't".
SPAM_SIGNS = re.compile(
    "|".join([
        r"\d{5,}",  # a phone number or premium short code: 5+ digits in a row
        r"£|\b\d+p\b",  # a price in pounds or pence ("150p")
        r"\b(claim|prizes?|won(?!')|winner|urgent|cash|awarded|guaranteed|txt|ringtones?|vouchers?)\b",
        r"\bcall (now|free)\b",
        r"www\.|https?://",
        r"\bt\s?&\s?cs?\b|\b18\+",  # "T&Cs apply", "18+"
    ]),
    re.IGNORECASE,
)


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

    def rules(self, X):
        """Hand-written rules: ``spam`` when a message shows any of the :data:`SPAM_SIGNS`, else ``ham``."""
        import numpy as np

        return np.array(["spam" if SPAM_SIGNS.search(text) else "ham" for text in X])
