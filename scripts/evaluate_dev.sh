#!/usr/bin/env bash
# Quality on every development set in ../shared/data, README's Quality section in order:
#  1. the two kinds of figures, each default beside the zero-shot prototypes: news dev (out of fold)
#     and out of source (scripts/quality_tables.py);
#  2. summaries, leaving one dataset out (scripts/choose_summary_knobs.py);
#  3. one report per set under reports/<encoder>/<name>/ (metrics.json, report.md, plots, predictions).
# Usage: scripts/evaluate_dev.sh [mpnet|minilm]   (mpnet: the default; minilm: the fast preset)
# Embeddings are cached on disk (cache.enabled), so reruns are quick; a first MPNet run takes
# about half an hour on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1
if [ ! -d ../shared/data ]; then echo "../shared/data not found: these are development-only data sets" >&2; exit 2; fi
encoder=${1:-mpnet}
config=configs/default.yaml; [ "$encoder" = minilm ] && config=configs/fast.yaml
echo "== 1. news dev and out-of-source figures ($encoder)"
python scripts/quality_tables.py "$encoder"
echo "== 2. summaries, leaving one dataset out ($encoder)"
python scripts/choose_summary_knobs.py "$encoder"
echo "== 3. reports per set: nlp evaluate TASK --config configs/eval-NAME.yaml with $config's keys"
sets=$(python scripts/quality_tables.py --preset-sets "$encoder")
for spec in topics:news-teasers topics:ag-news topics:reuters-r8 sentiment:news-sentiment sentiment:fpb sentiment:sentence-polarity \
            summarize:cnndm summarize:newsroom summarize:xsum; do
  task=${spec%%:*}; name=${spec#*:}
  echo "-- nlp evaluate $task --config configs/eval-$name.yaml $sets"
  # shellcheck disable=SC2086
  nlp evaluate "$task" --config "configs/eval-$name.yaml" $sets --report "reports/$encoder/$name"
done
