"""The `pager` command: run the daemon, publish a call, render a call to WAV, check a config."""

from __future__ import annotations

import argparse
import dataclasses
import faulthandler
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from pager import __version__, config
from pager.core.payloads import Call, parse_call
from pager.errors import (
    CallRejected,
    ConfigError,
    PagerError,
    UsageError,
    did_you_mean,
)
from pager.logbook import BoundedHandler
from pager.tools import commands, voice_pack
from pager.tools.guides import guide
from pager.units import db_to_gain
from pager.zones import Routing

if TYPE_CHECKING:
    from pager.core.announcer import Announcer
    from pager.speech import pack
    from pager.values.jobs import Job

# The audio and speech stack (pedalboard, soxr, PortAudio...) takes seconds to import: the
# commands that need it import it themselves, so `pager history` and `pager status` answer
# at once.

log = logging.getLogger("pager")

EXIT_USAGE = 2
EXIT_UNAVAILABLE = 69  # sysexits EX_UNAVAILABLE: audio device, voice or broker missing
EXIT_CONFIG = 78  # sysexits EX_CONFIG: systemd's RestartPreventExitStatus stops the loop


def _call_payload(args: argparse.Namespace) -> dict[str, object]:
    """The call's payload, as `pager call` and `pager say` were given it."""
    payload: dict[str, object] = {"ticket": args.ticket}
    optional = {"id": args.id, "service": args.service, "name": args.name,
                "kind": args.kind if args.kind != "call" else None,
                "final": True if args.final else None,
                "zones": args.zones.split(",") if args.zones else None}  # fmt: skip
    payload.update({key: value for key, value in optional.items() if value is not None})
    return payload


def _call_from_args(args: argparse.Namespace) -> Call:
    return parse_call(args.counter, json.dumps(_call_payload(args)).encode(), 0.0)


def cmd_run(args: argparse.Namespace) -> int:
    from pager.audio.sinks import AudioSink, NullSink, WavRecorderSink
    from pager.audio.soundcard import SoundDeviceSink
    from pager.daemon.runtime import Runtime
    from pager.memory import keep_large_buffers_out_of_the_heap

    # A crash in native code (the speech engine, PortAudio) leaves every thread's Python
    # stack in the log (journald) before the process dies and systemd restarts it.
    faulthandler.enable()

    def adjust(loaded: config.Config) -> config.Config:
        if not args.record:
            return loaded
        audio = dataclasses.replace(loaded.audio, output="wav", recordings_dir=args.record)
        return dataclasses.replace(loaded, audio=audio)

    cfg = adjust(config.load(args.config, args.node, strict=True))
    keep_large_buffers_out_of_the_heap()
    sink: AudioSink
    if cfg.audio.output == "wav":
        sink = WavRecorderSink(cfg.audio, cfg.zones)
    elif cfg.audio.output == "null":
        sink = NullSink(cfg.audio)
    else:
        sink = SoundDeviceSink(cfg.audio)
    if args.standby and cfg.node not in cfg.standby.nodes:
        raise UsageError(f"--standby: node {cfg.node} has no standby PC; list it in "
                         "standby.nodes (on every PC of the site)")  # fmt: skip
    daemon = Runtime(cfg, sink, config_path=str(args.config), adjust=adjust,
                     standby=args.standby)  # fmt: skip

    def on_stop(signum: int, frame: FrameType | None) -> None:
        daemon.stop()

    def on_reload(signum: int, frame: FrameType | None) -> None:
        daemon.reload()

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGHUP, on_reload)
    daemon.run()
    return daemon.exit_code


def cmd_call(args: argparse.Namespace) -> int:
    from pager.tools.connect import Session

    cfg = config.load(args.config, args.node)
    call = _call_from_args(args)
    topic = f"{cfg.mqtt.topic_prefix}/call/{call.counter}"
    payload = {**_call_payload(args), "ticket": call.ticket, "id": call.id}  # as checked
    session = Session(cfg, args, "call")  # the config's broker, login and TLS
    try:
        session.publish(topic, json.dumps(payload))
    finally:
        session.close()
    print(f"published to {topic}: {json.dumps(payload)}")
    return 0


def _what_to_say(args: argparse.Namespace, announcer: Announcer) -> Job:
    """The job `pager say` renders: a call, an operator's text or a library message."""
    from pager.core.payloads import parse_announce

    if args.text is not None or args.message is not None:
        if args.counter or args.ticket or (args.text is not None and args.message is not None):
            raise CallRejected("give --text, --message, or --counter and --ticket: one")
        said = {"text": args.text} if args.message is None else {"message": args.message}
        payload = {**said, **({"zones": args.zones.split(",")} if args.zones else {})}
        job = announcer.message(parse_announce(json.dumps(payload).encode(), 0.0))
    elif args.counter and args.ticket:
        if args.zone and not args.zones:
            args.zones = args.zone  # what that zone hears: the call as routed to it alone
        job = announcer.call(_call_from_args(args))
    else:
        raise CallRejected("say what: --text, --message, or --counter and --ticket")
    return job


