"""A stand-in for ``cec-ctl`` playing a Raspberry Pi's CEC adapters and the TV on one of them.

It keeps the world in ``$FAKE_CEC_DIR/world.json`` and models what makes real TVs hard:

* an adapter must be configured (``--playback``) before it may send anything (EPERM);
* a TV that drops the HDMI hotplug line in standby (``"drops_hpd": true``) leaves the Pi
  without a physical address (f.f.f.f): the adapter is unconfigured and the kernel lets it
  send only « Image View On », from Unregistered (15) to the TV (0) (ENONET otherwise);
  once the TV is awake the address comes back and the kernel claims logical address 4;
* a TV that ignores the first order (``"mode": "sleepy"``) or never answers (``"deaf"``);
* two adapters, ``cec0`` and ``cec1``, each wired to its own DRM connector; the TV hangs on
  ``"tv_on"``.

Every call is appended to ``calls`` and every message that reached the bus to ``bus``
(``"15->0 IMAGE_VIEW_ON"``), so tests can check who sent what. Output mimics cec-ctl 1.22.

    FAKE_CEC_DIR=/tmp/tv python fake_cec_ctl.py -d /dev/cec0 --playback --osd-name Couloir
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

DEFAULT_WORLD = {
    "tv": "on",
    "mode": "normal",
    "drops_hpd": False,
    "tv_on": "cec0",
    "address": "1.0.0.0",
    "adapters": {
        "cec0": {"card": 1, "connector": 33, "name": "vc4-hdmi-0"},
        "cec1": {"card": 1, "connector": 42, "name": "vc4-hdmi-1"},
    },
    "configured": {},
    "orders": 0,
}

OPCODES = {
    "--image-view-on": "IMAGE_VIEW_ON",
    "--standby": "STANDBY",
    "--give-device-power-status": "GIVE_DEVICE_POWER_STATUS",
    "--active-source": "ACTIVE_SOURCE",
}


def write_world(directory: Path, **changes: object) -> None:
    """Create or update the world of ``directory`` (tests set the TV up with this)."""
    path = directory / "world.json"
    world = json.loads(path.read_text()) if path.exists() else json.loads(json.dumps(DEFAULT_WORLD))
    world.update(changes)
    path.write_text(json.dumps(world))


def _physical_address(world: dict, adapter: str) -> str:
    if adapter != world["tv_on"]:
        return "f.f.f.f"
    if world["tv"] != "on" and world["drops_hpd"]:
        return "f.f.f.f"
    return world["address"]


def _info(world: dict, adapter: str) -> str:
    card = world["adapters"][adapter]
    address = _physical_address(world, adapter)
    osd = world["configured"].get(adapter)
    claimed = osd is not None and address != "f.f.f.f"
    lines = [
        "Driver Info:",
        "\tDriver Name                : vc4_hdmi",
        f"\tAdapter Name               : {card['name']}",
        "\tCapabilities               : 0x0000011e",
        "\tDriver version             : 6.12.25",
        "\tAvailable Logical Addresses: 1",
        f"\tDRM Connector Info         : card {card['card']}, connector {card['connector']}",
        f"\tPhysical Address           : {address}",
        f"\tLogical Address Mask       : {'0x0010' if claimed else '0x0000'}",
        "\tCEC Version                : 2.0",
    ]
    if osd is not None:
        lines += [
            f"\tOSD Name                   : '{osd}'",
            "\tLogical Addresses          : 1 (Allow RC Passthrough)",
            "",
            f"\t  Logical Address          : {'4 (Playback Device 1)' if claimed else 'Not Allocated'}",
            "\t    Primary Device Type    : Playback",
        ]
    else:
        lines.append("\tLogical Addresses          : 0")
    return "\n".join(lines)


def _transmit(world: dict, adapter: str, option: str, to: int, log) -> int:
    opcode = OPCODES[option]
    osd = world["configured"].get(adapter)
    if osd is None:
        print("\tCEC_TRANSMIT returned -1 (Operation not permitted)")
        log(f"refused (EPERM) {opcode}")
        return 1
    unconfigured = _physical_address(world, adapter) == "f.f.f.f"
    initiator = 15 if unconfigured else 4
    print(
        f"Transmit from {'Unregistered' if unconfigured else 'Playback Device 1'} to ... ({initiator} to {to}):"
    )
    print(f"{opcode}")
    if unconfigured and (to != 0 or opcode != "IMAGE_VIEW_ON"):
        print("\tCEC_TRANSMIT returned -1 (Machine is not on the network)")
        log(f"refused (ENONET) {opcode}")
        return 1
    if adapter != world["tv_on"] or world["mode"] == "deaf":
        print("\tTx, Not Acknowledged (4), Max Retries")
        return 0
    log(f"{initiator}->{to} {opcode}")
    if opcode in ("IMAGE_VIEW_ON", "STANDBY"):
        world["orders"] += 1
        if world["mode"] == "sleepy" and world["orders"] < 2:
            return 0
        world["tv"] = "on" if opcode == "IMAGE_VIEW_ON" else "standby"
    elif opcode == "GIVE_DEVICE_POWER_STATUS":
        print("\tReceived from TV (0 to 4): REPORT_POWER_STATUS (0x90):")
        print(f"\t\tpwr-state: {world['tv']} (0x00)")
    return 0


def main(argv: list[str]) -> int:
    """Play cec-ctl for ``argv``; return its exit status."""
    directory = Path(os.environ["FAKE_CEC_DIR"])
    world = json.loads((directory / "world.json").read_text())
    with (directory / "calls").open("a") as calls:
        calls.write(" ".join(argv) + "\n")
    device, to, skip_info, status = "/dev/cec0", 0, False, 0
    sends: list[str] = []
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg in ("-d", "--device", "-t", "--to", "--osd-name", "--active-source"):
            value = argv[index + 1]
            index += 1
            if arg in ("-d", "--device"):
                device = value
            elif arg in ("-t", "--to"):
                to = int(value)
            elif arg == "--osd-name":
                world["configured"][Path(device).name] = value
            else:
                sends.append(arg)
        elif arg == "--playback":
            world["configured"].setdefault(Path(device).name, "Playback")
        elif arg in ("-s", "--skip-info"):
            skip_info = True
        elif arg in OPCODES:
            sends.append(arg)
        index += 1
    adapter = Path(device).name
    if adapter not in world["adapters"]:
        print(f"Failed to open {device}: No such file or directory", file=sys.stderr)
        return 1
    if not skip_info:
        print(_info(world, adapter))
    bus = directory / "bus"
    for option in sends:
        with bus.open("a") as handle:
            status |= _transmit(world, adapter, option, to, lambda line: handle.write(line + "\n"))
    (directory / "world.json").write_text(json.dumps(world))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
