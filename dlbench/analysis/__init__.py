"""What the stored results say: tables over cells, statistics, scaling-law fits and the findings (sentences, summary rows).

Owns pure functions over stored rows and predictions, and the findings' types (``records``,
``task_findings``): ``findings.analyse`` returns a typed ``Findings`` that the report, the
terminal and the API read, and ``Findings.to_dict()`` is its JSON-able form. It imports ``core``
only: never ``engine``, ``solvers``, TensorFlow, Keras or keras-tuner. It does not draw or
write HTML.
"""
