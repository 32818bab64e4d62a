"""Derive the NENA EIDO 1.0 JSON Schema bundle that EIDO export and import validate against, from NENA's official
OpenAPI components (the ``Schema/`` folder of https://github.com/NENA911/EIDO-JSON, e.g. commit
``7f62055d30609b4a931c797a740b4eb7e2c33dbf``; the project's shared data holds a copy in ``standards/nena_eido``).

The schema is NENA's: its repository has no licence file and grants no right to redistribute, so the project does not
ship it. An operator runs this once and points ``RTCC_EIDO_SCHEMA`` at the file it writes (default
``var/eido_1.0.schema.json.gz``, 1.2 MB of JSON, 226 KB gzipped). Usage:
``python tools/derive_eido_schema.py --schema EIDO-JSON/Schema --out FILE`` (or ``--data ../shared/data``). Needs
PyYAML (a dependency of the package). Re-running on the same inputs rewrites an identical file.

What it does, and nothing else:
- starts at ``EmergencyIncidentDataObjectType`` in ``openapi.yaml`` and follows every ``$ref`` (into the
  ``NIEMComponents/*.yaml`` files too) to collect the schemas an EIDO can reach (about 1,700 of them);
- puts them under ``definitions`` keyed ``<file stem>.<schema name>`` (``openapi.CallInformationType``,
  ``nc.ncPersonType``) and rewrites each ``$ref`` to point there, so the bundle is one self-contained JSON Schema;
- drops ``description``, ``title`` and ``example`` annotations (they do not change what validates) to keep it small;
- corrects one typo of the source that would break a validator: ``AgentType.agentRoleRegistryText.minItems`` is the
  YAML string ``"1,"``; it becomes the integer 1 the standard's text says (NENA-STA-021.1b table 2.3: Min 1).
The OpenAPI 3.0 schema objects used here (``type``, ``properties``, ``required``, ``items``, ``enum``, ``allOf``,
``format``, ``minItems``) mean the same in JSON Schema draft 7, which is how the bundle is declared and validated.
"""

from __future__ import annotations

import argparse
import gzip
import json
import posixpath
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "eido_1.0.schema.json.gz"
ENTRY = ("openapi.yaml", "EmergencyIncidentDataObjectType")
ANNOTATIONS = frozenset({"description", "title", "example"})


def _key(file: str, name: str) -> str:
    return f"{posixpath.basename(file).removesuffix('.yaml')}.{name}"


def _target(ref: str, current: str) -> tuple[str, str]:
    file, _, pointer = ref.partition("#")
    prefix = "/components/schemas/"
    if not pointer.startswith(prefix):
        raise ValueError(f"unexpected $ref {ref!r} in {current}")
    path = posixpath.normpath(posixpath.join(posixpath.dirname(current), file)) if file else current
    return path, pointer[len(prefix) :]


def _rewrite(node: Any, current: str, found: list[tuple[str, str]], *, in_properties: bool = False) -> Any:
    """A copy of a schema node with refs pointing into ``definitions`` and annotations dropped.

    ``in_properties``: ``node`` is a ``properties`` map, whose keys are property names (EIDO has properties named
    ``$ref``, ``$id`` and ``description``), never keywords."""
    if isinstance(node, list):
        return [_rewrite(item, current, found) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if in_properties:
            out[key] = _rewrite(value, current, found)
        elif key == "$ref" and isinstance(value, str):
            target = _target(value, current)
            found.append(target)
            out[key] = f"#/definitions/{_key(*target)}"
        elif key in ANNOTATIONS:
            continue
        else:
            out[key] = _rewrite(value, current, found, in_properties=key == "properties" and isinstance(value, dict))
    return out


def derive(schema_dir: Path) -> dict[str, Any]:
    """The bundle: every schema reachable from the EIDO type, refs rewritten, as one draft-7 JSON Schema."""
    files: dict[str, dict[str, Any]] = {}
    definitions: dict[str, Any] = {}
    todo = [ENTRY]
    while todo:
        file, name = todo.pop()
        key = _key(file, name)
        if key in definitions:
            continue
        if file not in files:
            files[file] = yaml.safe_load((schema_dir / file).read_text(encoding="utf-8"))
        found: list[tuple[str, str]] = []
        definitions[key] = _rewrite(files[file]["components"]["schemas"][name], file, found)
        todo.extend(found)
    agent = definitions["openapi.AgentType"]["allOf"][1]["properties"]["agentRoleRegistryText"]
    if agent.get("minItems") == "1,":
        agent["minItems"] = 1
    info = yaml.safe_load((schema_dir / "openapi.yaml").read_text(encoding="utf-8"))["info"]
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$comment": (
            f"{info['title']} {info['version']}: derived by tools/derive_eido_schema.py from NENA's OpenAPI components "
            "(github.com/NENA911/EIDO-JSON, commit 7f62055d30609b4a931c797a740b4eb7e2c33dbf). See PROVENANCE.md."
        ),
        "allOf": [{"$ref": f"#/definitions/{_key(*ENTRY)}"}],
        "definitions": dict(sorted(definitions.items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--schema", type=Path, help="a NENA EIDO-JSON Schema/ folder")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    bundle = derive(args.schema or args.data / "standards" / "nena_eido" / "Schema")
    text = json.dumps(bundle, sort_keys=False, separators=(",", ":"), ensure_ascii=False).encode()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(gzip.compress(text, compresslevel=9, mtime=0))
    print(
        f"{args.out}: {len(bundle['definitions'])} schemas, {len(text):,} bytes ({args.out.stat().st_size:,} gzipped)"
    )


if __name__ == "__main__":
    main()
