class VietnameseFirstMiddleware:
    """Vietnamese unless the user picked another language with the switch (the language cookie).

    The browser's Accept-Language header is ignored: office machines often run an English OS, and the
    design says Vietnamese first. Placed before ``LocaleMiddleware``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
