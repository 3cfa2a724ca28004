"""Datasets: the content-addressed store, readers, loaders for the public sets, splits and QC.

Public API (import from the submodules; nothing heavy is imported here):

- ``modops.data.store``: ``DatasetStore``, ``DatasetVersion``, ``get_store()``;
- ``modops.data.io``: ``read_table(path, fmt, mapping)`` and the strict CSV/JSONL/Parquet readers;
- ``modops.data.loaders``: ``LOADERS``, ``load(name)``, ``import_dataset(name)``;
- ``modops.data.split``: ``split_frame(df, ...)``, ``near_duplicate_groups(texts, threshold)``;
- ``modops.data.qc``: ``run_qc(df, ...) -> QCReport``.
"""
