"""One size of the scale measurement: `nlp run`'s code path over INPUT into OUTPUT with the
JSON overrides, then its documents, seconds and peak RSS as one JSON line.
`python -m newsnlp.bench.scale_child INPUT OUTPUT '{"device": "cpu"}'`"""

from __future__ import annotations

import json
import sys

from newsnlp.bench.processes import peak_rss_mb
from newsnlp.config import load_config
from newsnlp.jobs.run import run_job


def main(source: str, output: str, overrides: str) -> None:
    config = load_config(None, {"input": source, "output.path": output, **json.loads(overrides)})
    result = run_job(config, progress=False)
    print(json.dumps({"documents": result.documents, "seconds": round(result.seconds, 1), "peak_rss_mb": round(peak_rss_mb(), 1)}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
