"""`nlp serve`: the pipeline over HTTP (`create_app`)."""

from nlp.serve.app import create_app

__all__ = ["create_app"]
