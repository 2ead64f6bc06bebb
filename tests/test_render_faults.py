"""render when writing goes wrong or the files are not what pipekit left: a forced
overwrite keeps the user's version, symlinks are written through, and a full disk, a
read-only folder or a directory in the way change nothing (faults injected where the
operating system reports them: the write, mkstemp, the rename)."""

from __future__ import annotations

import errno
import hashlib
import json
import os

import pytest

from conftest import example_data, write_config
from pipekit.project.files import MANIFEST
from test_render import outcomes, rendered_project, run


def snapshot(project):
    return {str(p.relative_to(project)): p.read_bytes() for p in project.rglob("*") if p.is_file()}


def changed_config(project):
    data = example_data()
    data["service"]["memory"] = 1024  # changes service/template.yaml
    data["build"]["projects"] = ["src/Orders Api/Orders Api.csproj"]  # and buildspec.yml
    write_config(project, data)


def manifest_matches_disk(project):
    recorded = json.loads((project / MANIFEST).read_text())["files"]
    return all(hashlib.sha256((project / rel).read_bytes()).hexdigest() == digest for rel, digest in recorded.items())


def test_force_keeps_the_users_version_next_to_it_and_says_where(tmp_path):
    project = rendered_project(tmp_path)
    template = project / "service/template.yaml"
    template.write_text("# mine\n")
    result = run(project, "render", "--force")
    assert result.exit_code == 0, result.output
    assert "your version is kept in service/template.yaml.user-edited.bak" in result.output
    assert (project / "service/template.yaml.user-edited.bak").read_text() == "# mine\n"
    assert "AutoPublishAlias: live" in template.read_text()
    template.write_text("# mine again\n")
    result = run(project, "render", "--force", "--format", "json")
    backups = {f["path"]: f["backup"] for f in json.loads(result.output)["files"]}
    assert backups["service/template.yaml"] == "service/template.yaml.user-edited.1.bak"  # the first backup stays
    assert (project / "service/template.yaml.user-edited.bak").read_text() == "# mine\n"


def test_a_symlinked_file_is_written_through_the_link(tmp_path):
    project = rendered_project(tmp_path / "orders")
    shared = tmp_path / "shared-buildspec.yml"
    link = project / "buildspec.yml"
    shared.write_bytes(link.read_bytes())
    link.unlink()
    link.symlink_to(shared)
    changed_config(project)
    result = run(project, "render")
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and "'src/Orders Api/Orders Api.csproj'" in shared.read_text()
    assert f"written through the symlink to {shared}" in result.output


def test_a_broken_symlink_is_left_alone_with_a_reason(tmp_path):
    project = rendered_project(tmp_path)
    link = project / "buildspec.yml"
    link.unlink()
    link.symlink_to(tmp_path / "nowhere.yml")
    result = run(project, "render", "--format", "json")
    assert result.exit_code == 0
    assert outcomes(result)["buildspec.yml"] == "skipped"
    assert not (tmp_path / "nowhere.yml").exists()


def fail_writes_after(monkeypatch, n, error):
    """The n+1-th file's write fails the way a full disk does."""
    import pipekit.project.staged_writes as staged

    real, count = os.fdopen, {"files": 0}

    class Full:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            raise error

    def fdopen(fd, *args, **kwargs):
        count["files"] += 1
        handle = real(fd, *args, **kwargs)
        return Full(handle) if count["files"] > n else handle

    monkeypatch.setattr(staged.os, "fdopen", fdopen)


@pytest.mark.parametrize("after", [0, 1, 2])
def test_a_full_disk_changes_nothing_and_says_so_in_one_line(tmp_path, monkeypatch, after):
    project = rendered_project(tmp_path)
    changed_config(project)
    before = snapshot(project)
    fail_writes_after(monkeypatch, after, OSError(errno.ENOSPC, "No space left on device"))
    result = run(project, "render")
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].endswith("cannot write: No space left on device")
    assert "Traceback" not in result.output
    assert snapshot(project) == before  # nothing half-written, no temporary file left, manifest as it was


def test_a_read_only_folder_changes_nothing(tmp_path, monkeypatch):
    import pipekit.project.staged_writes as staged

    project = rendered_project(tmp_path)
    changed_config(project)
    before = snapshot(project)

    def read_only(*args, dir=None, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(staged.tempfile, "mkstemp", read_only)
    result = run(project, "render")
    assert result.exit_code == 1 and "cannot write: Read-only file system" in result.output
    assert snapshot(project) == before


def test_a_directory_in_the_way_is_one_line_and_nothing_changes(tmp_path):
    project = rendered_project(tmp_path)
    changed_config(project)
    (project / "service/template.yaml").unlink()
    (project / "service/template.yaml").mkdir()
    before = snapshot(project)
    result = run(project, "render")
    assert result.exit_code == 1
    assert "service/template.yaml: a directory is in the way" in result.output and "Traceback" not in result.output
    assert snapshot(project) == before


def test_a_rename_failing_part_way_leaves_the_manifest_true_to_disk(tmp_path, monkeypatch):
    import pipekit.project.staged_writes as staged

    project = rendered_project(tmp_path)
    changed_config(project)
    real, calls = os.replace, {"n": 0}

    def replace(src, dst):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.EIO, "Input/output error")
        real(src, dst)

    monkeypatch.setattr(staged.os, "replace", replace)
    result = run(project, "render")
    assert result.exit_code == 1 and "cannot replace: Input/output error" in result.output
    assert manifest_matches_disk(project)
    assert not [p for p in project.rglob("*.tmp")]
    monkeypatch.setattr(staged.os, "replace", real)
    result = run(project, "render", "--format", "json")  # the next render finishes the job
    assert result.exit_code == 0 and "skipped" not in set(outcomes(result).values())
    assert manifest_matches_disk(project)
