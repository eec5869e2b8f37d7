"""OFD (experimental): a letter's full text on A4 pages, with a CJK font embedded that covers
every character, read back by following the file's own references."""

import dataclasses
import io
import os
import re
import zipfile

import pytest
from fontTools.ttLib import TTFont

from rectify_shared.enums import ReportFormat
from rectify_shared.escalation_policy import Level
from report_worker.kinds import get
from report_worker.pdf import cjk_font_available
from report_worker.render.escalation_notice import blocks, copies
from report_worker.render.ofd import NS, missing_glyphs, read_ofd

from .test_letter_layout import PROBLEM_9, letter

requires_cjk_font = pytest.mark.skipif(
    not cjk_font_available() and os.environ.get("CI") != "true",
    reason="no CJK font installed (run `make fonts` or apt-get install fonts-noto-cjk); with CI=true this fails",
)


@requires_cjk_font
@pytest.mark.parametrize("notice", [letter(Level.summons, 0), letter(Level.supervision, 0, 8)], ids=["summons", "long"])
def test_the_ofd_holds_the_whole_letter_with_its_font(notice) -> None:
    content = get("escalation_notice").render(notice, ReportFormat.ofd)
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        assert {"OFD.xml", "Doc_0/Document.xml", "Doc_0/PublicRes.xml"} <= set(z.namelist())
        assert f'xmlns:ofd="{NS}"' in z.read("OFD.xml").decode("utf-8")
        assert "<ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>" in z.read("Doc_0/Document.xml").decode("utf-8")

    doc = read_ofd(content)
    assert doc.title.startswith("关于第二轮中央生态环境保护督察反馈第9项问题整改的")
    text = "".join(line for page in doc.pages for line in page if not re.fullmatch(r"— \d+ —", line))
    for _, block in blocks(notice):
        assert block.replace(" ", "") in text
    assert f"抄送：{PROBLEM_9.cc}。" in text and copies(notice)
    [(name, font_file)] = doc.fonts.items()
    assert "CJK" in name and "CJK" in TTFont(io.BytesIO(font_file))["name"].getDebugName(4)
    assert missing_glyphs(font_file, text) == set()
    # pages numbered; the last page holds more than the closing
    assert [page[-1] for page in doc.pages] == [f"— {n} —" for n in range(1, len(doc.pages) + 1)]
    assert doc.pages[-1][0] != blocks(notice)[-3][1][:10] and len(doc.pages[-1]) > 5
    if notice.level == Level.summons:
        assert "约谈地点：盟行署3楼第一会议室。" in text


@requires_cjk_font
def test_the_notices_come_as_ofd_in_the_offices_words() -> None:
    """销号公示 and the petition notice as OFD: the template's words, the attachment on its own page."""
    from .test_closure_documents import dossier
    from .test_document_templates import CLOSURE_EDITED, PETITION, PETITION_EDITED, text_template

    def lines(kind: str, data) -> list[list[str]]:
        return read_ofd(get(kind).render(data, ReportFormat.ofd)).pages

    closure = lines("closure_notice", dossier(template=text_template(CLOSURE_EDITED)))
    text = "".join(line for page in closure for line in page)
    assert "序号八整改任务拟销号的公示" in text and "特此公示。" in text and "措施⑵　（二）清运积存渗滤液。" in text
    [attachment] = [page for page in closure if page[0] == "附件"]  # the attachment starts a page
    assert "锡林郭勒盟河湖管理中心" in "".join(closure[closure.index(attachment) - 1])
    petition = "".join(line for page in lines("petition_notice", PETITION) for line in page)
    assert "第17批4件" in petition and "截至4月20日" in petition
    edited = dataclasses.replace(PETITION, template=text_template(PETITION_EDITED))
    assert "第十七批4件" in "".join(line for page in lines("petition_notice", edited) for line in page)
