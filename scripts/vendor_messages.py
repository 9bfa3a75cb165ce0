"""Write ``locale_vendor/vi/LC_MESSAGES/django.po``: Vietnamese for the third-party apps that ship none
(django-axes, django-import-export, django-simple-history) or too little (Django REST framework's error
messages), kept apart from the project's catalogue because ``makemessages --no-obsolete`` there would drop these
msgids. The translations live below; after upgrading one
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
# Django REST framework ships 20 Vietnamese messages: these are the ones a JSON client of the API can receive (its
# fields, relations, serializers, validators, exceptions, authentication and pagination; the browsable API is off),
# worded as Django's own form messages where they mean the same (so the API says what the forms say).
DRF = [
    ("This field is required.", "Trường này là bắt buộc."),
    ("This field may not be null.", "Trường này không được để trống (null)."),
    ("Must be a valid boolean.", "Phải là giá trị đúng/sai (true/false)."),
    ("Not a valid string.", "Không phải là chuỗi ký tự hợp lệ."),
    ("This field may not be blank.", "Trường này không được để trống."),
    (
        "Ensure this field has no more than {max_length} characters.",
        "Trường này không được dài quá {max_length} ký tự.",
    ),
    ("Ensure this field has at least {min_length} characters.", "Trường này phải có ít nhất {min_length} ký tự."),
    ("Enter a valid email address.", "Nhập một địa chỉ email hợp lệ."),
    ("This value does not match the required pattern.", "Giá trị này không đúng mẫu quy định."),
    ("Enter a valid URL.", "Nhập một URL hợp lệ."),
    ("Must be a valid UUID.", "Phải là một UUID hợp lệ."),
    ("Enter a valid IPv4 or IPv6 address.", "Nhập một địa chỉ IPv4 hoặc IPv6 hợp lệ."),
    ("A valid integer is required.", "Nhập một số nguyên."),
    ("Ensure this value is less than or equal to {max_value}.", "Giá trị này phải nhỏ hơn hoặc bằng {max_value}."),
    ("Ensure this value is greater than or equal to {min_value}.", "Giá trị này phải lớn hơn hoặc bằng {min_value}."),
    ("String value too large.", "Chuỗi giá trị quá dài."),
    ("A valid biginteger is required.", "Nhập một số nguyên."),
    ("A valid number is required.", "Nhập một số."),
    ("Integer value too large to convert to float", "Số nguyên quá lớn để đổi sang số thực"),
    (
        "Ensure that there are no more than {max_digits} digits in total.",
        "Số này không được có quá {max_digits} chữ số.",
    ),
    (
        "Ensure that there are no more than {max_decimal_places} decimal places.",
        "Số này không được có quá {max_decimal_places} chữ số thập phân.",
    ),
    (
        "Ensure that there are no more than {max_whole_digits} digits before the decimal point.",
        "Số này không được có quá {max_whole_digits} chữ số trước dấu thập phân.",
    ),
    (
        "Datetime has wrong format. Use one of these formats instead: {format}.",
        "Thời điểm sai định dạng. Dùng một trong các định dạng: {format}.",
    ),
    ("Expected a datetime but got a date.", "Cần một thời điểm (ngày và giờ), nhận được một ngày."),
    ('Invalid datetime for the timezone "{timezone}".', "Thời điểm không hợp lệ ở múi giờ “{timezone}”."),
    ("Datetime value out of range.", "Thời điểm nằm ngoài khoảng cho phép."),
    (
        "Date has wrong format. Use one of these formats instead: {format}.",
        "Ngày sai định dạng. Dùng một trong các định dạng: {format}.",
    ),
    ("Expected a date but got a datetime.", "Cần một ngày, nhận được một thời điểm (ngày và giờ)."),
    (
        "Time has wrong format. Use one of these formats instead: {format}.",
        "Giờ sai định dạng. Dùng một trong các định dạng: {format}.",
    ),
    (
        "Duration has wrong format. Use one of these formats instead: {format}.",
        "Khoảng thời gian sai định dạng. Dùng một trong các định dạng: {format}.",
    ),
    ("The number of days must be between {min_days} and {max_days}.", "Số ngày phải từ {min_days} đến {max_days}."),
    ('"{input}" is not a valid choice.', "“{input}” không phải là một lựa chọn hợp lệ."),
    ("More than {count} items...", "Hơn {count} mục..."),
    ('Expected a list of items but got type "{input_type}".', "Cần một danh sách, nhận được kiểu “{input_type}”."),
    ("This selection may not be empty.", "Phải chọn ít nhất một mục."),
    ('"{input}" is not a valid path choice.', "“{input}” không phải là một đường dẫn hợp lệ."),
    ("No file was submitted.", "Chưa gửi tệp nào."),
    (
        "The submitted data was not a file. Check the encoding type on the form.",
        "Dữ liệu gửi lên không phải là tệp. Kiểm tra kiểu mã hóa của biểu mẫu.",
    ),
    ("No filename could be determined.", "Không xác định được tên tệp."),
    ("The submitted file is empty.", "Tệp gửi lên trống."),
    (
        "Ensure this filename has at most {max_length} characters (it has {length}).",
        "Tên tệp không được dài quá {max_length} ký tự (hiện có {length}).",
    ),
    (
        "Upload a valid image. The file you uploaded was either not an image or a corrupted image.",
        "Tải lên một ảnh hợp lệ. Tệp đã tải lên không phải là ảnh hoặc ảnh bị hỏng.",
    ),
    ("This list may not be empty.", "Danh sách này không được để trống."),
    ("Ensure this field has at least {min_length} elements.", "Danh sách này phải có ít nhất {min_length} mục."),
    ("Ensure this field has no more than {max_length} elements.", "Danh sách này không được có quá {max_length} mục."),
    (
        'Expected a dictionary of items but got type "{input_type}".',
        "Cần một đối tượng (từ điển), nhận được kiểu “{input_type}”.",
    ),
    ("This dictionary may not be empty.", "Đối tượng này không được để trống."),
    ("Value must be valid JSON.", "Giá trị phải là JSON hợp lệ."),
    ('Invalid pk "{pk_value}" - object does not exist.', "Mã “{pk_value}” không hợp lệ: không có đối tượng này."),
    (
        "Incorrect type. Expected pk value, received {data_type}.",
        "Kiểu dữ liệu không đúng: cần mã số, nhận được {data_type}.",
    ),
    ("Invalid hyperlink - No URL match.", "Liên kết không hợp lệ: không khớp URL nào."),
    ("Invalid hyperlink - Incorrect URL match.", "Liên kết không hợp lệ: khớp sai URL."),
    ("Invalid hyperlink - Object does not exist.", "Liên kết không hợp lệ: không có đối tượng này."),
    (
        "Incorrect type. Expected URL string, received {data_type}.",
        "Kiểu dữ liệu không đúng: cần một URL, nhận được {data_type}.",
    ),
    ("Object with {slug_name}={value} does not exist.", "Không có đối tượng có {slug_name}={value}."),
    ("Invalid value.", "Giá trị không hợp lệ."),
    (
        "Invalid data. Expected a dictionary, but got {datatype}.",
        "Dữ liệu không hợp lệ: cần một đối tượng (từ điển), nhận được {datatype}.",
    ),
    ("A server error occurred.", "Máy chủ gặp lỗi."),
    ("Invalid input.", "Dữ liệu không hợp lệ."),
    ("Malformed request.", "Yêu cầu sai cấu trúc."),
    ("Incorrect authentication credentials.", "Thông tin xác thực không đúng."),
    ("Authentication credentials were not provided.", "Chưa gửi thông tin xác thực (token)."),
    ("You do not have permission to perform this action.", "Bạn không có quyền thực hiện thao tác này."),
    ("Not found.", "Không tìm thấy."),
    ('Method "{method}" not allowed.', "Không chấp nhận phương thức “{method}”."),
    ("Could not satisfy the request Accept header.", "Không đáp ứng được tiêu đề Accept của yêu cầu."),
    ('Unsupported media type "{media_type}" in request.', "Không hỗ trợ kiểu dữ liệu “{media_type}” của yêu cầu."),
    ("Request was throttled.", "Quá nhiều yêu cầu."),
    ("Expected available in {wait} second.", "Expected available in {wait} seconds.", "Hãy thử lại sau {wait} giây."),
    ("Invalid page.", "Trang không hợp lệ."),
    ("Invalid cursor", "Con trỏ trang không hợp lệ"),
    ("A page number within the paginated result set.", "Số thứ tự trang trong kết quả."),
    ("Number of results to return per page.", "Số dòng mỗi trang."),
    ("This field must be unique.", "Giá trị của trường này đã có."),
    ("The fields {field_names} must make a unique set.", "Bộ giá trị của các trường {field_names} đã có."),
    (
        "Surrogate characters are not allowed: U+{code_point:X}.",
        "Không được dùng ký tự thay thế (surrogate): U+{code_point:X}.",
    ),
    ("Null characters are not allowed.", "Không được dùng ký tự rỗng (NUL)."),
    # Django's own Vietnamese for the forms' whole number reads "số tổng thể": the API and the forms say it alike.
    ("Enter a whole number.", "Nhập một số nguyên."),
]
PACKAGES = {"django-axes": AXES, "django-import-export": IMPORT_EXPORT, "django-simple-history": SIMPLE_HISTORY,
            "django (admin, auth)": DJANGO_ADMIN, "djangorestframework": DRF}  # fmt: skip
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
