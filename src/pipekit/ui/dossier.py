"""The release dossier as markdown (the review's report, tickets), plain lines (the
terminal, before `pipekit approve` asks) or JSON (scripts). Every part says what it
found or why it is missing."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Optional

from pipekit.release.dossier import Dossier


def _duration(delta: Optional[timedelta]) -> str:
    if delta is None:
        return "unknown"
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    return " ".join(part for part in (f"{days}d" if days else "", f"{hours}h" if hours or days else "", f"{minutes}m") if part)


def _revision(revision) -> str:
    summary = revision.summary.splitlines()[0] if revision.summary else ""
    return f"{revision.revision_id[:12]}" + (f" {summary}" if summary else "")


def sections(d: Dossier) -> list[tuple[str, list[str]]]:
    """(title, lines) per part, in the order an approver reads them."""
    out: list[tuple[str, list[str]]] = []
    head = [f"Release of execution {d.execution_id} to {d.environment}" + (f": {d.rollback}" if d.rollback else "")]
    if d.approval and d.approval.expires:
        state = "EXPIRED at" if d.approval.expired else "expires"
        head.append(f"Approval waiting since {d.approval.since:%Y-%m-%d %H:%M} UTC; {state} {d.approval.expires:%Y-%m-%d %H:%M} UTC")
    out.append(("Release", head))
    change = [f"Verdict: {d.verdict}"] + [f"- {risk}" for risk in d.risks]
    if d.report_url:
        change.append(f"Report: {d.report_url}")
    out.append(("Change set", change))
    c = d.commits
    lines = []
    if c.candidate:
        lines.append(f"Candidate: {_revision(c.candidate)}")
    if c.running:
        lines.append(f"Running now: {_revision(c.running)} (execution {c.running.execution_id})")
    lines += [f"- {_revision(r)} (execution {r.execution_id})" for r in c.between]
    if c.compare_url:
        lines.append(f"Compare: {c.compare_url}")
    if c.missing:
        lines.append(f"({c.missing})")
    out.append(("Commits", lines))
    t = d.tests
    lines = [f"{t.total} tests, {t.failed} failed"] if t.runs else []
    lines += [f"- {r.action or '?'} {r.report}: {r.total} tests, "
              + ", ".join(f"{n} {status.lower()}" for status, n in sorted(r.counts.items()) if n) + f" ({r.status.lower()})" for r in t.runs]
    if t.missing:
        lines.append(f"({t.missing})")
    out.append(("Tests", lines))
    if d.soak:
        s = d.soak
        lines = []
        if s.deployed:
            lines.append(f"In {s.environment} since {s.deployed:%Y-%m-%d %H:%M} UTC ({_duration(s.ran)})")
        if s.deployed and not s.alarms_missing:
            lines.append(f"{len(s.alarms)} alarm(s) went to ALARM there since" if s.alarms else "No alarm went to ALARM there since")
        lines += [f"- {a.at:%Y-%m-%d %H:%M} {a.alarm}: {a.summary}" for a in s.alarms]
        lines += [f"({why})" for why in (s.missing, s.alarms_missing) if why]
        out.append((f"Soak in {s.environment}", lines))
    if d.notes:
        out.append(("Notes", list(d.notes)))
    return out


def render_lines(d: Dossier) -> list[str]:
    lines = []
    for title, body in sections(d):
        lines.append(f"{title}:")
        lines += [f"  {line}" for line in body]
    return lines


def render_markdown(d: Dossier) -> str:
    lines = [f"# Release dossier: `{d.environment}`, execution `{d.execution_id}`", "", f"Made {d.made:%Y-%m-%d %H:%M} UTC.", ""]
    for title, body in sections(d):
        lines += [f"## {title}", ""] + [line if line.startswith("- ") else line + "  " for line in body] + [""]
    return "\n".join(lines).rstrip() + "\n"


def render_json(d: Dossier) -> str:
    return json.dumps(d.to_json(), indent=2) + "\n"
