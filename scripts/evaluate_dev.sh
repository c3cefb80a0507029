#!/usr/bin/env bash
# Evaluate the default config on every development set in ../shared/data: one report per set
# under reports/<name>/ (metrics.json, report.md, plots, predictions.jsonl) and the tables on
# stdout. About 6 minutes on 2 cores. Usage: scripts/evaluate_dev.sh [--set KEY=VALUE ...]
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1
if [ ! -d ../shared/data ]; then echo "../shared/data not found: these are development-only data sets" >&2; exit 2; fi
for spec in topics:ag-news topics:reuters-r8 sentiment:fpb sentiment:sentence-polarity summarize:cnndm summarize:newsroom summarize:xsum; do
  task=${spec%%:*}; name=${spec#*:}
  echo "== nlp evaluate $task --config configs/eval-$name.yaml $*"
  nlp evaluate "$task" --config "configs/eval-$name.yaml" --report "reports/$name" "$@"
done
echo "== sentiment head, out-of-fold (nlp/resources/sentiment_head.json)"
python -c "import json; c=json.load(open('nlp/resources/sentiment_head.json')); print(c['data_file'], c['cv'])"
