"""The on-disk index: corpus scan, manifest, build, load, versions."""
