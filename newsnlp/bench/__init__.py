"""`nlp bench`: how much faster the pipeline is than what users write by hand, measured in one
run, on the same texts and machine, as ratios (rates on a shared machine vary; ratios less so).

- naive: per text, tokenizer → model → mean pooling at batch size 1 in fp32, one pass per task
  that reads embeddings (topics and sentiment: two passes over the teasers), each article's
  sentences one at a time, then the same task heads;
- ours: `Pipeline.process` (one length-sorted pass of the shared encoder, identical texts once),
  on torch fp32, on the config's own backend, on ONNX Runtime fp32 and int8, and on OpenVINO
  (bf16 where the CPU has it) when openvino is installed; on a GPU each is warmed on the whole
  corpus and timed as the best of three passes;
- peers: sentence-transformers' `encode` (batch 32) on the same texts, and the transformers
  zero-shot-classification pipeline against our NLI method (200 texts × 4 labels);
- the encoder's achieved GFLOP/s as a share of a large matmul's on its device (fp32 on a CPU, the
  run's dtype on a GPU), measured in the same run;
- start-up: `nlp run` on the seed in a new process against a bare script (imports, load, encode);
- with `scale`: 10,000 and 100,000 short documents through `nlp run`'s code path in child
  processes, and the ratio of their peak RSS (streaming keeps it flat).

Texts (`texts`): 1,000 teasers and 50 lead articles from a data folder given with `--data` (AG
News descriptions, CNN/DailyMail articles, as in ../shared/data), otherwise generated
deterministically from the packaged label examples: nothing depends on the checkout's layout.

Modules: `measure` (the bench and its figures), `texts`, `naive` (the hand-written baseline),
`peers` (sentence-transformers' and transformers' own, FLOPs), `processes` (start-up and scale in
new processes, which run the `*_child` modules with `python -m`).
"""
