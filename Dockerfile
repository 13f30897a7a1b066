# kzbot: the Discord bot and its knowledge base in one small image.
#   docker build -t kzbot .        (or: docker compose build)
FROM python:3.11.17-slim-bookworm

LABEL org.opencontainers.image.title="kzbot" \
      org.opencontainers.image.description="A Discord bot that answers questions about China's response to the January 2022 unrest in Kazakhstan, from a curated, source-checked knowledge base." \
      org.opencontainers.image.version="1.0.0" \
      org.opencontainers.image.licenses="MIT"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    KZBOT_HEALTH_HOST=0.0.0.0 \
    KZBOT_HEALTH_PORT=8080 \
    KZBOT_STATE_DIR=/app/state

WORKDIR /app

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt \
    && groupadd --system --gid 10001 kzbot \
    && useradd --system --uid 10001 --gid kzbot --no-create-home --shell /usr/sbin/nologin kzbot \
    && mkdir /app/state \
    && chown 10001:10001 /app/state

# Only what runs, as a source tree rather than the wheel: Compose mounts the curators' knowledge/ over
# /app/knowledge, which is where kzbot run from /app looks. The files stay owned by root, so the bot cannot
# change them.
COPY bot.py ./
COPY kzbot/ kzbot/
COPY knowledge/ knowledge/
COPY seeds/ seeds/

# Numeric, so runtimes that insist on a non-root user can verify it.
USER 10001:10001

# A knowledge base that fails its check fails the build.
RUN python -m kzbot check

EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-m", "kzbot", "health"]
CMD ["python", "bot.py"]
