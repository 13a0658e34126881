"""Evaluation: metrics with bootstrap intervals, calibration, prevalence projection (no presentation)."""
