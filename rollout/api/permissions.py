"""The roles' Django permissions, the same the pages require (accounts.roles)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


class RolePermission(BasePermission):
    """A signed-in user holding every permission the view names for the request: ``read_permissions`` for
    GET/HEAD/OPTIONS, ``write_permissions[action]`` for the others (none named: refused)."""

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        method = request.method.lower()
        if method not in view.http_method_names or not hasattr(view, method):
            return True  # a method the endpoint does not mean: the view answers 405 with Allow
        if request.method in SAFE_METHODS:
            required = getattr(view, "read_permissions", None)
        else:
            required = getattr(view, "write_permissions", {}).get(getattr(view, "action", None))
        if required is None:
            return False
        return user.has_perms(required)


class HasArea(BasePermission):
    """A signed-in user with an area (any role with a scope): the schema, as the documentation page."""

    def has_permission(self, request, view):
        from rollout.core.scoping import Scope

        user = request.user
        return bool(user and user.is_authenticated and not Scope.of(user).is_empty)
