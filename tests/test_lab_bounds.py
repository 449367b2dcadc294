"""Bounds before work: every setting's range, the memory estimate, config files of the wrong shape.

Each refusal is one line on stderr, exit 2, before anything is written, within 2 s of CPU time
(CPU, not wall time: the machine may be shared; the modules are imported once before timing).
"""

from __future__ import annotations

import json
import time

import pytest

from rlscale.cli import main
from rlscale.errors import RlscaleError
from rlscale.lab.config import EvalSettings, LabConfig, RLSettings, resolve_config


def cli(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


@pytest.fixture(autouse=True, scope="module")
def _imported():
    resolve_config("quick")     # the first call imports the lab's config modules


def refused(tmp_path, capsys, text: str, name: str = "c.json") -> str:
    path = tmp_path / name
    path.write_text(text)
    t0 = time.process_time()
    code, out, err = cli(["lab", "run", "--config", str(path), "-o", str(tmp_path / "r")], capsys)
    elapsed = time.process_time() - t0
    assert code == 2 and out == "", err
    assert err.count("\n") == 1 and str(path) in err, err
    assert not (tmp_path / "r").exists()
    assert elapsed < 2.0, f"refusal took {elapsed:.1f} s"
    return err


@pytest.mark.parametrize("section,key,value,needle", [
    ("eval", "num_problems", 1e9, "eval.num_problems' must be"),
    ("pretrain", "batch_size", 1e9, "pretrain.batch_size' must be"),
    ("rl", "prompts_per_step", 1e9, "rl.prompts_per_step' must be"),
    ("eval", "samples_per_problem", 1e9, "eval.samples_per_problem' must be"),
    ("model", "depth", 10000, "model.depth' must be"),
    ("rl", "max_completion_length", 1e9, "rl.max_completion_length' must be"),
    (None, "threads", 1e6, "threads' must be"),
    (None, "seed", -1, "seed' must be"),
    ("eval", "num_problems", 1_000_000_000, "eval.num_problems' must be"),
])
def test_huge_settings_are_refused_before_any_work(tmp_path, capsys, section, key, value, needle):
    doc = {key: value} if section is None else {section: {key: value}}
    assert needle in refused(tmp_path, capsys, json.dumps(doc))


@pytest.mark.parametrize("doc,part", [
    ({"rl": {"prompts_per_step": 60000}}, "rl.prompts_per_step x rl.num_generations"),
    ({"eval": {"num_problems": 100000, "samples_per_problem": 65536}},
     "eval.num_problems x eval.samples_per_problem"),
    ({"pretrain": {"batch_size": 65536}, "model": {"depth": 16}}, "GiB"),
])
def test_combinations_the_machine_cannot_hold_are_refused_with_the_estimate(tmp_path, capsys,
                                                                            doc, part):
    err = refused(tmp_path, capsys, json.dumps(doc))
    assert "estimated peak memory" in err and "limit" in err and part in err


def test_more_threads_than_cpus_is_refused(tmp_path, capsys):
    import os

    err = refused(tmp_path, capsys, json.dumps({"threads": (os.cpu_count() or 1) + 1}))
    assert "CPUs" in err


def test_more_test_problems_than_the_task_has_is_refused(tmp_path, capsys):
    doc = {"task": {"difficulty": 1}, "eval": {"num_problems": 50}}
    assert "about 10 of them test problems" in refused(tmp_path, capsys, json.dumps(doc))


def test_duplicate_strategies_are_refused_at_config_time(tmp_path, capsys):
    doc = {"eval": {"strategies": ["pass@k", "maj@k", "pass@k"]}}
    assert "'pass@k' more than once" in refused(tmp_path, capsys, json.dumps(doc))


@pytest.mark.parametrize("text,name,needle", [
    ("[1, 2]", "c.json", "not a list"),
    ('"quick"', "c.json", "not a string"),
    ("5", "c.json", "not a number"),
    ("[" * 100_000 + "]" * 100_000, "c.json", "nested too deeply"),
    ("a = " + "[" * 100_000 + "]" * 100_000, "c.toml", "nested too deeply"),
    ('{"rl": [1]}', "c.json", "section 'rl' must be a table"),
    ('{"rl": {"steps": "many"}}', "c.json", "expected a number"),
    ('{"rl": {"steps": 2.5}}', "c.json", "expected an integer"),
    ("", "c.json", "cannot parse"),
])
def test_config_files_of_the_wrong_shape_are_one_line(tmp_path, capsys, text, name, needle):
    assert needle in refused(tmp_path, capsys, text, name)


def test_invalid_settings_cannot_be_built_in_python_either():
    with pytest.raises(RlscaleError, match="rl.num_generations' must be >= 2"):
        RLSettings(num_generations=1)
    rl = RLSettings()
    with pytest.raises(RlscaleError, match="rl.steps"):
        rl.steps = 0
    assert rl.steps == 256
    with pytest.raises(RlscaleError, match="exceeds rl.steps"):
        RLSettings(steps=4, num_checkpoints=5)
    with pytest.raises(RlscaleError, match="more than once"):
        EvalSettings(strategies=["maj@k", "maj@k"])
    with pytest.raises(RlscaleError, match="expected RLSettings"):
        LabConfig(rl={"steps": 3})
    assert RLSettings(steps=300.0).steps == 300   # an integral float is an integer


def test_presets_fit_the_machine_and_keep_their_digests():
    # the config.json of runs made before the rules moved into the fields must still resume
    assert resolve_config("quick").digest() == \
        "7f61e7386319978b839c7df92623c77e28916e5093b37150fd0c04784fa07243"
    assert resolve_config("default").digest() == \
        "2b14726640815eda0ea740e998917a55b65d8fb178bfe1201d98a1d5ce9dcaa2"
