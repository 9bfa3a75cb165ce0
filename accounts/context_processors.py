from .roles import Role, user_roles


def roles(request):
    """The signed-in user's role names, for menus (the server checks permissions on every view)."""
    names = user_roles(request.user) if hasattr(request, "user") else set()
    labels = [Role(name).label for name in Role.values if name in names]
    return {"user_role_names": names, "user_role_labels": labels}
