#!/usr/bin/env bash
# Train the heads shipped in newsnlp/resources/ from the development sets in ../shared/data, for the
# packaged encoders (mpnet: the default; minilm: configs/fast.yaml; static: configs/turbo.yaml's
# static tier, whose sentiment head adds lexicon and word n-gram features). Seeded and deterministic: a
# rerun writes the same weights (the cards record the date). The heads trained on news teasers
# store no text of them (embedding features only; familiarity against 16 k-means centroids).
# The heads inherit their data's licenses (non-commercial / research); see each .json card.
# Usage: scripts/train_default_heads.sh [--set KEY=VALUE ...]   (e.g. --set cache.enabled=true)
#        ENCODERS="static" scripts/train_default_heads.sh            (one encoder's heads)
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1
if [ ! -d ../shared/data ]; then echo "../shared/data not found: the heads are trained on the development sets" >&2; exit 2; fi
# The open-web rows built for this project (configs/train-openweb-extra-*.yaml; README, Quality) live
# beside the checkout, never in it: the packaged heads were fitted with them; without them the heads
# are fitted on the shared sets alone (and differ).
extra_topics=(); extra_sentiment=()
if [ -f ../devdata/openweb_extra/openweb_extra.jsonl ]; then
  extra_topics=(--config configs/train-openweb-extra-topics.yaml); extra_sentiment=(--config configs/train-openweb-extra-sentiment.yaml)
else
  echo "note: ../devdata/openweb_extra/openweb_extra.jsonl not found: fitting without the project's own open-web rows" >&2
fi
for encoder in ${ENCODERS:-mpnet minilm static}; do
  run=(--set "encoder.model=$encoder")
  [ "$encoder" = static ] && run+=(--set tasks.sentiment.train.lexicon=true --set tasks.sentiment.train.ngrams=true)
  # MiniLM's cosines run lower: its own label-score and familiarity constants (as in configs/fast.yaml)
  [ "$encoder" = minilm ] && run+=(--set tasks.topics.label_center=0.225 --set tasks.topics.label_scale=0.032)
  echo "== $encoder: topics head: real news teasers (train files always fitted; dev file scored out of fold) + the open web"
  nlp train topics --config configs/train-news-topics.yaml --config configs/train-news-dev-topics.yaml \
    --config configs/train-openweb-topics.yaml "${extra_topics[@]}" "${run[@]}" "$@" --out "newsnlp/resources/topics_head_$encoder.npz"
  echo "== $encoder: sentiment head: real news teasers + Financial PhraseBank at weight 0.1 + the open web"
  nlp train sentiment --config configs/train-news-sentiment.yaml --config configs/train-news-dev-sentiment.yaml \
    --config configs/train-fpb-weighted.yaml --config configs/train-openweb-sentiment.yaml "${extra_sentiment[@]}" "${run[@]}" "$@" \
    --out "newsnlp/resources/sentiment_head_$encoder.npz"
  [ "$encoder" = static ] || [ -n "${SKIP_FINANCE:-}" ] && continue  # no finance head for the static tier (SKIP_FINANCE: its data did not change)
  echo "== $encoder: finance sentiment head (tasks.sentiment.head: finance): Financial PhraseBank alone"
  nlp train sentiment --config configs/eval-fpb.yaml "${run[@]}" --set tasks.sentiment.head_weight=1.0 \
    --set tasks.sentiment.train.lexicon=true --set tasks.sentiment.train.ngrams=true "$@" \
    --out "newsnlp/resources/sentiment_head_finance_$encoder.npz"
done
