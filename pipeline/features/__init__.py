"""Feature extraction: the fitted TF-IDF vectoriser, its per-run prediction back-end, text familiarity."""
