# CPU server with the shipped checkpoints: docker build -t genlab . && docker run -p 8000:8000 genlab
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1 GENLAB_DEVICE=cpu
RUN pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY models models
COPY server server
COPY static static
COPY templates templates
COPY checkpoints checkpoints
RUN pip install --no-cache-dir -e .
RUN useradd --create-home genlab
USER genlab
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz')"
CMD ["genlab", "serve", "--host", "0.0.0.0", "--port", "8000"]
