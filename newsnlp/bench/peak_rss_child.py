"""`nlp ARGS...` in this process, then its peak RSS in MB on the last line of stdout.
`python -m newsnlp.bench.peak_rss_child run CONFIG -i PAGE -o OUT --quiet`"""

from __future__ import annotations

import runpy
import sys

from newsnlp.bench.processes import peak_rss_mb

if __name__ == "__main__":
    sys.argv = ["nlp", *sys.argv[1:]]
    try:
        runpy.run_module("newsnlp", run_name="__main__")
    except SystemExit:
        pass
    print(peak_rss_mb())
