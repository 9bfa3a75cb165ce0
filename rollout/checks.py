"""The project's own system checks (registered by ``RolloutConfig.ready``)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

PLAIN_HTTP_WARNING = (
    "ALLOW_PLAIN_HTTP is on: plain HTTP, cookies without the Secure flag, no redirect to HTTPS, no HSTS. "
    "Passwords and personal data cross the network unencrypted: only for a trial on a closed network."
)


@register(Tags.security, deploy=True)
def plain_http_check(app_configs, **kwargs):
    """``check --deploy`` names the plain-HTTP switch once, in place of Django's four HTTPS warnings (silenced
    in the settings while it is on)."""
    if not settings.ALLOW_PLAIN_HTTP:
        return []
    return [Warning(PLAIN_HTTP_WARNING, hint="Unset ALLOW_PLAIN_HTTP and serve over HTTPS.", id="rollout.W001")]
