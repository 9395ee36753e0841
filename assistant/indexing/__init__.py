"""The on-disk index: segments, commit points and their manifest, built and read.

Modules, in the order data flows: ``scan`` (the corpus folder: which files, skipped
entries, hashes), ``plan`` (what changed since the live manifest), ``build`` (build,
update, optimize: one code path), ``add`` (copy files in, then update), ``segments`` (one immutable segment: write, read
with structure checks, merge), ``manifest`` (the typed, fingerprinted manifest),
``versions`` (commit points, CURRENT, the writer lock, cleaning), ``load`` (the live
index for search; status). ``index`` and ``update`` re-export the old import paths.
"""
