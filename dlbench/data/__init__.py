"""Data in: seeded splits, downloads with a cache and checksums, your own CSV/text/image folders, the data audit.

Owns getting examples into a :class:`~dlbench.core.task.Dataset` and checking them. It
depends on ``core`` only. It does not own solvers, cells or reports.
"""
