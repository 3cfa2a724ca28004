from __future__ import annotations

from pathlib import Path

import pytest

from modops.errors import NotFoundError, PolicyError
from modops.policy import Action, SeverityThresholds, load_policy, severity_for
from modops.policy.model import policy_from_dict


def test_default_policy_loads_and_is_strict() -> None:
    policy = load_policy("default")
    assert policy.name == "default"
    assert {"toxicity", "pii"} <= set(policy.enabled_detectors())
    assert policy.severity.harmful == 0.5


def test_policy_from_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from modops.config import reset_settings

    p = tmp_path / "mine.yaml"
    p.write_text("name: mine\ndetectors: {}\n")
    monkeypatch.setenv("MODOPS_POLICY", str(p))
    reset_settings()
    assert load_policy().name == "mine"


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0.0, "safe"),
        (0.1999, "safe"),
        (0.2, "potentially_harmful"),
        (0.4999, "potentially_harmful"),
        (0.5, "harmful"),
        (0.7999, "harmful"),
        (0.8, "extremely_harmful"),
        (1.0, "extremely_harmful"),
    ],
)
def test_severity_buckets(score: float, expected: str) -> None:
    assert severity_for(score, SeverityThresholds()) == expected


@pytest.mark.parametrize(
    ("label", "score", "expected"),
    [
        ("toxicity", 0.1, Action.ALLOW),
        ("toxicity", 0.5, Action.REVIEW),
        ("toxicity", 0.79, Action.REVIEW),
        ("toxicity", 0.95, Action.BLOCK),
        ("threat", 0.75, Action.BLOCK),
        ("unknown_label", 0.99, Action.ALLOW),
    ],
)
def test_most_severe_action_wins(label: str, score: float, expected: Action) -> None:
    action, _ = load_policy("default").action_for("toxicity", label, score)
    assert action is expected


def test_wildcard_rule() -> None:
    policy = policy_from_dict(
        {"name": "w", "detectors": {"request_guard": {"rules": [{"label": "*", "action": "block"}]}}}, "t"
    )
    assert policy.action_for("request_guard", "weapons", 0.9)[0] is Action.BLOCK
    assert policy.action_for("request_guard", "weapons", 0.1)[0] is Action.ALLOW


def test_disabled_detector_has_no_rules() -> None:
    policy = policy_from_dict(
        {
            "name": "d",
            "detectors": {"pii": {"enabled": False, "rules": [{"label": "*", "action": "redact"}]}},
        },
        "t",
    )
    assert policy.rules_for("pii") == []
    assert policy.enabled_detectors() == []


BAD_POLICIES = [
    ("name: x\nunknown_key: 1\n", "unknown_key"),
    (
        "name: x\ndetectors:\n  toxicity:\n    rules:\n      - {label: toxicity, action: block, threshold: 1.5}\n",
        "threshold",
    ),
    ("name: x\ndetectors:\n  toxicity:\n    rules:\n      - {label: toxicity, action: nuke}\n", "action"),
    ("name: x\nseverity: {potentially_harmful: 0.9, harmful: 0.5}\n", "non-decreasing"),
    ("- just\n- a list\n", "mapping"),
    ("name: [unclosed\n", "not valid YAML"),
    ("detectors: {}\n", "name"),
]


@pytest.mark.parametrize(("text", "needle"), BAD_POLICIES)
def test_invalid_policy_is_a_clear_error(tmp_path: Path, text: str, needle: str) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    with pytest.raises(PolicyError) as err:
        load_policy(p)
    assert needle in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_policy_never_falls_back(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        load_policy(tmp_path / "nope.yaml")
    with pytest.raises(NotFoundError):
        load_policy("no_such_shipped_policy")
