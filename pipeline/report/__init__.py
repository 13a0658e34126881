"""Presentation of evaluation results: the terminal summaries, the HTML report and its plots."""
