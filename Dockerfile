# Slim, non-root, one process; migrations and reference data are applied by `madoguchi serve` at start.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    MADOGUCHI_HOST=0.0.0.0 MADOGUCHI_DATABASE_URL=sqlite+aiosqlite:////data/madoguchi.db

RUN useradd --system --create-home --uid 10001 madoguchi && mkdir /data && chown madoguchi /data
WORKDIR /srv/madoguchi
# The lock decides every version, checked against its hashes; the project itself adds nothing unlocked.
COPY requirements/app.lock ./requirements/app.lock
RUN pip install --no-compile --require-hashes -r requirements/app.lock
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY routing ./routing
COPY realtime ./realtime
COPY migrations ./migrations
RUN pip install --no-compile --no-deps .

USER madoguchi
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz').status != 200)"
CMD ["madoguchi", "serve"]
