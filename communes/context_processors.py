from django.core.cache import cache

DEMO_DATA_CACHE_KEY = "communes:demo-data-present"


def demo_data(request):
    """Whether demo data is loaded, so every page can say so (cached; reset by seeding and imports)."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    from .models import Commune

    present = cache.get(DEMO_DATA_CACHE_KEY)
    if present is None:
        present = Commune.objects.filter(is_demo=True).exists()
        cache.set(DEMO_DATA_CACHE_KEY, present, 300)
    return {"demo_data_present": present}
