"""Text before features: the normaliser (evasions undone), the spaCy tokeniser, the military end-use markers."""
