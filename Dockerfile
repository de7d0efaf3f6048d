# syntax=docker/dockerfile:1
# The controversy API against an existing PostgreSQL (DATABASE_URL is required here: the
# embedded database is for local development only).

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY alembic ./alembic
# Non-editable install; migrations and alembic.ini are copied beside the package below.
RUN pip install --upgrade pip && pip install .

FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/srv \
    PORT=8000 \
    HOST=0.0.0.0 \
    SEED_DEMO_ON_EMPTY=false
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin api
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv
# PYTHONPATH=/srv puts this copy of the package first, so app.migrations finds alembic.ini
# and alembic/ beside it (the installed copy in the venv only brings the dependencies).
COPY --chown=api:api alembic.ini ./
COPY --chown=api:api alembic ./alembic
COPY --chown=api:api app ./app
USER api
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8000\")}/healthz', timeout=2)" || exit 1
# DATABASE_URL must be set; the schema is migrated before the server starts. The same image
# runs the job workers (webhook deliveries, rescoring, pruning, the level scan): start it with
# the command `controversy-api worker --metrics-host 0.0.0.0 --metrics-port 8000` (as many as
# needed; the API runs none of its own); its metrics server also answers the health check.
CMD ["sh", "-c", "test -n \"$DATABASE_URL\" || { echo 'DATABASE_URL is required' >&2; exit 64; }; controversy-api migrate && exec controversy-api serve --host \"$HOST\" --port \"$PORT\""]
