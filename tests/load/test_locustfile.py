"""The load test's users (scripts/locustfile.py) without running locust: the 70/30 split of reads and writes,
and every page they open is one of the application's URLs."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.urls import Resolver404, resolve

LOCUSTFILE = Path(__file__).resolve().parents[2] / "scripts" / "locustfile.py"


def _locustfile():
    """The locustfile's constants and helpers. Importing locust here would monkey-patch this test process with
    gevent (sockets, threads), so its import is made to fail, as when locust is not installed."""
    spec = importlib.util.spec_from_file_location("loadtest_locustfile", LOCUSTFILE)
    module = importlib.util.module_from_spec(spec)
    with mock.patch.dict(sys.modules, {"locust": None}):
        spec.loader.exec_module(module)
    return module


def test_reads_and_writes_are_weighted_70_30():
    module = _locustfile()
    reads, writes = sum(module.READS.values()), sum(module.WRITES.values())
    assert reads * 30 == writes * 70, (reads, writes)


def test_every_page_it_opens_resolves():
    module = _locustfile()
    for name, (pattern, sample) in module.URLS.items():
        path = pattern.format(sample) if sample is not None else pattern
        try:
            resolve(path)
        except Resolver404:
            pytest.fail(f"{name}: {path} is not a URL of the application")


def test_the_tasks_carry_the_weights_when_locust_is_installed():
    """With locust (``make loadtest`` installs it), in a process of its own: the user's tasks, as locust counts
    them, are the declared weights."""
    if importlib.util.find_spec("locust") is None:
        pytest.skip("locust is installed only by `make loadtest` (the [load] extra)")
    script = (
        "import importlib.util, json, sys\n"
        f"spec = importlib.util.spec_from_file_location('lf', {str(LOCUSTFILE)!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "print(json.dumps({f.__name__: m.Clerk.tasks.count(f) for f in set(m.Clerk.tasks)}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    module = _locustfile()
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {**module.READS, **module.WRITES}


def test_forms_are_read_as_a_browser_sends_them():
    module = _locustfile()
    html = """<form method="post" action="/x/" data-testid="f"><input type="hidden" name="csrfmiddlewaretoken"
      value="t"><input name="a" value="1"><input type="radio" name="m" value="r" checked><input type="radio"
      name="m" value="h"><select name="s"><option value="">-</option><option value="2" selected>2</option>
      </select><textarea name="n">hi</textarea><button type="submit" name="go">Go</button></form>"""
    form = module.form_of(html, data_testid="f")
    assert form["attrs"]["action"] == "/x/"
    assert form["fields"] == {"csrfmiddlewaretoken": "t", "a": "1", "m": "r", "s": "2", "n": "hi"}
