FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv/app
RUN useradd --create-home --uid 1000 tracker
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
# Editable install: templates, static files and migrations are read from this directory.
RUN pip install -e . && mkdir -p /srv/app/data && chown tracker /srv/app/data
USER tracker
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["incidents", "serve", "--host", "0.0.0.0", "--port", "8000"]
