"""Monitoring: the prediction log (what the service decided), drift/skew and retrain triggers."""

from modops.monitoring.prediction_log import PredictionLog, PredictionRecord, default_log_path, salted_hash

__all__ = ["PredictionLog", "PredictionRecord", "default_log_path", "salted_hash"]
