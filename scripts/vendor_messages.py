"""Write ``locale_vendor/vi/LC_MESSAGES/django.po``: Vietnamese for the third-party apps that ship none
(django-axes, django-import-export, django-simple-history), kept apart from the project's catalogue because
``makemessages --no-obsolete`` there would drop these msgids. The translations live below; after upgrading one
of the apps, ``--check`` lists the msgids of the installed versions that have none (it extracts them as
``makemessages`` does, with xgettext); ``make messages`` compiles the catalogue.

    python scripts/vendor_messages.py            # rewrite the catalogue
    python scripts/vendor_messages.py --check    # exit 1 if an installed msgid has no translation here
"""

import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale_vendor" / "vi" / "LC_MESSAGES" / "django.po"

# (msgid, msgstr) or (msgid, msgid_plural, msgstr) per package; the terms follow docs/glossary.md.
AXES = [
    ("Locked Out", "Bị khóa đăng nhập"),
    ("Yes", "Có"),
    ("No", "Không"),
    ("Form Data", "Dữ liệu biểu mẫu"),
    ("Meta Data", "Thông tin yêu cầu"),
    ("Clean up expired attempts", "Xóa các lần đăng nhập đã hết hạn"),
    ("Cleaned up {count} expired access attempts.", "Đã xóa {count} lần đăng nhập đã hết hạn."),
    ("Not set", "Chưa đặt"),
    ("Attempt Remaining", "Số lần thử còn lại"),
    ("User Agent", "Trình duyệt (User-Agent)"),
    ("IP Address", "Địa chỉ IP"),
    ("Username", "Tên đăng nhập"),
    ("HTTP Accept", "HTTP Accept"),
    ("Path", "Đường dẫn"),
    ("Attempt Time", "Thời điểm đăng nhập"),
    ("Access lock out", "Khóa đăng nhập"),
    ("access failure", "lần đăng nhập sai"),
    ("access failures", "lần đăng nhập sai"),
    ("GET Data", "Dữ liệu GET"),
    ("POST Data", "Dữ liệu POST"),
    ("Failed Logins", "Số lần đăng nhập sai"),
    ("access attempt", "lần đăng nhập sai"),
    ("access attempts", "lần đăng nhập sai"),
    ("Access Attempt", "Lần đăng nhập sai"),
    ("Expires At", "Hết hạn lúc"),
    (
        "The time when access attempt expires and is no longer valid.",
        "Thời điểm lần đăng nhập sai hết hạn và không còn được tính.",
    ),
    ("access attempt expiration", "thời hạn lần đăng nhập sai"),
    ("access attempt expirations", "thời hạn lần đăng nhập sai"),
    ("Logout Time", "Thời điểm đăng xuất"),
    ("Session key hash (sha256)", "Mã băm khóa phiên (sha256)"),
    ("access log", "nhật ký đăng nhập"),
    ("access logs", "nhật ký đăng nhập"),
    (
        "Account locked: too many login attempts. Please try again later.",
        "Tài khoản bị khóa: đăng nhập sai quá nhiều lần. Vui lòng thử lại sau.",
    ),
    (
        "Account locked: too many login attempts. Contact an admin to unlock your account.",
        "Tài khoản bị khóa: đăng nhập sai quá nhiều lần. Liên hệ quản trị hệ thống để mở khóa.",
    ),
]
IMPORT_EXPORT = [
    (
        "The following fields are declared in 'import_id_fields' but are not present in the resource fields: %s",
        "Các trường sau được khai báo trong 'import_id_fields' nhưng không có trong các trường của tài nguyên: %s",
    ),
    (
        "The following fields are declared in 'import_id_fields' but are not present in the file headers: %s",
        "Các trường sau được khai báo trong 'import_id_fields' nhưng không có trong tiêu đề của tệp: %s",
    ),
    ("call to force_str() on instance failed: %s", "gọi force_str() trên đối tượng không thành công: %s"),
    ("Import", "Nhập từ tệp"),
    ("%s through import_export", "%s qua nhập/xuất tệp"),
    (
        "Import finished: {} new, {} updated, {} deleted and {} skipped {}.",
        "Đã nhập xong: {} mới, {} cập nhật, {} xóa và {} bỏ qua ({}).",
    ),
    (
        "%(exc_name)s encountered while trying to read file. Ensure you have chosen the correct format for the file.",
        "Gặp lỗi %(exc_name)s khi đọc tệp. Kiểm tra lại định dạng tệp đã chọn.",
    ),
    (
        "No valid data to import. Ensure your file has the correct headers or data for import.",
        "Không có dữ liệu hợp lệ để nhập. Kiểm tra tiêu đề cột và dữ liệu trong tệp.",
    ),
    ("Export", "Xuất ra tệp"),
    ("Export selected %(verbose_name_plural)s", "Xuất các %(verbose_name_plural)s đã chọn"),
    ("Value could not be parsed.", "Không đọc được giá trị."),
    (
        "use_natural_foreign_keys and key_is_id cannot both be True",
        "use_natural_foreign_keys và key_is_id không thể cùng là True",
    ),
    ("Resource", "Tài nguyên"),
    ("Format", "Định dạng"),
    ("File to import", "Tệp cần nhập"),
    ("Form is not validated, call `is_valid` first", "Biểu mẫu chưa được kiểm tra, cần gọi `is_valid` trước"),
    (
        'Select at least 1 field for "%(resource_name)s" to export',
        'Chọn ít nhất 1 trường của "%(resource_name)s" để xuất',
    ),
    (
        "Below is a preview of data to be imported. If you are satisfied with the results, click 'Confirm import'",
        "Dưới đây là dữ liệu sẽ được nhập. Nếu kết quả đúng, bấm 'Xác nhận nhập'",
    ),
    ("Confirm import", "Xác nhận nhập"),
    ("Submit", "Gửi"),
    ("Errors", "Lỗi"),
    ("Line number", "Dòng số"),
    ("Some rows failed to validate", "Một số dòng không hợp lệ"),
    (
        "Please correct these errors in your data where possible, then reupload it using the form above.",
        "Vui lòng sửa các lỗi này trong tệp rồi tải lên lại bằng biểu mẫu phía trên.",
    ),
    ("Row", "Dòng"),
    ("Non field specific", "Lỗi chung (không thuộc trường nào)"),
    ("Preview", "Xem trước"),
    ("New", "Mới"),
    ("Skipped", "Bỏ qua"),
    ("Delete", "Xóa"),
    ("Update", "Cập nhật"),
    ("This exporter will export the following fields: ", "Sẽ xuất các trường sau: "),
    ("This importer will import the following fields: ", "Sẽ nhập các trường sau: "),
    ("Export %(len)s selected item.", "Export %(len)s selected items.", "Xuất %(len)s mục đã chọn."),
    ("Select all", "Chọn tất cả"),
    ("Home", "Trang chủ"),
    ("export failed due to IllegalCharacterError", "xuất tệp không thành công do có ký tự không hợp lệ"),
]
SIMPLE_HISTORY = [
    ("View history: %s", "Xem lịch sử: %s"),
    ("Change history: %s", "Lịch sử thay đổi: %s"),
    ('The %(name)s "%(obj)s" was changed successfully.', 'Đã sửa %(name)s "%(obj)s".'),
    ("You may edit it again below", "Có thể sửa tiếp ở bên dưới"),
    ("View %s", "Xem %s"),
    ("Revert %s", "Khôi phục %s"),
    ("Created", "Tạo mới"),
    ("Changed", "Thay đổi"),
    ("Deleted", "Đã xóa"),
    ("Deleted %(type_name)s", "%(type_name)s đã xóa"),
    ("Revert", "Khôi phục"),
    ("Change History", "Lịch sử thay đổi"),
    ("Close", "Đóng"),
    ("History", "Lịch sử"),
    ("View %(verbose_name)s", "Xem %(verbose_name)s"),
    ("Revert %(verbose_name)s", "Khôi phục %(verbose_name)s"),
    ("View on site", "Xem trên trang"),
    (
        "Press the 'Revert' button below to revert to this version of the object.",
        "Bấm nút 'Khôi phục' bên dưới để khôi phục phiên bản này.",
    ),
    (
        "Press the 'Change History' button below to edit the history.",
        "Bấm nút 'Lịch sử thay đổi' bên dưới để sửa lịch sử.",
    ),
    (
        "Choose a date from the list below to revert to a previous version of this object.",
        "Chọn một thời điểm trong danh sách bên dưới để khôi phục phiên bản trước của đối tượng này.",
    ),
    ("This object doesn't have a change history.", "Đối tượng này chưa có lịch sử thay đổi."),
    ("Object", "Đối tượng"),
    ("Date/time", "Thời điểm"),
    ("Comment", "Ghi chú"),
    ("Changed by", "Người sửa"),
    ("Change reason", "Lý do thay đổi"),
    ("Changes", "Thay đổi"),
    ("None", "Không có"),
    ("entry", "entries", "mục"),
]
# Django's own admin and auth strings that its Vietnamese catalogue lacks (Django 5.2).
DJANGO_ADMIN = [
    ("Change", "Sửa"),  # Django's own Vietnamese says "Tăng/giảm" (a change of a quantity) for the admin's link
    ("Select this object for an action - {}", "Chọn đối tượng này để thực hiện thao tác - {}"),
    ("Breadcrumbs", "Đường dẫn trang"),
    ("Model name", "Tên bảng dữ liệu"),
    ("Add link", "Liên kết thêm mới"),
    ("Change or view list link", "Liên kết sửa hoặc xem danh sách"),
    (
        "After you’ve created a user, you’ll be able to edit more user options.",
        "Sau khi tạo người dùng, có thể sửa thêm các thông tin khác.",
    ),
    ("Error:", "Lỗi:"),
    ("Set password", "Đặt mật khẩu"),
    (
        "This action will <strong>enable</strong> password-based authentication for this user.",
        "Thao tác này sẽ <strong>bật</strong> đăng nhập bằng mật khẩu cho người dùng này.",
    ),
    ("Disable password-based authentication", "Tắt đăng nhập bằng mật khẩu"),
    ("Enable password-based authentication", "Bật đăng nhập bằng mật khẩu"),
    ("Skip to main content", "Chuyển đến nội dung chính"),
    ("Hide counts", "Ẩn số lượng"),
    ("Show counts", "Hiện số lượng"),
    ("Toggle theme (current theme: auto)", "Đổi giao diện (hiện tại: tự động)"),
    ("Toggle theme (current theme: light)", "Đổi giao diện (hiện tại: sáng)"),
    ("Toggle theme (current theme: dark)", "Đổi giao diện (hiện tại: tối)"),
    ("Added:", "Đã thêm:"),
    ("Changed:", "Đã sửa:"),
    ("Deleted:", "Đã xóa:"),
    ("Forgotten your login credentials?", "Quên thông tin đăng nhập?"),
    ("Toggle navigation", "Ẩn/hiện thanh điều hướng"),
    ("Sidebar", "Thanh bên"),
    ("Filter navigation items", "Lọc mục điều hướng"),
    ("View selected %(model)s", "Xem %(model)s đã chọn"),
    ("In case you’ve forgotten, you are:", "Nếu bạn quên, bạn là:"),
    ("Select all objects on this page for an action", "Chọn tất cả đối tượng trên trang này để thực hiện thao tác"),
    ("Conflicting form data submitted. Please try again.", "Dữ liệu biểu mẫu bị xung đột. Vui lòng thử lại."),
    ("Password-based authentication was disabled.", "Đã tắt đăng nhập bằng mật khẩu."),
    ("Set password: %s", "Đặt mật khẩu: %s"),
    ("Reset password", "Đặt lại mật khẩu"),
    (
        "Whether the user will be able to authenticate using a password or not. If disabled, they may still be able "
        "to authenticate using other backends, such as Single Sign-On or LDAP.",
        "Người dùng có được đăng nhập bằng mật khẩu hay không. Nếu tắt, người dùng vẫn có thể đăng nhập bằng cách "
        "khác, như đăng nhập một lần (SSO) hoặc LDAP.",
    ),
    ("Password-based authentication", "Đăng nhập bằng mật khẩu"),
    ("Enabled", "Đang bật"),
    ("Disabled", "Đang tắt"),
    (
        "Raw passwords are not stored, so there is no way to see the user’s password.",
        "Mật khẩu không được lưu ở dạng gốc nên không thể xem mật khẩu của người dùng.",
    ),
    (
        "Enable password-based authentication for this user by setting a password.",
        "Đặt mật khẩu để bật đăng nhập bằng mật khẩu cho người dùng này.",
    ),
    (
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "Mật khẩu quá ngắn. Mật khẩu phải có ít nhất %d ký tự.",
    ),
    (
        "Enter a valid username. This value may contain only unaccented lowercase a-z and uppercase A-Z letters, "
        "numbers, and @/./+/-/_ characters.",
        "Nhập tên đăng nhập hợp lệ: chỉ gồm chữ cái không dấu a-z, A-Z, chữ số và các ký tự @/./+/-/_.",
    ),
]
PACKAGES = {"django-axes": AXES, "django-import-export": IMPORT_EXPORT, "django-simple-history": SIMPLE_HISTORY,
            "django (admin, auth)": DJANGO_ADMIN}  # fmt: skip
