from django.conf import settings

ELDER_COOKIE = "portal_elder"


def portal(request):
    return {
        "elder_mode": request.COOKIES.get(ELDER_COOKIE) == "1",
        "weixin_enabled": settings.WEIXIN_ENABLED,
    }