def cmd_say(args: argparse.Namespace) -> int:
    import numpy as np
    import soundfile

    from pager.core.announcer import Announcer
    from pager.daemon import soundkit
    from pager.values.priority import Priority
    from pager.values.spoken import Spoken

    cfg = config.load(args.config, args.node)
    if args.voice:
        announcement = dataclasses.replace(cfg.announcement, voice=args.voice)
        cfg = dataclasses.replace(cfg, announcement=announcement)
    announcer = Announcer.of(cfg)
    job = _what_to_say(args, announcer)
    spoken: Spoken | None = announcer.for_play(job, "alone")
    if job.clip is not None:
        spoken = None
    gain = 1.0
    if args.zone is not None:
        zone = cfg.zones.get(args.zone)
        if zone is None:
            raise UsageError(f"unknown zone {args.zone}{did_you_mean(args.zone, cfg.zones)}")
        own = dict(job.contents).get(args.zone) if job.priority is Priority.CALL else None
        spoken = None if own == "" else announcer.for_play(job, "alone", own)
        gain = zone.gain_at(time.time()) * db_to_gain(_noise_gain(cfg, args.zone))
    if job.clip is not None:
        print(f"(the recording of message {job.clip}: {cfg.messages[job.clip].file})")
    else:
        print(spoken.text if spoken is not None else "(the chime alone: zones.NAME.chime_only)")
    if args.out is None and not args.phonemes:
        return 0  # the words alone: no voice to load
    built = soundkit.build(cfg)
    try:
        if args.phonemes and spoken is not None:
            print(_phonemes(spoken.text, cfg, built.synthesizer.pack))
        if args.out is None:
            return 0
        speech = built.synthesizer.speak(spoken) if spoken is not None else built.chime[:0]
        if job.clip is not None:
            speech = built.clips[job.clip]
    finally:
        built.synthesizer.close()
    rate = cfg.audio.sample_rate
    chime = built.chime if job.chime else built.chime[:0]
    audio = np.concatenate([chime, speech]) * np.float32(gain)
    soundfile.write(args.out, audio, rate, subtype="PCM_16")
    where = "zones: " + ", ".join(job.zones)
    if args.zone:
        where = f"zone {args.zone} at {20 * np.log10(gain):+.1f} dB"
    print(f"wrote {args.out}: {len(audio) / rate:.2f} s at {rate} Hz ({where})")
    return 0


def _noise_gain(cfg: config.Config, zone: str) -> float:
    """A sensed zone's gain for its noise now, as the running daemon has it (0 without)."""
    if cfg.zones[zone].noise_sensor is None:
        return 0.0
    from pager.tools.input_levels import noise_gain

    gain = noise_gain(cfg, zone)
    if gain is None:
        print(f"(zone {zone}: no running pager tells its noise gain: without it)")
        return 0.0
    print(f"(zone {zone}: {gain:+.1f} dB for its noise now)")
    return gain


def _phonemes(text: str, cfg: config.Config, recorded: pack.VoicePack | None) -> str:
    """The IPA the speech engine reads; with a voice pack, recorded parts show as «words»."""
    from pager.speech import pronounce

    voice, data = cfg.announcement.voice, pronounce.data_path()
    if recorded is None:
        return pronounce.ipa(text, voice, data)
    return " ".join(
        f"«{words}»" if is_clip else pronounce.ipa(words, voice, data)
        for words, is_clip in recorded.parts(text)
    )


