from django.utils.functional import SimpleLazyObject


def unread(request):
    """``unread_notifications``: how many notices the signed-in user has not read, counted only when a template
    shows it (kept a minute: ``rollout.notifications.services.unread_count``)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from rollout.notifications.services import unread_count

    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
