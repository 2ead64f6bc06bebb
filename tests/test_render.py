"""Re-rendering is safe: pipekit's own files are updated, the user's edits are kept."""

from __future__ import annotations

import json

from click.testing import CliRunner

from conftest import example_data, write_config
from pipekit.cli import main
from pipekit.project.files import MANIFEST


def run(project, *args):
    return CliRunner().invoke(main, ["--config", str(project / "pipekit.yaml"), *args])


def rendered_project(tmp_path, data=None):
    write_config(tmp_path, data or example_data())
    result = run(tmp_path, "render")
    assert result.exit_code == 0, result.output
    return tmp_path


def outcomes(result):
    return {f["path"]: f["outcome"] for f in json.loads(result.output)["files"]}


def test_first_render_creates_every_file_and_records_it(tmp_path):
    project = rendered_project(tmp_path)
    manifest = json.loads((project / MANIFEST).read_text())["files"]
    assert sorted(manifest) == sorted(
        ["buildspec.yml", "testspec.yml", "infra/build-account.yaml", "infra/pipeline.yaml", "infra/target-account.yaml", "service/template.yaml",
         "service/environments/dev.json", "service/environments/prod.json",
         "service/hooks/hooklib.py", "service/hooks/pre_traffic.py", "service/hooks/post_traffic.py", ".pipekit/pipekit.schema.json"]
    )


def test_rendering_the_same_config_twice_changes_nothing(tmp_path):
    project = rendered_project(tmp_path)
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    result = run(project, "render", "--format", "json")
    assert result.exit_code == 0
    assert set(outcomes(result).values()) == {"unchanged"}
    assert {p: p.read_bytes() for p in project.rglob("*") if p.is_file()} == before


def test_config_change_updates_files_pipekit_owns(tmp_path):
    project = rendered_project(tmp_path)
    data = example_data()
    data["service"]["memory"] = 1024
    write_config(project, data)
    result = run(project, "render", "--format", "json")
    assert outcomes(result)["service/template.yaml"] == "updated"
    assert "MemorySize: 1024" in (project / "service/template.yaml").read_text()


def test_a_file_the_user_edited_is_skipped_with_a_warning(tmp_path):
    project = rendered_project(tmp_path)
    template = project / "service/template.yaml"
    edited = template.read_text() + "# my own note\n"
    template.write_text(edited)
    data = example_data()
    data["service"]["memory"] = 1024
    write_config(project, data)

    result = run(project, "render")
    assert result.exit_code == 0
    assert "skipped" in result.output and "edited since pipekit wrote it" in result.output
    assert template.read_text() == edited  # nothing the user had is lost


def test_dry_run_shows_the_diff_and_writes_nothing(tmp_path):
    project = rendered_project(tmp_path)
    template = project / "service/template.yaml"
    template.write_text(template.read_text().replace("MemorySize: 512", "MemorySize: 256"))
    before = template.read_text()
    manifest_before = (project / MANIFEST).read_text()

    result = run(project, "render", "--dry-run")
    assert result.exit_code == 0
    assert "would be   skipped" in result.output
    assert "-    MemorySize: 256" in result.output and "+    MemorySize: 512" in result.output
    assert template.read_text() == before
    assert (project / MANIFEST).read_text() == manifest_before


def test_force_overwrites_the_users_edit(tmp_path):
    project = rendered_project(tmp_path)
    template = project / "service/template.yaml"
    template.write_text("# replaced by hand\n")
    result = run(project, "render", "--force", "--format", "json")
    assert outcomes(result)["service/template.yaml"] == "updated"
    assert "AutoPublishAlias: live" in template.read_text()


def test_a_file_pipekit_never_wrote_is_not_overwritten(tmp_path):
    (tmp_path / "buildspec.yml").write_text("version: 0.2\n# the team's own\n")
    write_config(tmp_path, example_data())
    result = run(tmp_path, "render", "--format", "json")
    assert outcomes(result)["buildspec.yml"] == "skipped"
    assert (tmp_path / "buildspec.yml").read_text() == "version: 0.2\n# the team's own\n"


def test_a_file_no_longer_rendered_is_reported_not_deleted(tmp_path):
    project = rendered_project(tmp_path)
    data = example_data()
    del data["environments"][0]["integration_tests"]
    write_config(project, data)
    result = run(project, "render", "--format", "json")
    assert outcomes(result)["testspec.yml"] == "obsolete"
    assert (project / "testspec.yml").exists()


def test_rendered_files_keep_the_usual_permissions(tmp_path):
    project = rendered_project(tmp_path)
    assert (project / "buildspec.yml").stat().st_mode & 0o044 == 0o044


def test_dry_run_of_a_changed_config_writes_nothing(tmp_path):
    project = rendered_project(tmp_path)
    data = example_data()
    data["service"]["memory"] = 1024
    write_config(project, data)
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file() and p.name != "pipekit.yaml"}

    result = run(project, "render", "--dry-run", "--format", "json")
    assert result.exit_code == 0
    assert outcomes(result)["service/template.yaml"] == "updated"
    after = {p: p.read_bytes() for p in project.rglob("*") if p.is_file() and p.name != "pipekit.yaml"}
    assert after == before
