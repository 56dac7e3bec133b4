# syntax=docker/dockerfile:1
# Cuarto de Junto: one image for every process of the stack (web, migrate, worker, beat).
# See docker-compose.yml and .env.example. Every deploy difference comes from environment variables.

ARG PYTHON_IMAGE=python:3.12-slim

# --- build: dependencies, compiled translations, collected static files ---------------------------------------
FROM ${PYTHON_IMAGE} AS build

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PATH=/opt/venv/bin:$PATH

# gettext (msgfmt) is only needed here, to compile the .po catalogues.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
WORKDIR /app

# pyproject.toml alone first, so the dependency layer is cached until the dependencies change.
# ([tool.setuptools] packages = [] : `pip install .` installs the dependencies; the code runs from /app.)
COPY pyproject.toml ./
RUN pip install .

COPY . .

# Build-time only values: production settings refuse to load without a secret key and allowed hosts, and a
# DATABASE_URL keeps settings from starting the embedded PostgreSQL. collectstatic never connects to it.
# They are set on these RUN lines only, so none of them is left in the image.
ARG BUILD_SECRET_KEY=build-only-not-secret-collectstatic-and-compilemessages-0123456789
ARG BUILD_ALLOWED_HOSTS=build.invalid
ARG BUILD_DATABASE_URL=postgresql://build:build@build.invalid:5432/build
ENV DJANGO_ENV=production \
    USMCA_VAR_DIR=/data/var \
    PRIVATE_MEDIA_ROOT=/data/private-media
RUN set -e; \
    export DJANGO_SECRET_KEY="$BUILD_SECRET_KEY" DJANGO_ALLOWED_HOSTS="$BUILD_ALLOWED_HOSTS" \
           DATABASE_URL="$BUILD_DATABASE_URL"; \
    if find . -name '*.po' -not -path './.venv/*' | grep -q .; then \
        python manage.py compilemessages --ignore=.venv; \
    fi; \
    python manage.py collectstatic --noinput

# --- runtime ---------------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=usmca.settings \
    DJANGO_ENV=production \
    USMCA_VAR_DIR=/data/var \
    PRIVATE_MEDIA_ROOT=/data/private-media \
    WEB_CONCURRENCY=3

# WeasyPrint (the PDF exports) draws text with Pango; DejaVu gives it fonts with every accent.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
# /data/var holds the collected static files (STATIC_ROOT = $USMCA_VAR_DIR/static, served by WhiteNoise) and the
# Celery beat schedule. /data/private-media holds uploaded attachments, outside every publicly served folder.
COPY --from=build --chown=app:app /data/var /data/var
RUN mkdir -p /data/private-media && chown app:app /data/private-media /data/var

WORKDIR /app
USER app:app

# Only the private media are a volume: a volume over /data/var would hide the static files of newer images.
VOLUME ["/data/private-media"]
EXPOSE 8000

# Workers: WEB_CONCURRENCY (read by gunicorn); more options through GUNICORN_CMD_ARGS.
CMD ["gunicorn", "usmca.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--error-logfile", "-"]
