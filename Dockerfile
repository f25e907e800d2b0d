# Production-like image: the web (gunicorn), Celery worker and beat all run from it.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/app/var STATIC_ROOT=/app/var/static
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd --create-home --uid 1000 opendlp && mkdir -p /app/var && chown -R opendlp /app/var \
    && DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput
USER opendlp
EXPOSE 8000
CMD ["gunicorn", "opendlp.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", "--access-logfile", "-"]
