"""Config validation: every mistake is reported at once, by its YAML path, with hints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pager import config
from pager.config import docs
from pager.errors import ConfigError
from pager.zones import Routing
from tests.conftest import EXAMPLE_CONFIG


def minimal(**extra: Any) -> dict[str, Any]:
    return {"zones": {"hall": {"channels": [1, 2]}, "food": {"channels": [3]}}, **extra}


def problems(document: Any) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        config.parse(document, "test.yaml")
    return caught.value.problems


def test_example_config_loads_with_its_routing() -> None:
    cfg = config.load(EXAMPLE_CONFIG)
    assert cfg.node == "mpp-pasar"
    assert cfg.audio.channels == 8
    assert set(cfg.zones) == {"tenant-hall", "waiting-area", "market-shops", "trade-centre",
                              "food-court"}  # fmt: skip
    assert Routing.of(cfg).route("8").zones == tuple(cfg.zones)
    assert cfg.counters["1"].service == "SIM"


def test_defaults_fill_what_is_left_out() -> None:
    cfg = config.parse(minimal())
    assert cfg.mqtt.topic_prefix == "pager" and cfg.mqtt.port == 1883
    assert cfg.audio.sample_rate == 48000 and cfg.audio.output == "device"
    assert "{ticket}" in cfg.announcement.template
    assert cfg.client_id == f"pager-{cfg.node}"
    assert cfg.node  # the host name


def test_config_is_frozen() -> None:
    cfg = config.parse(minimal())
    with pytest.raises(AttributeError):
        cfg.node = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (minimal(audio={"sampel_rate": 44100}), 'audio.sampel_rate: unknown key (did you mean "sample_rate"?)'),
        (minimal(mqtt={"prot": 1}), 'mqtt.prot: unknown key (did you mean "port"?)'),
        (minimal(zone={}), 'zone: unknown key (did you mean "zones"?)'),
        (minimal(mqtt={"port": "x"}), "mqtt.port: must be a whole number, not str 'x'"),
        (minimal(mqtt={"port": 70000}), "mqtt.port: 70000 is outside 1..65535"),
        (minimal(mqtt={"topic_prefix": "a/#"}), "mqtt.topic_prefix: must not contain MQTT wildcards"),
        (minimal(audio={"output": "wave"}), "audio.output: 'wave' is not one of device, wav, null (did you mean \"wav\"?)"),
        (minimal(audio={"latency": "lowest"}), "audio.latency: must be low, high or seconds"),
        (minimal(audio={"device": [1]}), "audio.device: must be a device name or index"),
        (minimal(announcement={"template": "Nomor {tiket}"}), 'announcement.template: unknown field {tiket} (did you mean "ticket"?)'),
        (minimal(announcement={"template": "Loket {counter}"}), "announcement.template: must contain {ticket}"),
        (minimal(announcement={"template": "Nomor {ticket"}), "announcement.template: is not a valid template"),
        (minimal(announcement={"chime": "missing.wav"}), "announcement.chime: file"),
        (minimal(announcement={"voice_pack": "no-such-folder"}), "announcement.voice_pack: folder"),
        (minimal(announcement={"loudness_lufs": -10}), "announcement.loudness_lufs: -10 is outside -23..-12"),
        (minimal(announcement={"ticket_zeros": "say"}), "announcement.ticket_zeros: 'say' is not one of skip, read"),
        (minimal(announcement={"rate": 5}), "announcement.rate: 5 is outside 80..400"),
        (minimal(announcement={"lexicon": {"KTP": ""}}), "announcement.lexicon.KTP: must be the spoken form"),
        ({"zones": {"hall": {"channels": [1, 9]}}}, "zones.hall.channels[1]: channel 9 > 8 channels (audio.channels)"),
        ({"zones": {"hall": {"channels": [0]}}}, "zones.hall.channels[0]: 0 is not an output number"),
        ({"zones": {"a": {"channels": [1]}, "b": {"channels": [1]}}}, "zones.b.channels[0]: channel 1 already belongs to zone a"),
        ({"zones": {"hall": {}}}, "zones.hall.channels: is missing"),
        ({"zones": {"hall": {"channels": [1], "gain": 3}}}, 'zones.hall.gain: unknown key (did you mean "gain_db"?)'),
        ({"zones": {"hall": {"channels": [1], "gain_db": 20}}}, "zones.hall.gain_db: 20 is outside -60..6"),
        ({}, "zones: must map at least one zone name"),
        (minimal(groups={"all": ["hall", "fod"]}), 'groups.all[1]: unknown zone fod (did you mean "food"?)'),
        (minimal(groups={"hall": ["food"]}), "groups.hall: a zone is already called hall"),
        (minimal(counters={"5": {"zones": ["hal"]}}), 'counters.5.zones[0]: unknown zone or group hal (did you mean "hall"?)'),
        (minimal(counters={"5": {"zone": ["hall"]}}), 'counters.5.zone: unknown key (did you mean "zones"?)'),
        (minimal(counters={"5": {"zones": []}}), "counters.5.zones: must be a non-empty list"),
        (minimal(counters={"a/b": {"zones": ["hall"]}}), "counters.a/b: counter ids are 1-32 letters"),
        (minimal(default_zones=["everywhere"]), "default_zones[0]: unknown zone or group everywhere"),
        (minimal(node="a/b"), "node: must not contain / + or #"),
        ([1, 2], "must be a mapping of keys, not list"),
        (minimal(scheduling={"fade_ms": 80}), "scheduling.fade_ms: 80 is outside 1..50"),
        (minimal(scheduling={"partial": ["urgent"]}), "scheduling.partial: must be a list of call, announcement, emergency"),
        (minimal(scheduling={"stop_grace": 5}), 'scheduling.stop_grace: unknown key (did you mean "stop_grace_s"?)'),
        (minimal(scheduling={"max_repeats": 11}), "scheduling.max_repeats: 11 is outside 0..10"),
        (minimal(scheduling={"supersede": "no"}), "scheduling.supersede: must be true or false, not"),
        (minimal(mqtt={"session_expiry_s": -1}), "mqtt.session_expiry_s: -1 is outside"),
        (minimal(announcement={"repeat_prefix": "Panggilan {nomor}"}), "announcement.repeat_prefix: only {ordinal} may be used"),
        (minimal(music={"attack": 5}), 'music.attack: unknown key (did you mean "attack_ms"?)'),
        (minimal(state_dir=""), "state_dir: must be a non-empty string"),
    ],
)  # fmt: skip
def test_each_mistake_is_named_by_its_yaml_path(document: Any, expected: str) -> None:
    found = problems(document)
    assert any(p.startswith(expected) for p in found), found


def test_all_mistakes_are_reported_together() -> None:
    found = problems(
        {
            "audio": {"channels": 4, "blocksize": 1},
            "zones": {"hall": {"channels": [5]}},
            "counters": {"1": {"zones": ["nowhere"]}},
        }
    )
    assert len(found) == 3, found
    message = str(ConfigError("test.yaml", found))
    assert message.startswith("test.yaml: 3 mistakes in the configuration:")


def test_counter_ids_written_as_numbers_are_strings(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(minimal(counters={5: {"zones": "hall", "service": "Pajak"}})))
    cfg = config.load(path)
    assert cfg.counters["5"].zones == ("hall",)


def test_a_chime_file_is_relative_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "ding.wav").write_bytes(b"")
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(minimal(announcement={"chime": "ding.wav"})))
    assert config.load(path).announcement.chime == str(tmp_path / "ding.wav")


def test_unreadable_and_invalid_yaml_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the file"):
        config.load(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("zones: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        config.load(broken)


def test_the_configuration_reference_is_the_declarations_and_rules() -> None:
    reference = docs.REFERENCE.read_text(encoding="utf-8")
    assert docs.update(reference) == reference, "run: python -m pager.config.docs"
    for name in [*docs.TABLES, "rules"]:
        assert f"<!-- config:{name} -->" in reference, name
    assert "| `scheduling.fade_ms` | number 1..50 | 20 | restart |" in reference
    assert "| `mqtt` | The broker password is given once" in reference


def test_a_reload_may_change_live_keys_and_names_each_restart_only_key() -> None:
    running = config.parse(minimal())
    live = config.parse(
        minimal(counters={"5": {"zones": ["food"]}}, scheduling={"max_age_s": 60},
                announcement={"rate": 120})
    )  # fmt: skip
    assert config.restart_changes(running, live) == []
    moved = config.parse(
        minimal(audio={"channels": 16}, mqtt={"port": 1884}, scheduling={"fade_ms": 5})
    )
    assert [c.split(":")[0] for c in config.restart_changes(running, moved)] == [
        "mqtt.port", "audio.channels", "scheduling.fade_ms",
    ]  # fmt: skip
    assert (
        "audio.channels: changed from 8 to 16; this takes a restart"
        in (config.restart_changes(running, moved)[1])
    )


def test_pronunciations_are_checked_word_by_word() -> None:
    cfg = config.parse(minimal(announcement={"pronunciations": {"Loket": "l o k e t"}}))
    assert cfg.announcement.pronunciations == {"loket": "l o k e t"}
    found = problems(minimal(announcement={"pronunciations": {"loket": "l o k θ t"}}))
    assert found == [
        'announcement.pronunciations.loket: "θ" is not a phoneme pager knows; use: '
        + " ".join(sorted({"tʃ", "dʒ", "a", "ə", "e", "ɛ", "i", "o", "ɔ", "u", "b", "d", "f",
                           "ɡ", "h", "j", "k", "l", "m", "n", "ŋ", "ɲ", "p", "r", "s", "ʃ",
                           "t", "v", "w", "x", "z", "ʔ", "ˈ"}))
    ]  # fmt: skip
    found = problems(minimal(announcement={"pronunciations": {"two words": "a"}}))
    assert found == ["announcement.pronunciations.two words: must be one word of letters"]


def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for n in range(1, 9):  # each level nine times the one before: 9^9 strings
        lines.append(f"l{n}: &l{n} [{', '.join(['*a' if n == 1 else f'*l{n - 1}'] * 9)}]")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\n")
    with pytest.raises(ConfigError, match="expand it past 100000 values"):
        config.load(bomb)


def test_a_config_with_a_thousand_mistakes_reports_fifty() -> None:
    found = problems({"zones": {"hall": {"channels": [1]}}, **{f"k{n}": 1 for n in range(1000)}})
    assert len(found) == 51 and found[-1] == "... and 950 more"


def test_a_config_file_over_1_mib_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * (1024 * 1024) + "\nzones: {a: {channels: [1]}}\n")
    with pytest.raises(ConfigError, match="over 1048576 bytes"):
        config.load(big)
