"""What `aws cloudformation package` does for the service template, in process: each local
CodeUri becomes a zip under its SHA-256 in the code bucket, and the template points at
it. The zips are deterministic (sorted names, fixed times), so unchanged code is the same
key and is not uploaded again."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from pipekit.errors import UsageError
from pipekit.project import cfn_yaml

CODE_PROPERTIES = {"AWS::Serverless::Function": "CodeUri"}
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Code:
    logical_id: str
    path: Path
    key: str
    sha256: str
    body: bytes = field(repr=False, compare=False)


@dataclass(frozen=True)
class Packaged:
    template: dict
    code: tuple[Code, ...]

    @property
    def text(self) -> str:
        return json.dumps(self.template, indent=1, sort_keys=False) + "\n"

    def code_of(self, logical_id: str) -> Code:
        return next(c for c in self.code if c.logical_id == logical_id)


def zip_directory(path: Path) -> bytes:
    """The folder as a zip whose bytes depend only on the files' names, contents and
    executable bits."""
    if not path.is_dir():
        raise UsageError(f"{path}: no such folder to package (did the build write it?)")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(file.relative_to(path).as_posix(), ZIP_TIME)
            info.external_attr = (0o755 if file.stat().st_mode & 0o111 else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, file.read_bytes())
    return buffer.getvalue()


def package(template_path: Path, bucket: str, prefix: str) -> Packaged:
    template = cfn_yaml.loads(template_path.read_text(encoding="utf-8"))
    packaged = copy.deepcopy(template)
    code = []
    for logical_id, resource in (packaged.get("Resources") or {}).items():
        prop = CODE_PROPERTIES.get(resource.get("Type", ""))
        uri = (resource.get("Properties") or {}).get(prop) if prop else None
        if not isinstance(uri, str) or uri.startswith("s3://"):
            continue
        body = zip_directory((template_path.parent / uri).resolve())
        digest = hashlib.sha256(body).hexdigest()
        key = f"{prefix}/{digest}.zip"
        resource["Properties"][prop] = {"Bucket": bucket, "Key": key}
        code.append(Code(logical_id, template_path.parent / uri, key, digest, body))
    return Packaged(packaged, tuple(code))


def without_code(template: dict) -> dict:
    """The template with every code location taken out: two templates equal this way
    differ in code only."""
    stripped = copy.deepcopy(template)
    for resource in (stripped.get("Resources") or {}).values():
        prop = CODE_PROPERTIES.get(resource.get("Type", ""))
        if prop:
            (resource.get("Properties") or {}).pop(prop, None)
    return stripped


def code_only_change(before: Packaged, after: Packaged) -> list[Code]:
    """The code whose bytes changed (meaningful when `needs_stack_update` is False)."""
    old = {c.logical_id: c.sha256 for c in before.code}
    return [c for c in after.code if old.get(c.logical_id) != c.sha256]


def needs_stack_update(before: Packaged, after: Packaged) -> bool:
    """True when more than function code changed (the template, or which code exists)."""
    return without_code(before.template) != without_code(after.template) or {c.logical_id for c in before.code} != {
        c.logical_id for c in after.code
    }
