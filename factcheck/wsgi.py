import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
application = get_wsgi_application()

# The objects loaded so far (Django, the apps, the models) live as long as the process: moved out of
# the collector's reach, so a full collection walks only what requests leave behind (bench/load.py).
gc.freeze()
