"""The load test's users (``make loadtest``): provincial clerks signing in through the login form, 70% reads and
30% writes through the real forms, each form filled from the page's own HTML (its CSRF token, its defaults)
with the ids ``scripts/loadtest_data.py setup`` prepared (``LOAD_DATA``, a JSON file). Each user takes its own
slice of its province's communes and officers, so two users never write the same rows; every write is undone by
the next step (assign → end, enrol → remove, issue → return), so the data stays what it was.

Requests are grouped by page name (``name=``) in locust's statistics. ``READS`` and ``WRITES`` are the task
weights (a test checks they add up to 70/30) and ``URLS`` the pages used, with sample arguments (a test
resolves them with Django's URL configuration, without locust).
"""

import itertools
import json
import os
import random
import re
from html.parser import HTMLParser

# page name → (URL pattern with {} for the id, a sample id): the pages and forms the users open
URLS = {
    "login": ("/accounts/login/", None),
    "dashboard": ("/", None),
    "commune list": ("/communes/", None),
    "officer list": ("/officers/", None),
    "commune page": ("/communes/{}/", 1),
    "officer page": ("/officers/{}/", 1),
    "assign": ("/officers/assign/{}/", 1),
    "assignment end": ("/officers/assignments/{}/end/", 1),
    "officer enrol": ("/training/officers/{}/enrol/", 1),
    "class page": ("/training/classes/{}/", 1),
    "enrolment remove": ("/training/enrolments/{}/remove/", 1),
    "commune equipment": ("/equipment/communes/{}/", 1),
    "issuance return": ("/equipment/issuances/{}/return/", 1),
}
READS = {"dashboard": 14, "commune_list": 14, "officer_list": 14, "commune_page": 14, "officer_page": 14}
WRITES = {"assign_and_end": 10, "enrol_and_remove": 10, "issue_and_return": 10}


def url(name: str, arg=None) -> str:
    pattern, _sample = URLS[name]
    return pattern.format(arg) if arg is not None else pattern


