"""The fitted model: the scikit-learn pipeline built from the config, its predictions, and its folder on disk."""
