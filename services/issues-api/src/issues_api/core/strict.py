"""JSON-typed integers and booleans for request bodies (`rectify_shared.json_types`)."""

from rectify_shared.json_types import JsonBool, JsonInt

__all__ = ["JsonBool", "JsonInt"]
