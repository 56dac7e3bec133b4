"""The container deployment: docker-compose.yml, Dockerfile, .dockerignore and .env.example.

docker-compose.yml is validated offline against the official Compose Specification JSON schema
(compose-spec/compose-spec, ``schema/compose-spec.json``, Apache-2.0) as vendored by check-jsonschema, a dev
dependency (``check_jsonschema/builtin_schemas/vendor/compose-spec.json``, licence in ``vendor/licenses``).
YAML is read with ruamel.yaml, the parser check-jsonschema itself depends on.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENV_EXAMPLE = ROOT / ".env.example"
SCHEMA_PACKAGE = "check_jsonschema.builtin_schemas.vendor"

SERVICES = {"postgres", "redis", "web", "worker", "beat", "mailpit", "migrate"}
APP_SERVICES = ("web", "worker", "beat")

Compose = dict[str, Any]


@cache
def compose_schema() -> dict[str, Any]:
    text = resources.files(SCHEMA_PACKAGE).joinpath("compose-spec.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validator() -> Draft202012Validator:
    return Draft202012Validator(compose_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def load_compose() -> Compose:
    data: Compose = YAML(typ="safe", pure=True).load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return data


def command_of(service: dict[str, Any]) -> list[str]:
    command = service.get("command")
    assert command, "service has no command"
    if isinstance(command, str):
        return command.split()
    return [str(part) for part in command]


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on", {})
    assert isinstance(deps, dict), "depends_on must use the long syntax with conditions"
    return {name: spec.get("condition", "service_started") for name, spec in deps.items()}


# --- the schema


def test_schema_is_the_official_compose_specification() -> None:
    schema = compose_schema()
    assert schema["title"] == "Compose Specification"
    Draft202012Validator.check_schema(schema)
    licence = resources.files(SCHEMA_PACKAGE).joinpath("licenses", "LICENSE.compose-spec").read_text()
    assert "Apache License" in licence


# --- docker-compose.yml


def test_compose_file_is_valid_against_the_compose_specification() -> None:
    errors = sorted(validator().iter_errors(load_compose()), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_compose_file_has_no_obsolete_version_key() -> None:
    assert "version" not in load_compose()


def _set_image_to_number(data: Compose) -> None:
    data["services"]["web"]["image"] = 5


def _add_unknown_top_level_key(data: Compose) -> None:
    data["servics"] = {}


def _add_unknown_service_key(data: Compose) -> None:
    data["services"]["worker"]["comand"] = "celery"


def _use_unknown_depends_on_condition(data: Compose) -> None:
    data["services"]["web"]["depends_on"]["postgres"]["condition"] = "service_ready"


def _make_ports_a_mapping(data: Compose) -> None:
    data["services"]["web"]["ports"] = {"8000": 8000}


@pytest.mark.parametrize(
    "breakage",
    [
        _set_image_to_number,
        _add_unknown_top_level_key,
        _add_unknown_service_key,
        _use_unknown_depends_on_condition,
        _make_ports_a_mapping,
    ],
)
def test_a_broken_compose_file_fails_validation(breakage: Callable[[Compose], None]) -> None:
    broken = copy.deepcopy(load_compose())
    breakage(broken)
    with pytest.raises(ValidationError):
        validator().validate(broken)


def test_a_minimal_broken_document_fails_validation() -> None:
    with pytest.raises(ValidationError):
        validator().validate({"services": {"web": {"image": 5}}})


def test_compose_defines_every_service() -> None:
    missing = SERVICES - set(load_compose()["services"])
    assert not missing, missing


def test_web_runs_gunicorn_on_the_wsgi_application() -> None:
    command = command_of(load_compose()["services"]["web"])
    assert command[0] == "gunicorn"
    assert "usmca.wsgi:application" in command
    assert "0.0.0.0:8000" in command


def test_worker_runs_a_celery_worker() -> None:
    command = command_of(load_compose()["services"]["worker"])
    assert command[:3] == ["celery", "-A", "usmca"]
    assert "worker" in command


def test_beat_runs_celery_beat_with_a_writable_schedule() -> None:
    command = command_of(load_compose()["services"]["beat"])
    assert command[:3] == ["celery", "-A", "usmca"]
    assert "beat" in command
    assert command[command.index("--schedule") + 1].startswith("/data/var/")


def test_migrations_run_once_before_the_application_starts() -> None:
    services = load_compose()["services"]
    assert command_of(services["migrate"])[:3] == ["python", "manage.py", "migrate"]
    assert services["migrate"].get("restart") == "no"
    assert depends_on(services["migrate"])["postgres"] == "service_healthy"
    for name in APP_SERVICES:
        deps = depends_on(services[name])
        assert deps["migrate"] == "service_completed_successfully", name
        assert deps["redis"] == "service_healthy", name


def test_postgres_and_redis_have_healthchecks_and_volumes() -> None:
    services = load_compose()["services"]
    assert re.match(r"postgres:1[57]\b", services["postgres"]["image"])
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["image"].startswith("redis:7")
    assert "ping" in services["redis"]["healthcheck"]["test"]
    assert services["postgres"]["volumes"] and services["redis"]["volumes"]
    assert services["mailpit"]["image"].startswith("axllent/mailpit")


def test_application_environment() -> None:
    services = load_compose()["services"]
    for name in ("migrate", *APP_SERVICES):
        env = services[name]["environment"]
        assert env["DJANGO_ENV"] == "production"
        assert env["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?"), "the secret key must be required"
        assert env["DJANGO_ALLOWED_HOSTS"]
        assert env["DATABASE_URL"].startswith("postgresql://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["PRIVATE_MEDIA_ROOT"] == "/data/private-media"
        assert env["USMCA_VAR_DIR"] == "/data/var"
    for name in ("web", "worker"):
        env = services[name]["environment"]
        assert "mailpit" in env["EMAIL_HOST"]
        assert "1025" in str(env["EMAIL_PORT"])
        assert depends_on(services[name])["postgres"] == "service_healthy"


def test_web_and_worker_share_the_private_media_volume() -> None:
    data = load_compose()
    services = data["services"]
    for name in ("web", "worker"):
        assert "private-media:/data/private-media" in services[name]["volumes"], name
    assert "private-media" in data["volumes"]
    # /data/var holds the image's collected static files: a volume there would hide those of newer images.
    for volume in services["web"]["volumes"]:
        assert not str(volume).rstrip("/").endswith(":/data/var"), volume


# --- Dockerfile and .dockerignore


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_dockerfile_runs_gunicorn_on_the_wsgi_application() -> None:
    instructions = dockerfile_instructions()
    cmd = [rest for keyword, rest in instructions if keyword == "CMD"][-1]
    command = json.loads(cmd)
    assert command[:2] == ["gunicorn", "usmca.wsgi:application"]
    assert command[command.index("--bind") + 1] == "0.0.0.0:8000"


def test_dockerfile_builds_a_non_root_production_image() -> None:
    instructions = dockerfile_instructions()
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert "python:3.12-slim" in text
    runs = " ".join(rest for keyword, rest in instructions if keyword == "RUN")
    assert "pip install ." in runs
    assert "collectstatic --noinput" in runs
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users and not users[-1].startswith(("root", "0")), users
    assert "PRIVATE_MEDIA_ROOT=/data/private-media" in text
    assert "USMCA_VAR_DIR=/data/var" in text
    assert any(keyword == "VOLUME" and "/data/private-media" in rest for keyword, rest in instructions)


def test_dockerignore_keeps_local_state_out_of_the_image() -> None:
    entries = {line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()}
    assert {".venv", "var", ".git", "test-artifacts", ".env"} <= entries


# --- .env.example

ENV_READ = re.compile(r"""(?:os\.environ\.get|os\.getenv|env_bool|env_list)\(\s*["']([A-Z][A-Z0-9_]*)["']""")


def documented_variables() -> set[str]:
    names = set()
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=", line)
        if match:
            names.add(match.group(1))
    return names


def test_env_example_documents_every_variable_the_settings_read() -> None:
    read = set()
    for module in ("usmca/settings.py", "usmca/embedded.py"):
        read |= set(ENV_READ.findall((ROOT / module).read_text(encoding="utf-8")))
    assert {"DJANGO_ENV", "DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_HOST"} <= read
    missing = read - documented_variables()
    assert not missing, f"not in .env.example: {sorted(missing)}"


def test_env_example_documents_every_variable_compose_interpolates() -> None:
    interpolated = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", COMPOSE_FILE.read_text(encoding="utf-8")))
    missing = interpolated - documented_variables()
    assert not missing, f"not in .env.example: {sorted(missing)}"
