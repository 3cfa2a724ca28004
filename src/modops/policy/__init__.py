"""Taxonomy and policy: which label triggers which action at which threshold."""

from modops.policy.model import (
    ACTION_ORDER,
    SEVERITIES,
    Action,
    DetectorPolicy,
    Policy,
    Rule,
    SeverityThresholds,
    load_policy,
    severity_for,
)

__all__ = [
    "ACTION_ORDER",
    "SEVERITIES",
    "Action",
    "DetectorPolicy",
    "Policy",
    "Rule",
    "SeverityThresholds",
    "load_policy",
    "severity_for",
]
