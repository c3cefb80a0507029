#!/usr/bin/env bash
# Train the heads shipped in nlp/resources/ from the development sets in ../shared/data.
# Seeded and deterministic: a rerun writes the same weights (the cards record the date).
# The heads inherit their data's licenses (non-commercial / research); see each .json card.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1
if [ ! -d ../shared/data ]; then echo "../shared/data not found: the heads are trained on the development sets" >&2; exit 2; fi
echo "== sentiment head: Financial PhraseBank (majority agreement)"
nlp train sentiment --config configs/eval-fpb.yaml --out nlp/resources/sentiment_head.npz
echo "== topics head: AG News dev half + Reuters R8"
nlp train topics --config configs/eval-ag-news.yaml --config configs/eval-reuters-r8.yaml \
  --out nlp/resources/topics_head.npz
