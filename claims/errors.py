"""Domain errors: each carries the message a user should see. Doors translate them (API status
codes, admin messages, command errors)."""


class ClaimdeskError(Exception):
    status_code = 400

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class InvalidInput(ClaimdeskError):
    status_code = 400


class NotFound(ClaimdeskError):
    status_code = 404


class NotAllowed(ClaimdeskError):
    status_code = 403


class InvalidTransition(ClaimdeskError):
    status_code = 409


class NotConfigured(ClaimdeskError):
    """The server lacks a setting this request needs: the operator's to fix, not the user's."""

    status_code = 409
