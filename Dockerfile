FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install . \
 && DEBUG=true python manage.py compilemessages -v0 \
 && DEBUG=true python manage.py collectstatic --no-input -v0 \
 && useradd --system --uid 1000 rollout && mkdir -p /data/media && chown -R rollout /data
USER rollout
EXPOSE 8000
CMD ["gunicorn", "rollout.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
