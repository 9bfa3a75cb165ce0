"""Each rule an import checks is the service's, written once: refused through the import with the service's
message (on the row and column it concerns) and nothing written, and refused the same by the service itself and
by the page's form. Imports write through the services too.

Workbooks are built with openpyxl and go through the real views (English, by the language cookie)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from equipment import services as equipment_services
from equipment.forms import ReceiveForm
from equipment.models import Category, EquipmentItem, EquipmentType, Warehouse
from rollout.core.spreadsheets import XLSX_CONTENT_TYPE
from tests.builders.spreadsheets import xlsx
from tests.builders.training import enrol
from tests.factories import CourseFactory, OfficerFactory, TrainingSessionFactory, vet_fully
from training import services as training_services
from training.forms import ResultsForm
from training.models import Enrollment

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
TOMORROW = TODAY + datetime.timedelta(days=1)
ITEM_HEADERS = ["Mã loại", "Số sê-ri", "Kho", "Ngày nhập", "Ghi chú"]
RESULT_HEADERS = ["Số hiệu", "Có mặt", "Điểm", "Đạt"]
STORE = "Kho Công an tỉnh"
IN_THE_FUTURE = "Stock cannot be received in the future."
BY_QUANTITY = "This type is counted by quantity, not by serial number."
ABSENT_PASS = "An officer who did not attend cannot pass."


@pytest.fixture(autouse=True)
def _english(client, settings):
    """Messages asserted in English: the services' in this thread, the pages' through the language cookie."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("nhap.xlsx", content, content_type=XLSX_CONTENT_TYPE)


def row_errors(response) -> dict[int, list[tuple[str, str]]]:
    """The preview's errors, by row of the sheet: (column, message)."""
    return {row.number: [(e.column, e.message) for e in row.errors] for row in response.context["report"].errors}


# --- equipment items ---------------------------------------------------------------------------------------------


@pytest.fixture
def catalogue(kon_tum):
    radio = EquipmentType.objects.create(code="may-bo-dam", name="Máy bộ đàm", category=Category.COMMUNICATION,
                                         unit="chiếc")  # fmt: skip
    baton = EquipmentType.objects.create(code="dui-cao-su", name="Dùi cui", category=Category.SUPPORT_TOOL,
                                         unit="chiếc", is_serialized=False)  # fmt: skip
    return {"radio": radio, "baton": baton, "store": Warehouse.objects.create(province_id=62, name=STORE)}


def items_preview(client, rows):
    return client.post(reverse("equipment:items_import"), {"file": upload(xlsx(ITEM_HEADERS, rows))})


def test_stock_received_in_the_future_is_refused_by_the_import_the_service_and_the_form(catalogue, client_as, users):
    response = items_preview(
        client_as("provincial_clerk"), [["may-bo-dam", "BD-100", STORE, f"{TOMORROW:%d/%m/%Y}", None]]
    )

    assert response.status_code == 400
    assert row_errors(response) == {2: [("Ngày nhập", IN_THE_FUTURE)]}
    assert not EquipmentItem.objects.exists()

    with pytest.raises(ValidationError) as refused:
        equipment_services.items_receive(warehouse=catalogue["store"], equipment_type=catalogue["radio"],
                                         serial_numbers=["BD-100"], received_on=TOMORROW,
                                         user=users["provincial_clerk"])  # fmt: skip
    assert refused.value.message_dict == {"received_on": [IN_THE_FUTURE]}
    form = ReceiveForm({"warehouse": catalogue["store"].pk, "equipment_type": catalogue["radio"].pk,
                        "received_on": f"{TOMORROW:%d/%m/%Y}", "serial_numbers": "BD-100"},
                       warehouses=Warehouse.objects.all())  # fmt: skip
    assert form.errors["received_on"] == [IN_THE_FUTURE]
    assert not EquipmentItem.objects.exists()


def test_a_known_unit_moved_to_a_future_date_is_refused_by_the_import_and_the_service(catalogue, client_as, users):
    (item,) = equipment_services.items_receive(warehouse=catalogue["store"], equipment_type=catalogue["radio"],
                                               serial_numbers=["BD-100"], received_on=TODAY,
                                               user=users["provincial_clerk"])  # fmt: skip

    response = items_preview(
        client_as("provincial_clerk"), [["may-bo-dam", "BD-100", STORE, f"{TOMORROW:%d/%m/%Y}", None]]
    )

    assert row_errors(response) == {2: [("Ngày nhập", IN_THE_FUTURE)]}
    with pytest.raises(ValidationError) as refused:
        equipment_services.item_update(item=item, warehouse=catalogue["store"], received_on=TOMORROW, note="",
                                       user=users["provincial_clerk"])  # fmt: skip
    assert refused.value.message_dict == {"received_on": [IN_THE_FUTURE]}
    assert EquipmentItem.objects.get().received_on == TODAY
    assert item.history.count() == 1


