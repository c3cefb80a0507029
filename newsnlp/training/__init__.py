"""`nlp train`: heads fitted beside evaluation (rows, fitting, cross-validation, the card);
`newsnlp.heads` keeps what runs (predict, features)."""

from newsnlp.training.train import train_head

__all__ = ["train_head"]
