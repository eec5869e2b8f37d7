"""Rendering a document template, safely: a sandboxed Jinja environment with the wording filters.

Two template formats per document kind:

- `text` (the shipped defaults): Jinja producing the block lines of `markup`; every format of the
  kind (md, pdf, docx) is drawn from those blocks by the report-worker;
- `docx`: a Word file with Jinja inside (docxtpl), edited in Word. The .docx output is the
  rendered file itself; md and pdf are drawn from its paragraphs (`docx_blocks`), so one edit
  changes every format.

A template can read the variables of its kind (`schema`) and nothing else: no attribute starting
with `_`, no file, no import. An unknown variable is an error, not an empty string.
"""

import io
import zipfile
from types import TracebackType
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from .filters import FILTERS
from .markup import Piece, TemplateProblem, fence, parse

TEMPLATE_FILE = "<template>"
#: what a template may print (characters) and a Word template may hold unzipped (bytes): a loop
#: gone wrong, or a zip bomb, is refused rather than filling memory
MAX_OUTPUT_CHARS = 5_000_000
MAX_DOCX_UNZIPPED = 30 * 1024 * 1024


def text_environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, finalize=fence, autoescape=False
    )
    env.filters.update(FILTERS)
    return env


def docx_environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)
    env.filters.update(FILTERS)
    return env


def _template_line(tb: TracebackType | None) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == TEMPLATE_FILE:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def problem(exc: Exception) -> TemplateProblem:
    """What went wrong, in the template's words, with its line when Jinja knows it."""
    if isinstance(exc, TemplateProblem):
        return exc
    if isinstance(exc, TemplateSyntaxError):
        return TemplateProblem(f"syntax error: {exc.message} / 模板语法错误", exc.lineno)
    name = type(exc).__name__
    return TemplateProblem(f"{name}: {exc} / 模板无法渲染", _template_line(exc.__traceback__))


def render_text(source: str, context: dict[str, Any], kinds: frozenset[str] | None = None) -> list[Piece]:
    try:
        template = text_environment().from_string(source)
        template.filename = TEMPLATE_FILE
        chunks, size = [], 0
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise TemplateProblem(f"the template prints more than {MAX_OUTPUT_CHARS} characters / 模板输出过长")
            chunks.append(chunk)
        return parse("".join(chunks), kinds)
    except (TemplateError, TemplateProblem, TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
        raise problem(exc) from exc


def render_docx(content: bytes, context: dict[str, Any]) -> bytes:
    """The Word template filled in (docxtpl; values are escaped for the XML)."""
    from docxtpl import DocxTemplate

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise TemplateProblem("not a Word (.docx) template / 不是有效的Word模板") from exc
    if unzipped > MAX_DOCX_UNZIPPED:
        raise TemplateProblem("the Word template unzips to more than 30 MiB / Word模板解压后过大")
    try:
        template = DocxTemplate(io.BytesIO(content))
        template.render(context, docx_environment(), autoescape=True)
        out = io.BytesIO()
        template.save(out)
        return out.getvalue()
    except (TemplateError, TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
        found = problem(exc)
        near = " ".join(x.strip() for x in getattr(exc, "docx_context", []) if x.strip())
        if near:
            found = TemplateProblem(f"{found.message} (near: {near[:200]})", found.line)
        raise found from exc
    except Exception as exc:  # a file that is no .docx: zip and XML errors
        raise TemplateProblem(f"not a Word (.docx) template: {exc} / 不是有效的Word模板") from exc