MODULES = {"django-axes": "axes", "django-import-export": "import_export", "django-simple-history": "simple_history"}
KEYWORDS = ["_", "gettext", "gettext_lazy", "gettext_noop", "ngettext:1,2", "ngettext_lazy:1,2", "pgettext:1c,2",
            "pgettext_lazy:1c,2", "npgettext:1c,2,3", "npgettext_lazy:1c,2,3"]  # fmt: skip


def installed_msgids(module: str) -> set[str]:
    """The msgids of an installed app's Python code and templates (tests and locale left out), as makemessages
    extracts them: templates through Django's ``templatize``, then xgettext. Needs Django set up."""
    from django.utils.translation.template import templatize

    root = Path(importlib.util.find_spec(module).origin).parent
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for path in sorted(root.rglob("*")):
            if not path.is_file() or {"tests", "locale"} & set(path.relative_to(root).parts):
                continue
            if path.suffix == ".py":
                files.append(str(path))
            elif path.suffix in (".html", ".txt"):
                copy = Path(tmp) / (str(path.relative_to(root)).replace("/", "_") + ".py")
                copy.write_text(templatize(path.read_text(encoding="utf-8"), origin=str(path)), encoding="utf-8")
                files.append(str(copy))
        pot = Path(tmp) / "messages.pot"
        keywords = [f"--keyword={k}" for k in KEYWORDS]
        subprocess.run(  # noqa: S603 - fixed arguments, file names from the installed package
            ["xgettext", "--language=Python", "--from-code=UTF-8", *keywords, "-o", str(pot), *files],  # noqa: S607
            check=True,
        )
        return {entry.msgid for entry in polib.pofile(str(pot))}


