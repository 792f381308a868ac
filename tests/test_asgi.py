"""The ASGI entry point (for servers such as uvicorn or daphne) loads the project's application."""


def test_asgi_application_is_the_projects():
    from django.core.handlers.asgi import ASGIHandler

    from factcheck import asgi

    assert isinstance(asgi.application, ASGIHandler)
