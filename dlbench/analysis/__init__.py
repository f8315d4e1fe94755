"""What the stored results say: tables over cells, statistics, scaling-law fits and the findings (sentences, summary rows).

Owns pure functions over stored rows (and later stored predictions). It imports ``core``
only: never ``engine``, ``solvers``, TensorFlow, Keras or keras-tuner. It does not draw or
write HTML.
"""
