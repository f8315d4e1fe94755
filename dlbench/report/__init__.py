"""The run report: a self-contained ``index.html`` (figures inline, one template per section) and ``summary.csv``.

Owns presentation: figures (matplotlib SVG), templates, the list of sections. It reads the
store and asks ``analysis`` for the findings; it never imports ``engine``, ``solvers``,
TensorFlow, Keras or keras-tuner.
"""
