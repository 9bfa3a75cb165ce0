from fnmatch import fnmatchcase

from django.http import HttpResponseNotAllowed
from django.utils.cache import add_never_cache_headers

# The API (rollout.api): its clients choose their language with Accept-Language (Vietnamese when they do not), and
# its endpoints answer the methods they mean themselves (PUT and PATCH an officer, 405 with Allow otherwise).
API_PATH = "/api/"
API_NAMESPACE = "api"


class VietnameseFirstMiddleware:
    """Vietnamese unless the user picked another language with the switch (the language cookie).

    The browser's Accept-Language header is ignored: office machines often run an English OS, and the
    design says Vietnamese first. Placed before ``LocaleMiddleware``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PATH):  # other systems say which language they read
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


# Pages and downloads that show personal data (officers' names and identifiers, rosters, holders of equipment,
# committee members, report files): "namespace:name" of their URL, or "namespace:*" for a whole app. Never kept by
# the browser or a proxy (`Cache-Control: private, no-store`): a shared office machine's back button or disk
# cache must not show them to the next user. Django's admin marks its own pages.
PERSONAL_DATA_PAGES = (
    "personnel:*",  # the officer list, its export and import, detail, forms, assignments
    "training:*",  # classes and their rosters, results and their import, certificates, the untrained
    "reports:*",  # report pages and their files
    "communes:commune_detail",  # a commune's posts and officers
    "communes:commune_import",
    "equipment:commune_equipment",  # who holds what
    "equipment:issuance_*",
    "equipment:handover_receipt",
    "equipment:stock",
    "equipment:stock_export",
    "equipment:items_import",
    "dashboard:district",
    "plan:index",  # the committee's members
    "plan:member_*",
    "plan:task_*",
    "deployment:*",  # the officers proposed for posts, their scores and the reasons
    "alerts:*",  # officers named with what is wrong
    "notifications:index",  # the digests' notices name the alerts
    "api:*",  # the API's answers: officers, rosters, holders, reports (clients revalidate with the ETag)
    "register:*",  # who held which post on a day, and an officer's service record, with their files
    "subscriptions:*",  # the user's own address and what is sent to it
)


def shows_personal_data(view_name: str) -> bool:
    """Whether the URL named ``view_name`` ("namespace:name") is one of ``PERSONAL_DATA_PAGES``."""
    return any(fnmatchcase(view_name, pattern) for pattern in PERSONAL_DATA_PAGES)


class PersonalDataNoStoreMiddleware:
    """``Cache-Control: private, no-store`` (and the rest of ``never_cache``) on every response of a URL in
    ``PERSONAL_DATA_PAGES``, whatever its status."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and shows_personal_data(match.view_name):
            add_never_cache_headers(response)
        return response


# The methods a page may be asked with. PUT, PATCH, DELETE, OPTIONS and the rest are refused with 405 before any
# view runs: Django's form views answer PUT as they answer POST, and no page of this application means another
# method (an API that does would list its own here).
METHODS_MEANT = ("GET", "HEAD", "POST")


def methods_meant(view_func) -> list[str]:
    """The methods ``view_func`` means: for a class-based view those of ``METHODS_MEANT`` it has a handler for
    (HEAD with GET), for a function view all of them."""
    view_class = getattr(view_func, "view_class", None)
    if view_class is None:
        return list(METHODS_MEANT)
    handlers = {name for name in view_class.http_method_names if hasattr(view_class, name)}
    if "get" in handlers:
        handlers.add("head")
    return [method for method in METHODS_MEANT if method.lower() in handlers]


class MethodsMeantMiddleware:
    """405 Method Not Allowed for a method outside ``METHODS_MEANT``, with the methods the view means in the
    ``Allow`` header (``methods_meant``); placed before the CSRF and sign-in checks, so that a PUT is refused for
    what it is. A GET of a page that means only POST is left to the view: it refuses who may not use it first
    (sign-in, role), then the method."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = getattr(request, "resolver_match", None)
        if match is not None and match.namespaces[:1] == [API_NAMESPACE]:
            return None
        if request.method not in METHODS_MEANT:
            return HttpResponseNotAllowed(methods_meant(view_func))
        return None
