#!/usr/bin/env bash
# Evaluate the default config on every development set in ../shared/data: one report per set
# under reports/<name>/ (metrics.json, report.md, plots, predictions.jsonl) and the tables on
# stdout. About 5 minutes on 2 cores. Usage: scripts/evaluate_dev.sh [--set KEY=VALUE ...]
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1
if [ ! -d ../shared/data ]; then echo "../shared/data not found: these are development-only data sets" >&2; exit 2; fi
for spec in topics:ag-news topics:reuters-r8 sentiment:fpb sentiment:sentence-polarity summarize:cnndm summarize:newsroom summarize:xsum; do
  task=${spec%%:*}; name=${spec#*:}
  echo "== nlp evaluate $task --config configs/eval-$name.yaml $*"
  nlp evaluate "$task" --config "configs/eval-$name.yaml" --report "reports/$name" "$@"
done
echo "== packaged heads, out-of-fold cross-validation (their figures on the data they were trained on)"
for task in sentiment topics; do
  python -c "import json,sys; c=json.load(open('nlp/resources/${task}_head.json')); print('$task', c['data_files'], 'cv', c['cv'], 'per file', c.get('cv_by_source', '-'), 'teaser cuts per file', c.get('cv_teasers_by_source', '-'), 'held-out', c.get('source_held_out', '-'), 'zero-shot', c.get('zero_shot_by_source', '-'))"
done
