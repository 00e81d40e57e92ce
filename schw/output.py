"""Verilog emission, manifests and atomic writes.

``generate(unit, params)`` returns the Verilog text and the manifest; ``write_outputs`` puts
``OUT/<top>.v`` and ``OUT/<top>.json`` in place atomically (temporary files, then rename),
so a failed run leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import string
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from amaranth.back import verilog
from amaranth.lib import wiring

from . import __version__
from .errors import ParamError


def template(name: str, package: str = "schw.rtl_templates") -> string.Template:
    """A text template from ``rtl_templates/`` (or another data package, e.g. ``schw.flows``)."""
    return string.Template(resources.files(package).joinpath(name).read_text())


def cli_args(params) -> str:
    """The ``--opt value`` form of a parameter set, as the CLI spells it."""
    parts = []
    for key, value in params.as_dict().items():
        opt = "--" + key.replace("_", "-")
        if isinstance(value, bool):
            if value:
                parts.append(opt)
        else:
            parts.append(f"{opt} {value}")
    return " ".join(parts)


def port_list(component: wiring.Component) -> list[dict]:
    """Top-level ports as ``{name, dir, width}``: clock and reset first, then the signature's
    members, named as Amaranth names them in Verilog (nested paths joined by ``__``)."""
    ports = [{"name": "clk", "dir": "in", "width": 1}, {"name": "rst", "dir": "in", "width": 1}]
    for path, member, value in component.signature.flatten(component):
        ports.append({"name": "__".join(str(p) for p in path),
                      "dir": "in" if member.flow == wiring.In else "out", "width": len(value)})
    return ports


@dataclass(frozen=True)
class Generated:
    top: str
    verilog: str
    manifest: dict


def generate(unit, params) -> Generated:
    top = unit.top(params)
    component = unit.component(params)
    body = unit.emit_verilog(params) if unit.emit_verilog is not None else verilog.convert(component, name=top, emit_src=False)
    header = template("header.v.tmpl").substitute(
        version=__version__,
        command=f"schw gen {unit.name} {cli_args(params)}".rstrip(),
        unit=unit.name,
        top=top,
        params=json.dumps(params.as_dict(), sort_keys=True),
    )
    text = header + body
    manifest = {
        "top": top,
        "unit": unit.name,
        "params": params.as_dict(),
        "ports": port_list(component),
        "clock": "clk",
        "reset": "rst",
        "reset_kind": "synchronous, active high",
        "latency_cycles": unit.latency_cycles(params),
        "operation": unit.operation(params),
        **unit.manifest_extra(params),
        "schw_version": __version__,
        "verilog_file": f"{top}.v",
        "verilog_sha256": hashlib.sha256(text.encode()).hexdigest(),
    }
    return Generated(top, text, manifest)


def manifest_text(manifest: dict) -> str:
    return json.dumps(manifest, indent=2) + "\n"


def prepare_dir(out: Path, option: str = "out") -> Path:
    """Create ``out`` if needed and check that it is a writable directory."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ParamError(option, "a writable directory", f"{out} ({e.strerror})") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise ParamError(option, "a writable directory", str(out))
    return out


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(files: dict[Path, str]) -> None:
    """Write every file or none: all go to temporaries first, then are renamed into place."""
    temps: list[tuple[str, Path]] = []
    try:
        for path, text in files.items():
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            temps.append((tmp, path))
            with os.fdopen(fd, "w") as f:
                f.write(text)
            os.chmod(tmp, 0o666 & ~_umask())
        for tmp, path in temps:
            os.replace(tmp, path)
    finally:
        for tmp, _ in temps:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def write_outputs(gen: Generated, out: Path) -> list[Path]:
    out = prepare_dir(out)
    v, j = out / f"{gen.top}.v", out / f"{gen.top}.json"
    write_atomic({v: gen.verilog, j: manifest_text(gen.manifest)})
    return [v, j]
