from django.conf import settings
from django.urls import translate_url


LOCAL_NAMES = {"en": "English", "sr-latn": "Srpski (latinica)", "sr-cyrl": "Српски (ћирилица)"}


def site(request):
    """The language switcher: the current page in each interface language."""
    path = request.get_full_path()
    return {
        "language_links": [
            {"code": code, "name": LOCAL_NAMES.get(code, name), "url": translate_url(path, code)}
            for code, name in settings.LANGUAGES
        ],
    }
