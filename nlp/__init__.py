"""nlp: summarize news pages, classify teasers by topic and score sentiment, offline-first.

from nlp import Pipeline, load_config
records = Pipeline(load_config("configs/default.yaml")).process(docs)   # an iterator
"""

from nlp.config import RunConfig, load_config
from nlp.documents import Document, iter_documents, parse_page
from nlp.engine.job import run_job
from nlp.engine.pipeline import Pipeline
from nlp.errors import ConfigError, InputError, ModelError, NlpError
from nlp.version import VERSION as __version__

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
