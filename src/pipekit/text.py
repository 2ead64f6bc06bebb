"""Text that must fit somewhere: shared by the CLI and the review function (which ships
this module, review_function/package.py)."""


def shorten(text: str, limit: int) -> str:
    """The text, or as much of it as fits in `limit` characters with "..." at the end."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def unknown(kind: str, name: str, known: list[str]) -> str:
    """"unknown environment 'prd' (known: dev, prod); did you mean 'prod'?" """
    import difflib

    close = difflib.get_close_matches(name, known, n=1)
    return f"unknown {kind} {name!r} (known: {', '.join(known)})" + (f"; did you mean {close[0]!r}?" if close else "")
