"""Tiny random hub-style models built in code and saved to a folder, as `from_pretrained` expects:
a 2-layer BART with a byte-level BPE tokenizer, and 2-layer BERT sequence classifiers with any
labels (NLI or sentiment). Their outputs are random; the tests check the plumbing around them."""

from __future__ import annotations

import json
from pathlib import Path

WORDS = "the a of to in and is was on for said oil gas prices shares stocks market bank rose fell peace talks war president minister team game won".split()


def build_tiny_bart(folder: Path, max_positions: int = 64) -> Path:
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator([" ".join(WORDS)] * 5, vocab_size=300, min_frequency=1, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    merges = [tuple(m) for m in json.loads(bpe._tokenizer.to_str())["model"]["merges"]]
    tokenizer = BartTokenizer(vocab=bpe.get_vocab(), merges=merges, model_max_length=max_positions)
    config = BartConfig(
        vocab_size=len(tokenizer),
        d_model=32,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        max_position_embeddings=max_positions,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
        forced_bos_token_id=None,
        forced_eos_token_id=tokenizer.eos_token_id,
    )
    torch.manual_seed(0)
    model = BartForConditionalGeneration(config).eval()
    model.generation_config.max_length = 12  # what the model's own generation_config says
    model.generation_config.min_length = 4
    model.generation_config.num_beams = 2
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def build_tiny_classifier(folder: Path, labels: list[str], seed: int = 0) -> Path:
    """A 2-layer BERT sequence classifier whose id2label is `labels` (word-level vocabulary)."""
    import torch
    from transformers import (
        BertConfig,
        BertForSequenceClassification,
    )

    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", *WORDS, "this", "news", "about"]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = word_tokenizer(folder, vocab, model_max_length=64)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=37,
        max_position_embeddings=64,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={name: i for i, name in enumerate(labels)},
    )
    torch.manual_seed(seed)
    BertForSequenceClassification(config).eval().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def word_tokenizer(folder: Path, vocab: list[str], **kwargs):
    """A BERT tokenizer over `vocab` (written to vocab.txt): transformers 5 takes the vocabulary
    itself (given only vocab_file, it kept the five special tokens and read every word as [UNK])."""
    import inspect

    from transformers import BertTokenizerFast

    if "vocab" in inspect.signature(BertTokenizerFast.__init__).parameters:
        return BertTokenizerFast(vocab={token: i for i, token in enumerate(vocab)}, do_lower_case=True, **kwargs)
    return BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=True, **kwargs)


def build_tiny_bert(folder: Path) -> Path:
    """A 2-layer, 32-wide random BERT with a word-level vocabulary, saved like a hub model."""
    from transformers import BertConfig, BertModel

    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", *WORDS]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = word_tokenizer(folder, vocab)
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37, max_position_embeddings=64
    )
    import torch

    torch.manual_seed(0)
    BertModel(config).eval().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
