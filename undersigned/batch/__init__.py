"""Batches: planning a build, the manifest, input hashes, the worker pool."""
