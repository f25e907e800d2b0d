"""The OpenAPI document validates and documents the contract; Swagger UI needs no CDN."""

import re

import pytest
from django.contrib.staticfiles import finders
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_openapi_document_validates(document):
    validate(document)  # raises OpenAPIValidationError when invalid


def test_openapi_validator_rejects_a_broken_document(document):
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    broken = {**document, "paths": {"/x": {"get": {"responses": {"200": {"content": 5}}}}}}
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        ("/api/lotteries/today/ballots", "post", {"200", "201", "401", "403", "409"}),
        ("/api/lotteries/{date}", "get", {"200", "404", "422"}),
        ("/api/lotteries/{date}/winner", "get", {"200", "404", "422"}),
        ("/api/lotteries/{date}/close", "post", {"200", "403", "404", "409", "422"}),
        ("/api/users/{id}/ban", "post", {"200", "401", "403", "404", "422"}),
        ("/api/users/{id}/unban", "post", {"200", "401", "403", "404", "422"}),
    ],
)
def test_openapi_documents_each_endpoint_and_status(document, path, method, statuses):
    operation = document["paths"][path][method]
    assert set(operation["responses"]) == statuses
    for status in statuses - {"200", "201"}:
        schema = operation["responses"][status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorOut"}


def test_openapi_security_schemes_bearer_session_and_internal_token(document):
    schemes = document["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["ApiTokenAuth"].items()
    assert schemes["SessionAuth"]["in"] == "cookie"
    assert schemes["InternalTokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Internal-Token",
    }
    public = document["paths"]["/api/lotteries/{date}"]["get"]
    assert "security" not in public


def test_swagger_ui_served_from_local_static_files(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    styles = re.findall(r'<link[^>]*href="([^"]+)"', html)
    assert scripts and all(src.startswith("/static/ninja/") for src in scripts), scripts
    assert all(not href.startswith(("http:", "https:", "//")) for href in styles), styles
    # No CDN host anywhere (random tokens and nonces may spell "cdn", so look for hosts).
    assert not re.search(r"cdn\.|jsdelivr|unpkg|cdnjs", html, re.IGNORECASE)
    for url in scripts + [s for s in styles if s.startswith("/static/")]:
        assert finders.find(url.removeprefix("/static/")), f"{url} is not a static file"
    assert "/api/openapi.json" in html
    assert re.search(r'data-csrf-token="[A-Za-z0-9]{32,}"', html)  # session "Try it out"
