"""A 63-bit id that a path carries as a string (deliveries, inbox messages)."""


def is_id(text: str) -> bool:
    """ASCII digits only, within a BIGINT: `"²".isdigit()` is true, yet `int("²")` fails."""
    return text.isascii() and text.isdigit() and len(text) <= 18
