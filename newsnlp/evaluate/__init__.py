"""Quality measurement: metrics, and scoring of each task on labelled data."""

from newsnlp.evaluate.metrics import classification_metrics, rouge

__all__ = ["classification_metrics", "rouge"]
