"""Labelling files: chunked prediction, worker processes, resume, progress, the Dask engine."""
