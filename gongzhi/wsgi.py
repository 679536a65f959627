import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 -- import every view now, not in the first request

# What start-up made (about 350,000 objects: models, views, translations) lives as long as the worker.
# Frozen, the garbage collector stops walking it in every full collection, which cost a home page about
# 14 ms on average (a 280 ms pause every 20 requests of a committee director's home page, issue 24).
gc.freeze()
