"""The one MLflow pyfunc wrapper every detector artifact uses.

``predict`` takes a DataFrame with the detector's input column (``text`` for text
detectors) and returns one row per item: ``findings`` as JSON and ``score`` (max
finding score). Online code unwraps the python model and calls ``detector``
directly, so there is no DataFrame round-trip on the hot path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from mlflow.pyfunc import PythonModel

from modops.core import Detector
from modops.detectors.bundle import read_bundle


def detector_from_bundle(folder: Path) -> Detector:
    """Build the detector a bundle describes (validates the bundle first)."""
    from modops.core import get_detector_spec

    meta = read_bundle(folder)
    return get_detector_spec(meta.detector).factory(Path(folder))


class DetectorModel(PythonModel):
    """Pyfunc model around a detector bundle (artifact key ``bundle``)."""

    detector: Detector

    def load_context(self, context: Any) -> None:
        self.detector = detector_from_bundle(Path(context.artifacts["bundle"]))

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        column = "text" if "text" in model_input.columns else model_input.columns[0]
        items = model_input[column].tolist()
        findings = self.detector.analyze(items)
        return pd.DataFrame(
            {
                "score": [max((f.score for f in fs), default=0.0) for fs in findings],
                "findings": [json.dumps([f.to_dict() for f in fs]) for fs in findings],
            }
        )
