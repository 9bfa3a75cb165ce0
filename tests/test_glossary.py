"""The Vietnamese catalogue follows docs/glossary.md: the main terms, and none of the words it says to avoid."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES" / "django.po"
GLOSSARY = Path(settings.BASE_DIR) / "docs" / "glossary.md"

TERMS = [
    (None, "Vetting", "Xét duyệt tiêu chuẩn"),
    (None, "Candidate", "Chờ xét duyệt"),
    (None, "Vetted", "Đã đạt xét duyệt"),
    (None, "Background check", "Lý lịch"),
    (None, "Change", "Sửa"),
    ("difference over a period", "Change", "Tăng/giảm"),
    ("creation time", "Created", "Thời điểm tạo"),
    (None, "Steering Committee", "Ban Chỉ đạo"),
    (None, "allocation standard", "tiêu chuẩn trang bị"),
    (None, "assignment", "bố trí"),
    (None, "Certificate", "Chứng chỉ"),
    (None, "Chief (Trưởng Công an xã)", "Trưởng Công an xã"),
    (None, "Deputy chief (Phó Trưởng Công an xã)", "Phó Trưởng Công an xã"),
    (None, "Regular commune police", "Công an xã chính quy"),
    (None, "Ward", "Phường"),
    (None, "Township", "Thị trấn"),
    (None, "phase", "giai đoạn"),
    (None, "Coverage", "Tình trạng bố trí"),
    (None, "Register of posts", "Sổ theo dõi bố trí"),
    (None, "Service record", "Quá trình công tác"),
]


@pytest.mark.parametrize(("context", "msgid", "expected"), TERMS, ids=[f"{c or ''}|{m}" for c, m, _e in TERMS])
def test_the_catalogue_says_the_glossary_term(context, msgid, expected):
    with translation.override("vi"):
        shown = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
    assert shown == expected
    assert expected.lower() in GLOSSARY.read_text(encoding="utf-8").lower()


def test_no_translation_uses_a_word_the_glossary_says_to_avoid():
    avoided = re.compile(r"tuyển chọn|thẩm tra", re.IGNORECASE)
    catalogue = polib.pofile(str(CATALOGUE))
    offending = [
        e.msgid
        for e in catalogue
        if not e.obsolete and (avoided.search(e.msgstr) or any(avoided.search(s) for s in e.msgstr_plural.values()))
    ]
    assert offending == []
