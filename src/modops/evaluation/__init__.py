"""Evaluation: metrics with bootstrap CIs, comparisons, robustness, reports."""
