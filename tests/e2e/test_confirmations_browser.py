"""Browser journey: a clerk removes an officer from a class, from the menu. With JavaScript the browser asks (the
dialog of ``static/js/confirm.js``), and dismissing it removes nothing; without JavaScript the confirmation page
asks. At 1366×768 and on a phone (390×844), in Vietnamese; on a phone without JavaScript the menu shows open."""

import datetime
import re

import pytest

from tests.builders.browser import sign_in
from tests.builders.training import enrol
from tests.factories import OfficerFactory, vet_fully
from training import services
from training.models import Course, Enrollment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def roster(kon_tum, users):
    admin = users["administrator"]
    course = Course.objects.create(
        code="CAX-01", title_vi="Chức năng, nhiệm vụ, quyền hạn của Công an xã", title_en="Commune police duties",
        subject_area="commune_police_duties", hours=40, is_mandatory=True,
    )  # fmt: skip
    today = datetime.date.today()
    session = services.session_create(
        course=course, province_id=62, starts_on=today + datetime.timedelta(days=3),
        ends_on=today + datetime.timedelta(days=7), place="Trường Chính trị tỉnh Kon Tum",
        instructor="Thượng tá Nguyễn Văn Hùng", capacity=10, created_by=admin,
    )  # fmt: skip
    officers = [vet_fully(OfficerFactory(district_id=610), admin) for _ in range(2)]
    enrol(session, officers, admin)
    return session, officers


def open_the_class_from_the_menu(page, session):
    toggler = page.locator(".navbar-toggler")  # hidden without JavaScript: the menu is shown open (noscript.css)
    if toggler.is_visible():
        toggler.click()
    page.locator("#topnav").get_by_role("link", name="Tập huấn", exact=True).click()
    page.locator(f'a[href="{session.get_absolute_url()}"]').first.click()
    page.wait_for_url(re.compile(rf"/training/classes/{session.pk}/$"))


def remove_button(page, officer):
    return page.locator(f'tr[data-officer="{officer.pk}"]').get_by_test_id("remove-enrolment")


@pytest.mark.parametrize("viewport", [(1366, 768), (390, 844)], ids=["office", "phone"])
def test_removing_an_officer_asks_first_with_and_without_javascript(browser, live_server, roster, users, viewport):
    session, (first, second) = roster
    width, height = viewport
    for javascript in (True, False):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN",
                                      java_script_enabled=javascript)  # fmt: skip
        page = context.new_page()
        try:
            sign_in(page, live_server, users["provincial_clerk"].username)
            open_the_class_from_the_menu(page, session)
            officer = first if javascript else second
            if javascript:
                # Dismissed: nothing happens.
                questions = []

                def dismiss(dialog, questions=questions):
                    questions.append(dialog.message)
                    dialog.dismiss()

                page.once("dialog", dismiss)
                remove_button(page, officer).click()
                page.wait_for_timeout(300)
                assert questions == [f"Xóa {officer.full_name} khỏi lớp này?"]
                assert Enrollment.objects.filter(session=session, officer=officer).exists()
                # Accepted: removed at once, and the page says from which class.
                page.once("dialog", lambda dialog: dialog.accept())
                remove_button(page, officer).click()
            else:
                remove_button(page, officer).click()
                page.get_by_test_id("confirm-page").wait_for()
                assert officer.full_name in page.get_by_test_id("confirm-question").inner_text()
                assert Enrollment.objects.filter(session=session, officer=officer).exists()
                page.get_by_test_id("confirm-button").click()
            page.wait_for_url(re.compile(rf"/training/classes/{session.pk}/$"))
            assert (
                "khỏi lớp “Chức năng, nhiệm vụ, quyền hạn của Công an xã”"
                in page.locator(".alert-success").inner_text()
            )
            assert not Enrollment.objects.filter(session=session, officer=officer).exists()
        finally:
            context.close()
        # Put the officer back for the next round.
        enrol(session, [officer], users["administrator"])
