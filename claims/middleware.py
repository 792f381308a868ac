"""Tags each request with its audit door (admin or api) and a request id."""

import re
import uuid

from .audit import audit_door

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class AuditDoorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        door = "api" if request.path.startswith("/api/") else "admin"
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        with audit_door(door, request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
