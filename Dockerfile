# The application image: API, worker, bot and migrations all run from it (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system mcu \
    && useradd --system --gid mcu --home-dir /app --shell /usr/sbin/nologin mcu

WORKDIR /app

# The repository (without what .dockerignore leaves out), installed as a regular package.
COPY . .
RUN pip install . \
    && chown -R mcu:mcu /app

USER mcu

EXPOSE 8000

CMD ["mcu", "api"]