def cmd_check(args: argparse.Namespace) -> int:
    from pager.daemon import soundkit

    cfg = config.load(args.config, args.node)
    built = soundkit.build(cfg)  # what a start or a reload would refuse: the voice, the chime
    try:
        library = soundkit.render_library(cfg, built)
    except CallRejected as error:
        raise ConfigError(str(args.config), [f"messages: {error.reason}"]) from None
    finally:
        built.synthesizer.close()
    print(f"{args.config}: OK: node {cfg.node}, {len(cfg.zones)} zones, {len(cfg.groups)} groups, "
          f"{len(cfg.counters)} counters, {cfg.audio.channels} outputs")  # fmt: skip
    if len(cfg.nodes) > 1:
        here = cfg.node in cfg.nodes
        print(f"  a site of {len(cfg.nodes)} nodes: {', '.join(cfg.nodes)}"
              + ("" if here else f" ({cfg.node} is none of them: give --node NAME)"))  # fmt: skip
    for name, zone in cfg.zones.items():
        outputs = ", ".join(str(c) for c in zone.channels)
        rack = f"node {cfg.site[name]}, " if len(cfg.nodes) > 1 else ""
        print(f"  zone {name}: {rack}outputs {outputs}")
    a = cfg.announcement
    pause_s = a.pause_after_chime_ms / 1000 if len(built.chime) else 0.0
    chime_s = len(built.chime) / cfg.audio.sample_rate - pause_s
    print(f"  voice {a.voice}: installed; chime {a.chime}: {chime_s:.2f} s and a "
          f"{pause_s:.2f} s pause")  # fmt: skip
    routing = Routing.of(cfg)
    for counter in cfg.counters:
        zones = routing.route(counter).zones
        if zones:
            print(f"  counter {counter}: {', '.join(zones)}")
    for line in library:
        print(line)
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    from pager.audio.soundcard import list_output_devices

    devices = list_output_devices()
    for d in devices:
        print(f'{d["index"]:3}  {d["name"]}  ({d["hostapi_name"]}, {d["max_output_channels"]} out, '
              f'{d["default_samplerate"]:.0f} Hz)')  # fmt: skip
    if not devices:
        print("no output device found", file=sys.stderr)
        return EXIT_UNAVAILABLE
    return 0


DEFAULT_CONFIG = Path("/etc/pager/zones.yaml")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pager", description=__doc__, epilog=guide("pager"))
    parser.add_argument("--version", action="version", version=f"pager {__version__}")
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def with_config(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, epilog=guide(name))
        p.add_argument("--config", "-c", type=Path, default=DEFAULT_CONFIG)
        p.add_argument(
            "--node", help="which rack of the site config this is (default: the config's "
            "node, else the host name)",
        )  # fmt: skip
        return p

    _add_daemon_commands(with_config)
    commands.add_to(with_config)
    voice_pack.add_to(sub, DEFAULT_CONFIG)
    devices = sub.add_parser("devices", help="list the audio output devices PortAudio sees",
                             epilog=guide("devices"))  # fmt: skip
    devices.set_defaults(func=cmd_devices)
    return parser


def _add_call_options(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument("--counter", required=required, help="counter id, e.g. 5")
    p.add_argument("--ticket", required=required, help="ticket, e.g. A023")
    p.add_argument("--id", help="unique id of the call (default: a new one)")
    p.add_argument("--zones", help="comma-separated zones or groups instead of the routing")
    p.add_argument("--service", help="service name for the {service} template field")
    p.add_argument(
        "--kind",
        choices=("call", "pickup"),
        default="call",
        help="pickup: a document is ready (--ticket may be a receipt number)",
    )
    p.add_argument("--final", action="store_true", help="the last call of this ticket")
    p.add_argument("--name", help="the applicant's name: said only as privacy.names allows")


def _add_daemon_commands(with_config: commands.AddCommand) -> None:
    """run, call, say and check."""
    run = with_config("run", "run the daemon in the foreground (what systemd starts)")
    run.add_argument(
        "--record", metavar="DIR", help="no sound card: record each zone to WAV in DIR"
    )
    run.add_argument(
        "--standby", action="store_true",
        help="the second PC of a rack: wait, and take over when the active one dies",
    )  # fmt: skip
    run.set_defaults(func=cmd_run)
    call = with_config("call", "publish a call, as a counter does")
    _add_call_options(call)
    call.set_defaults(func=cmd_call)
    say = with_config(
        "say", "show and render what a call or a message says (no MQTT, no sound card)"
    )
    _add_call_options(say, required=False)
    say.add_argument("--text", help="an operator message instead of a call")
    say.add_argument("--message", help="a message of the library (messages.NAME) instead")
    say.add_argument("--voice", help="another voice than the config's (see pager voices)")
    say.add_argument(
        "--zone", help="what this zone hears: its own template or chime only, at its level now"
    )
    say.add_argument("--out", "-o", type=Path, help="WAV file to write (chime and speech)")
    say.add_argument(
        "--phonemes", action="store_true", help="also print the IPA the speech engine reads"
    )
    say.set_defaults(func=cmd_say)
    check = with_config(
        "check", "validate the config and show the zones and each counter's zones (of one "
        "node with --node)",
    )  # fmt: skip
    check.set_defaults(func=cmd_check)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handler = BoundedHandler(sys.stderr)  # no flood fills the PC's journal
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=args.log_level, handlers=[handler])
    try:
        return int(args.func(args))
    except ConfigError as error:
        print(f"pager: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except CallRejected as error:
        print(f"pager: invalid call: {error.reason}", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as error:
        print(f"pager: {error}", file=sys.stderr)
        return EXIT_USAGE
    except PagerError as error:
        print(f"pager: {error}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except BrokenPipeError:  # `pager voice-pack script | head`: the reader has had enough
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - Python flushes it at exit
        return 0


if __name__ == "__main__":
    sys.exit(main())