def build() -> polib.POFile:
    po = polib.POFile(wrapwidth=0)
    po.metadata = {
        "Project-Id-Version": "rollout vendor apps",
        "Language": "vi",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": "nplurals=1; plural=0;",
    }
    seen = set()
    for package, entries in PACKAGES.items():
        for entry in entries:
            if entry[0] in seen:  # one msgid, one translation: the first package's
                continue
            seen.add(entry[0])
            if len(entry) == 3:
                msgid, plural, msgstr = entry
                po.append(polib.POEntry(msgid=msgid, msgid_plural=plural, msgstr_plural={0: msgstr}, comment=package))
            else:
                po.append(polib.POEntry(msgid=entry[0], msgstr=entry[1], comment=package))
    return po


if __name__ == "__main__":
    catalogue = build()
    if "--check" in sys.argv:
        import os

        import django

        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rollout.settings")
        django.setup()
        translated = {e.msgid for e in polib.pofile(str(CATALOGUE)) if e.translated()}
        missing = set().union(*(installed_msgids(m) for m in MODULES.values())) - translated
        print("\n".join(sorted(missing)) or "every msgid of the installed apps is translated")
        sys.exit(1 if missing else 0)
    CATALOGUE.parent.mkdir(parents=True, exist_ok=True)
    catalogue.save(str(CATALOGUE))
    print(f"{CATALOGUE.relative_to(ROOT)}: {len(catalogue)} entries")
