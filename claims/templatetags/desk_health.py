"""``{% desk_operations as ops %}``: the workers and the sweep as the admin home shows them (``claims.health``)."""

import logging

from django import template

from .. import health

register = template.Library()
log = logging.getLogger(__name__)


@register.simple_tag
def desk_operations():
    """The operations state, or None when it cannot be read (the page still renders)."""
    try:
        return health.operations_read()
    except Exception:  # noqa: BLE001 - a banner must never break the admin home
        log.exception("could not read the workers' and the sweep's heartbeats")
        return None