def test_a_type_counted_by_quantity_is_refused_by_the_import_and_the_service(catalogue, client_as, users):
    response = items_preview(client_as("provincial_clerk"), [["dui-cao-su", "X-1", STORE, f"{TODAY:%d/%m/%Y}", None]])

    assert row_errors(response) == {2: [("Mã loại", BY_QUANTITY)]}
    with pytest.raises(ValidationError) as refused:
        equipment_services.items_receive(warehouse=catalogue["store"], equipment_type=catalogue["baton"],
                                         serial_numbers=["X-1"], received_on=TODAY,
                                         user=users["provincial_clerk"])  # fmt: skip
    assert refused.value.message_dict == {"equipment_type": [BY_QUANTITY]}
    assert not EquipmentItem.objects.exists()


def test_the_items_import_writes_through_the_services(catalogue, client_as, users):
    """A new unit is received as on the receive page (in stock, with its note, by the importer), a known one is
    corrected (one change in its history)."""
    clerk = client_as("provincial_clerk")
    (known,) = equipment_services.items_receive(warehouse=catalogue["store"], equipment_type=catalogue["radio"],
                                                serial_numbers=["BD-100"], received_on=TODAY,
                                                user=users["provincial_clerk"])  # fmt: skip
    yesterday = f"{TODAY - datetime.timedelta(days=1):%d/%m/%Y}"
    rows = [["may-bo-dam", "BD-100", STORE, yesterday, "Kiểm kê"], ["may-bo-dam", "BD-101", STORE, yesterday, "Mới"]]

    response = items_preview(clerk, rows)
    assert response.status_code == 200, row_errors(response)
    assert clerk.post(reverse("equipment:items_import"), {"token": response.context["token"]}).status_code == 302

    new = EquipmentItem.objects.get(serial_number="BD-101")
    assert (new.status, new.note, new.warehouse) == ("in_stock", "Mới", catalogue["store"])
    assert new.history.get().history_user == users["provincial_clerk"]
    known.refresh_from_db()
    assert (known.note, known.received_on) == ("Kiểm kê", TODAY - datetime.timedelta(days=1))
    assert [h.history_type for h in known.history.all()] == ["~", "+"]


def test_the_admin_import_of_items_refuses_the_same_rule(catalogue, client_as):
    admin = client_as("administrator")
    content = xlsx(ITEM_HEADERS, [["may-bo-dam", "BD-100", STORE, f"{TOMORROW:%d/%m/%Y}", None]])

    response = admin.post(reverse("admin:equipment_equipmentitem_import"),
                          {"resource": "0", "format": "0", "import_file": upload(content)})  # fmt: skip

    assert response.status_code == 200
    result = response.context["result"]
    assert [row.error_dict for row in result.invalid_rows] == [{"received_on": [IN_THE_FUTURE]}]
    assert not EquipmentItem.objects.exists()


# --- class results ------------------------------------------------------------------------------------------------


@pytest.fixture
def seat(kon_tum, users):
    """One vetted officer's seat in a class of Kon Tum that ran until yesterday, with no result yet."""
    session = TrainingSessionFactory(course=CourseFactory(), created_by=users["provincial_clerk"])
    officer = vet_fully(OfficerFactory(district_id=610), users["provincial_clerk"])
    enrol(session, [officer], users["provincial_clerk"])
    return Enrollment.objects.select_related("session", "officer").get(officer=officer)


def results(seat) -> tuple:
    return tuple(Enrollment.objects.values_list("attended", "score", "passed", "certificate_number").get(pk=seat.pk))


def test_a_pass_without_attendance_is_refused_by_the_import_the_service_and_the_results_page(seat, client_as, users):
    url = reverse("training:session_results_import", args=[seat.session_id])
    content = xlsx(RESULT_HEADERS, [[seat.officer.police_number, "Không", 7, "Có"]])
    before = results(seat)

    response = client_as("provincial_clerk").post(url, {"file": upload(content)})

    assert response.status_code == 400
    assert row_errors(response) == {2: [("Đạt", ABSENT_PASS)]}
    assert results(seat) == before

    row = training_services.ResultRow(seat.pk, attended=False, score=None, passed=True)
    with pytest.raises(ValidationError) as refused:
        training_services.results_record(session=seat.session, rows=[row], recorded_by=users["provincial_clerk"])
    assert refused.value.message_dict == {str(seat.pk): [ABSENT_PASS]}
    data = {f"attended_{seat.pk}": "no", f"score_{seat.pk}": "", f"passed_{seat.pk}": "yes",
            f"shown_{seat.pk}": "||"}  # fmt: skip
    form = ResultsForm(data, enrollments=[seat])
    assert form.errors == {f"passed_{seat.pk}": [ABSENT_PASS]}
    assert results(seat) == before