class _Forms(HTMLParser):
    """Every form of a page: its attributes and the values a browser would send by default."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self._select, self._textarea = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.forms.append({"attrs": attrs, "fields": {}, "options": {}})
        if not self.forms:
            return
        form = self.forms[-1]
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in attrs:
                    form["fields"][name] = attrs.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                form["fields"][name] = attrs.get("value", "")
        elif tag == "select" and name:
            self._select = name
            form["options"][name] = []
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            form["options"][self._select].append(value)
            if "selected" in attrs or self._select not in form["fields"]:
                form["fields"][self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            form["fields"][name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data


def form_of(html: str, posting_to: str | None = None, **match) -> dict | None:
    """The first form with a CSRF token whose attributes include ``match`` (e.g. ``data_testid="assign-form"``)
    and, with ``posting_to``, that posts to that path (no action: the page's own). Every page also has the
    language switch and the sign-out form, so a form is always picked by one or the other."""
    parser = _Forms()
    parser.feed(html)
    wanted = {k.replace("_", "-"): v for k, v in match.items()}
    for form in parser.forms:
        if "csrfmiddlewaretoken" not in form["fields"]:
            continue
        if not all(form["attrs"].get(k) == v for k, v in wanted.items()):
            continue
        if posting_to is not None and form["attrs"].get("action", "").split("?")[0] not in ("", posting_to):
            continue
        return form
    return None


try:
    from locust import HttpUser, between, task
except ImportError:  # the tests import this file for its constants without locust installed
    HttpUser = None

if HttpUser is not None:
    _SLOTS = itertools.count()

    def _data() -> dict:
        """The prepared ids (``LOAD_DATA``), read when the first user starts."""
        if "data" not in _DATA:
            with open(os.environ.get("LOAD_DATA", "loadtest.json"), encoding="utf-8") as data_file:
                _DATA["data"] = json.load(data_file)
        return _DATA["data"]

    _DATA: dict = {}

    def _weighted(weight):
        def decorate(function):
            return task(weight)(function)

        return decorate

    class Clerk(HttpUser):
        wait_time = between(0.5, 2)

        def on_start(self):
            slot = next(_SLOTS)
            provinces = _data()["provinces"]
            self.province = provinces[slot % len(provinces)]
            # this user's own slice of its province's rows: every n-th, starting at its rank in the province
            rank, users = slot // len(provinces), int(os.environ.get("LOAD_USERS", "50"))
            step = max(users // len(provinces), 1)
            self.mine = {key: self.province[key][rank::step] for key in ("uncovered", "assignable", "covered",
                                                                         "enrollable")}  # fmt: skip
            self.officer_ids = []
            self.commune_codes = self.province["covered"] + self.province["uncovered"]
            self.sign_in()

        def sign_in(self):
            page = self.client.get(url("login"), name="login")
            form = form_of(page.text, posting_to=url("login"))
            fields = {**form["fields"], "username": self.province["username"], "password": _data()["password"]}
            with self.client.post(url("login"), data=fields, name="login", catch_response=True,
                                  headers={"Referer": self.host + url("login")}) as response:  # fmt: skip
                if 'name="password"' in response.text:
                    response.failure("sign-in refused")

        def read(self, name, path):
            with self.client.get(path, name=name, catch_response=True) as response:
                if response.status_code != 200 or "/accounts/login/" in response.url:
                    response.failure(f"{response.status_code} at {response.url}")
                return response

        def submit(self, name, path, form, redirect=True, **values):
            """POST the form as a browser would, with ``values`` filled in. Accepted is a redirect (or, with
            ``redirect=False``, a page without errors: a confirmation step); the form again with errors is refused."""
            fields = {**form["fields"], **values}
            action = form["attrs"].get("action") or path
            with self.client.post(action, data=fields, name=name, catch_response=True,
                                  headers={"Referer": self.host + path}) as response:  # fmt: skip
                if "/accounts/login/" in response.url:
                    response.failure(f"{name}: signed out")
                    return None
                if response.status_code != 200 or (redirect and not response.history):
                    response.failure(f"{name}: {response.status_code}, not accepted")
                    return None
                if "alert-danger" in response.text or "invalid-feedback" in response.text:
                    response.failure(f"{name}: refused: {_first_error(response.text)}")
                    return None
                return response

        # -- reads (70%) --
        @_weighted(READS["dashboard"])
        def dashboard(self):
            self.read("dashboard", url("dashboard"))

        @_weighted(READS["commune_list"])
        def commune_list(self):
            self.read("commune list", url("commune list") + f"?page={random.randint(1, 5)}")  # noqa: S311

        @_weighted(READS["officer_list"])
        def officer_list(self):
            response = self.read("officer list", url("officer list") + f"?page={random.randint(1, 5)}")  # noqa: S311
            found = [int(pk) for pk in re.findall(r'href="/officers/(\d+)/"', response.text or "")]
            if found:
                self.officer_ids = found

        @_weighted(READS["commune_page"])
        def commune_page(self):
            self.read("commune page", url("commune page", random.choice(self.commune_codes)))  # noqa: S311

        @_weighted(READS["officer_page"])
        def officer_page(self):
            pool = self.officer_ids or self.province["enrollable"]
            self.read("officer page", url("officer page", random.choice(pool)))  # noqa: S311

        # -- writes (30%) --
        @_weighted(WRITES["assign_and_end"])
        def assign_and_end(self):
            if not self.mine["uncovered"] or not self.mine["assignable"]:
                return
            commune = random.choice(self.mine["uncovered"])  # noqa: S311
            officer = random.choice(self.mine["assignable"])  # noqa: S311
            path = url("assign", commune)
            page = self.read("assign", path)
            form = form_of(page.text, data_testid="assign-form")
            if form is None:
                return
            today = form["fields"].get("started_on", "")
            done = self.submit("assign", path, form, officer=officer, decision_number=f"LT-{random.randint(1, 10**6)}",  # noqa: S311
                               decision_date=today)  # fmt: skip
            if done is None:
                return
            ends = sorted({int(pk) for pk in re.findall(r"/officers/assignments/(\d+)/end/", done.text)})
            if not ends:
                return
            path = url("assignment end", ends[-1]) + "?back=commune"
            page = self.read("assignment end", path)
            form = form_of(page.text, data_testid="end-form")
            if form is None:
                return
            confirm = self.submit("assignment end", path, form, redirect=False, mode="recall", ended_on=today)
            if confirm is None:
                return
            form = form_of(confirm.text, data_testid="confirm-form")
            if form is not None:
                self.submit("assignment end", path, form, confirmed="1")

        @_weighted(WRITES["enrol_and_remove"])
        def enrol_and_remove(self):
            if not self.mine["enrollable"] or not self.province["classes"]:
                return
            officer = random.choice(self.mine["enrollable"])  # noqa: S311
            session = random.choice(self.province["classes"])  # noqa: S311
            page = self.read("officer page", url("officer page", officer))
            token = _csrf(page.text)
            path = url("officer enrol", officer)
            with self.client.post(path, data={"csrfmiddlewaretoken": token, "session": session}, name="officer enrol",
                                  catch_response=True, headers={"Referer": self.host + url("officer page", officer)},
                                  ) as response:  # fmt: skip
                if response.status_code != 200 or "alert-success" not in response.text:
                    response.failure(f"enrol refused: {_first_error(response.text)}")
                    return
            # the class page lists the officer's enrolment with its remove form (a confirmation comes first)
            page = self.read("class page", url("class page", session))
            row = re.search(
                rf'href="/officers/{officer}/".*?action="(/training/enrolments/\d+/remove/)"', page.text or "", re.S
            )
            if row is None or "</tr>" in page.text[page.text.find(f'href="/officers/{officer}/"') : row.start(1)]:
                return
            path = row.group(1)
            confirm = self.submit("enrolment remove", path, {"attrs": {"action": path}, "fields": {
                "csrfmiddlewaretoken": _csrf(page.text)}}, redirect=False)  # fmt: skip
            form = confirm is not None and form_of(confirm.text, posting_to=path, action=path)
            if form:
                self.submit("enrolment remove", path, form)

        @_weighted(WRITES["issue_and_return"])
        def issue_and_return(self):
            if not self.mine["covered"]:
                return
            commune = random.choice(self.mine["covered"])  # noqa: S311
            path = url("commune equipment", commune)
            page = self.read("commune equipment", path)
            form = next((f for f in _all_forms(page.text) if "stock" in f["fields"] or "stock" in f["options"]), None)
            if form is None:
                return
            levels = [v for v in form["options"].get("stock", []) if v.startswith("level-")]
            if not levels:
                return
            done = self.submit("commune equipment", path, form, stock=random.choice(levels), quantity="1",  # noqa: S311
                               officer="")  # fmt: skip
            if done is None:
                return
            returns = sorted({int(pk) for pk in re.findall(r"/equipment/issuances/(\d+)/return/", done.text)})
            if not returns:
                return
            path = url("issuance return", returns[-1])
            page = self.read("issuance return", path)
            form = form_of(page.text, posting_to=path)
            if form is not None:
                self.submit("issuance return", path, form)


def _all_forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return [form for form in parser.forms if "csrfmiddlewaretoken" in form["fields"]]


def _csrf(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html or "")
    return found.group(1) if found else ""


def _first_error(html: str) -> str:
    pattern = r'class="[^"]*(?:alert-danger|invalid-feedback|alert-warning)[^"]*"[^>]*>(.*?)</'
    found = re.search(pattern, html or "", re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()[:200] if found else "no message"
