"""The editors' workbench in the Django admin, one module per screen. Every write goes through
the services (``claims.articles``, ``claims.workflow``, …); every permission question goes to ``claims.permissions``
(``access``).

Importing the package registers every screen (Django's autodiscovery imports ``claims.admin``).
"""

from . import articles, audit, claims, feeds, site, speakers  # noqa: F401  (registration)
