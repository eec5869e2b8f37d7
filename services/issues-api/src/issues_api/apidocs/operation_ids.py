"""Stable operation ids, `{tag}_{verb}`: `issues_list`, `issues_get`, `closures_accept` …

Generated clients name their methods after them, so they are made from what a route already says
about itself — its first tag and its endpoint function's name, minus the tag's own noun
(`list_issues` under `issues` → `issues_list`) — never from its path or method. Renaming an
endpoint function renames its operation: the published document's test (`test_openapi_contract`)
then reports the removed id.
"""

from fastapi.routing import APIRoute

#: tag → the prefix of its operation ids, where the tag is not one word
TAG_PREFIX = {"public notices": "public", "long-term tasks": "long_term", "document templates": "document_templates"}
#: trailing words that only join a verb to its object (`apply_for_closure` → `apply`)
_JOINERS = ("for", "to", "on")


def tag_prefix(tag: str) -> str:
    return TAG_PREFIX.get(tag, tag.replace("-", "_").replace(" ", "_"))


def operation_id(route: APIRoute) -> str:
    tag = str(route.tags[0]) if route.tags else "misc"
    prefix = tag_prefix(tag)
    last = tag.split()[-1]
    nouns = {prefix, prefix.removesuffix("s"), prefix.removesuffix("es"), last, last.removesuffix("s")}
    words = [w for w in route.name.split("_") if w not in nouns]
    while words and words[-1] in _JOINERS:
        words.pop()
    verb = "_".join(words) or ("list" if "GET" in (route.methods or ()) else route.name)
    return f"{prefix}_{verb}"
