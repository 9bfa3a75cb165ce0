"""Personal API tokens in the ``Authorization`` header: ``Token <key>`` or ``Bearer <key>`` (accounts.tokens)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from accounts.tokens import token_authenticate

KEYWORDS = ("token", "bearer")


class ApiTokenAuthentication(BaseAuthentication):
    """``(user, token)`` for a valid key; no header: not this scheme (None); a bad, expired or revoked key: 401."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].decode(errors="replace").lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Invalid token header: give “Token” and the key, separated by a space."))
        token = token_authenticate(parts[1].decode(errors="replace"))
        if token is None:
            raise AuthenticationFailed(_("Invalid, expired or revoked token."))
        return token.user, token

    def authenticate_header(self, request):
        return 'Token realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>` (or `Bearer <key>`): a personal token from the user menu, “API tokens”.",
        }
