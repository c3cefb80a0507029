"""`nlp train`: heads fitted beside evaluation (rows, fitting, cross-validation, the card);
`nlp.heads` keeps what runs (predict, features)."""

from nlp.training.train import train_head

__all__ = ["train_head"]
