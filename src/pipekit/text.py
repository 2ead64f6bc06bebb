"""Text that must fit somewhere: shared by the CLI and the review function (which ships
this module, review_function/package.py)."""


def shorten(text: str, limit: int) -> str:
    """The text, or as much of it as fits in `limit` characters with "..." at the end."""
    return text if len(text) <= limit else text[: limit - 3] + "..."
