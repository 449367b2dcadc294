"""The data file behind every default: units, citations, tags; scenario validation."""

from __future__ import annotations

import pytest

from rlscale.econ.assumptions import (defaults, hardware_profiles, load_data, load_scenario,
                                      resolve)
from rlscale.errors import RlscaleError

TAGS = {"E", "S", "D", "A"}


def _numbers(data):
    """Every {value, unit, citation, tag} record of defaults.toml."""
    for name, spec in data["hardware"].items():
        for field in ("peak_flops", "watts"):
            yield f"hardware.{name}.{field}", spec[field]
    for sec in ("constants", "published"):
        for key, rec in data[sec].items():
            yield f"{sec}.{key}", rec
    for sec, entries in data["assumptions"].items():
        for key, rec in entries.items():
            yield f"assumptions.{sec}.{key}", rec


def test_every_number_has_unit_citation_and_tag():
    records = list(_numbers(load_data()))
    assert len(records) >= 40
    for name, rec in records:
        assert "value" in rec, name
        assert rec.get("unit", "").strip(), f"{name} has no unit"
        assert len(rec.get("citation", "").strip()) > 10, f"{name} has no citation"
        assert rec.get("tag") in TAGS, f"{name} has tag {rec.get('tag')!r}"


def test_reference_figures_are_as_published():
    hw = hardware_profiles()
    assert set(hw) >= {"H100", "H200", "B200"}
    assert hw["H100"].watts == 700 and hw["H100"].peak_flops == pytest.approx(989e12)
    a = defaults()
    assert a.value("electricity.world_twh_per_year") == 29_471
    assert "Ember" in a["electricity.world_twh_per_year"].citation
    assert a.value("grok4.gpus") == 200_000


def test_pretrain_inference_oom_matches_the_core():
    from rlscale.convert import DEFAULT_PRETRAIN_INFERENCE_OOM

    assert defaults().value("exchange.pretrain_inference_oom") == DEFAULT_PRETRAIN_INFERENCE_OOM


def test_default_lies_inside_its_plausible_range():
    for a in defaults():
        if a.range is not None:
            assert a.range[0] <= a.value <= a.range[1], a.key
            assert a.range_source, a.key


def test_profile_switch_carries_its_figures_unless_overridden(tmp_path):
    a = resolve(overrides={"hardware.profile": "B200"})
    assert a.value("hardware.peak_flops") == pytest.approx(2.25e15)
    assert a.value("hardware.watts") == 1000
    f = tmp_path / "s.toml"
    f.write_text('[hardware]\nprofile = "B200"\nwatts = 1200.0\n')
    a = resolve(f)
    assert a.value("hardware.watts") == 1200 and a["hardware.watts"].source == "scenario s.toml"
    assert a.value("hardware.peak_flops") == pytest.approx(2.25e15)


def test_flags_win_over_scenario(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('name = "x"\n[hardware]\npue = 1.2\n')
    assert resolve(f).value("hardware.pue") == 1.2
    a = resolve(f, {"hardware.pue": 1.4})
    assert a.value("hardware.pue") == 1.4 and a["hardware.pue"].source == "command line"


@pytest.mark.parametrize("text, match", [
    ("[hardware]\nwats = 5.0\n", "key 'hardware.wats': unknown key"),
    ("[hardwar]\nwatts = 5.0\n", "key 'hardwar': unknown key"),
    ("[hardware]\nwatts = -700.0\n", "key 'hardware.watts': Input should be greater than 0"),
    ("[hardware]\nutilisation = 1.5\n", "key 'hardware.utilisation': Input should be less than"),
    ("[hardware]\nutilisation = \"high\"\n", "key 'hardware.utilisation': Input should be a valid"),
    ("[hardware]\npue = 0.9\n", "key 'hardware.pue'"),
    ("[grok4]\ngpus = 1.5\n", "key 'grok4.gpus'"),
    ("[hardware]\nprofile = \"A100\"\n", "key 'hardware.profile'"),
    ("[hardware\n", "not valid TOML"),
])
def test_bad_scenarios_name_file_key_and_rule(tmp_path, text, match):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(RlscaleError, match=match) as exc:
        load_scenario(f)
    assert str(f) in str(exc.value) and "\n" not in str(exc.value)


def test_example_scenarios_are_valid():
    from pathlib import Path

    files = sorted((Path(__file__).resolve().parents[1] / "examples" / "scenarios").glob("*.toml"))
    assert len(files) >= 3
    for f in files:
        assert load_scenario(f), f
