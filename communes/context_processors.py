from django.core.cache import cache

from rollout.core.cache import on_cache_recovered

DEMO_DATA_CACHE_KEY = "communes:demo-data-present"


def demo_data_forget() -> None:
    """Drop the cached flag (demo data seeded or imported), so that the next page asks the database."""
    cache.delete(DEMO_DATA_CACHE_KEY)


# A seeding or import while the cache was unreachable could not drop the flag: drop it once it is back.
on_cache_recovered(demo_data_forget)


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
