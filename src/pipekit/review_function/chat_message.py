"""The review's verdict as a custom notification for the chat channels.

CodePipeline's own notification rule tells the channel that an approval waits, in AWS's
words; it cannot carry the verdict. Amazon Q Developer in chat applications (formerly AWS
Chatbot) also renders *custom notifications*: a JSON message published to an SNS topic the
channel subscribes to, with "version" "1.0", "source" "custom" and a "content" whose
"textType" is "client-markdown" (admin guide, "Custom notifications using Amazon Q Developer
in chat applications", Event schema). The review function publishes one per review to the
topic named by CHAT_TOPIC_ARN; without it (no chat channel configured) nothing is sent."""

from __future__ import annotations

from typing import Any, Iterable

from pipekit.release.review import RISKS

RISK_LINES = 5  # the most serious risky changes named in the message; the report has all


def risk_lines(changes: Iterable[Any]) -> list[str]:
    """One markdown line per risky change (most serious first), e.g. "data-loss `Table`"."""
    risky = [c for c in changes if c.risks]
    risky.sort(key=lambda c: RISKS.index(c.level))
    lines = [f"- {c.level} `{c.change.logical_id}`" for c in risky[:RISK_LINES]]
    if len(risky) > RISK_LINES:
        lines.append(f"- and {len(risky) - RISK_LINES} more in the report")
    return lines


def chat_message(*, pipeline: str, stage: str, environment: str, execution_id: str, verdict: str, risks: list[str],
                 execution: str, tripped: bool, fail_on: str, url: str) -> dict:
    """The custom notification (the documented event schema, only documented fields)."""
    outcome = f"blocked by review.fail_on `{fail_on}`" if tripped else "reviewed, approval next"
    # Plain lines, `code` and a bare link: what Slack's and Teams' markdown both render.
    lines = [f"Verdict: {verdict}", *risks, f"Environment `{environment}`, pipeline execution `{execution_id}`"]
    if execution != "Release":
        lines.append(f"{execution}: a stage rollback, reviewed like any release.")
    lines.append(f"Release dossier and change-set report: {url}")
    return {
        "version": "1.0",
        "source": "custom",
        "id": f"{execution_id}/{environment}",
        "content": {
            "textType": "client-markdown",
            "title": f"{pipeline} {stage}: {outcome}",
            "description": "\n".join(lines),
        },
        "metadata": {"threadId": execution_id, "summary": verdict, "relatedResources": [url]},
    }
