"""The review function's code as a zip, built from the pipekit that deploys it.

Exactly the modules the handler imports (tests/test_review_function_package.py checks
that the set is complete and holds nothing more), plus PyYAML's pure-Python part for
reading YAML templates (the Lambda runtime brings boto3, not PyYAML). Deterministic:
sorted entries, a fixed timestamp and mode, fixed compression; the same code always
gives the same bytes, so the SHA-256 names the code in the artifact bucket."""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HANDLER = "pipekit.review_function.handler.handler"
KEY_PREFIX = "review-function/"

# The pipekit modules the handler needs, relative to the pipekit package.
MODULES = (
    "__init__.py",
    "errors.py",
    "text.py",
    "aws/__init__.py",
    "aws/accessanalyzer.py",
    "aws/errors.py",
    "aws/cfn_drift.py",
    "aws/cloudformation.py",
    "aws/cloudwatch.py",
    "aws/codebuild.py",
    "aws/codepipeline.py",
    "aws/s3.py",
    "aws/sns.py",
    "checks/__init__.py",
    "checks/permissions/__init__.py",
    "checks/permissions/glob.py",
    "checks/permissions/unknown.py",
    "project/__init__.py",
    "project/cfn_yaml.py",
    "recovery/__init__.py",
    "recovery/drift.py",
    "release/__init__.py",
    "release/access.py",
    "release/access_analyzer.py",
    "release/changesets.py",
    "release/dossier.py",
    "release/dossier_sources.py",
    "release/overlap.py",
    "release/policy_diff.py",
    "release/polling.py",
    "release/review.py",
    "release/rollback_detection.py",
    "release/sam_groups.py",
    "ui/__init__.py",
    "ui/dossier.py",
    "ui/review.py",
    "ui/review_rows.py",
    "review_function/__init__.py",
    "review_function/chat_message.py",
    "review_function/handler.py",
    "review_function/release_dossier.py",
)
# Third-party packages copied as their .py files only (PyYAML falls back to pure Python
# without its C extension).
VENDORED = ("yaml",)

_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold


@dataclass(frozen=True)
class FunctionCode:
    body: bytes = field(repr=False)
    sha256: str
    files: tuple[str, ...]

    @property
    def key(self) -> str:
        """Where the code lives in the artifact bucket: named by its content."""
        return f"{KEY_PREFIX}{self.sha256}.zip"


def sources() -> dict[str, bytes]:
    """Path in the zip -> file content."""
    import pipekit

    root = Path(pipekit.__file__).parent
    files = {f"pipekit/{module}": (root / module).read_bytes() for module in MODULES}
    for name in VENDORED:
        package = Path(__import__(name).__file__).parent
        for path in sorted(package.glob("*.py")):
            files[f"{name}/{path.name}"] = path.read_bytes()
    return files


def build(files: dict[str, bytes] | None = None) -> FunctionCode:
    files = sources() if files is None else files
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so that the mode below is read
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name], compresslevel=9)
    body = buffer.getvalue()
    return FunctionCode(body, hashlib.sha256(body).hexdigest(), tuple(sorted(files)))
