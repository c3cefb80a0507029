"""newsnlp (the `nlp` command): summarize news pages, classify teasers by topic and score sentiment, offline-first.

from newsnlp import Pipeline, load_config
records = Pipeline(load_config("configs/default.yaml")).process(docs)   # an iterator
"""

from newsnlp.config import RunConfig, load_config
from newsnlp.documents import Document, iter_documents, parse_page
from newsnlp.engine.pipeline import Pipeline
from newsnlp.errors import ConfigError, InputError, ModelError, NlpError
from newsnlp.jobs.run import run_job
from newsnlp.version import VERSION as __version__

__all__ = [
    "__version__",
    "ConfigError",
    "Document",
    "InputError",
    "ModelError",
    "NlpError",
    "Pipeline",
    "RunConfig",
    "iter_documents",
    "load_config",
    "parse_page",
    "run_job",
]
