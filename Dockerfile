# The server with the shipped checkpoints, installed from genlab's wheel (docs/install.md).
#   CPU:  docker build -t genlab . && docker run -p 8000:8000 genlab            # then http://localhost:8000
#   GPU:  docker build --build-arg TORCH_INDEX=https://pypi.org/simple -t genlab:cuda .   # PyPI's CUDA torch
#         docker run --gpus all -p 8000:8000 genlab:cuda                       # needs the NVIDIA Container Toolkit
#   LAN:  docker run -e GENLAB_ALLOWED_HOSTS='["lab.example.org", "192.168.1.20"]' -p 8000:8000 genlab
# Torch threads and slots follow the container's CPU quota (docker run --cpus 2), not the host's cores.

FROM python:3.11-slim AS wheel
WORKDIR /src
COPY . .
RUN pip wheel --no-cache-dir --no-deps -w /wheels .

FROM python:3.11-slim
# Where torch comes from: PyTorch's CPU index (~200 MB) by default; https://pypi.org/simple for the CUDA build.
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
# The Host names the server answers (others get 400). These cover `docker run -p 8000:8000` reached at
# localhost and the health check; a class on the LAN adds the names and addresses its browsers use.
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 GENLAB_ALLOWED_HOSTS='["localhost", "127.0.0.1", "[::1]"]'
# jemalloc instead of glibc's malloc: 1.33x the diffusion images/s, measured (docs/execution.md)
RUN apt-get update && apt-get install -y --no-install-recommends libjemalloc2 && rm -rf /var/lib/apt/lists/* \
    && ln -s "$(find /usr/lib -name libjemalloc.so.2 | head -1)" /usr/local/lib/libjemalloc.so.2
ENV LD_PRELOAD=/usr/local/lib/libjemalloc.so.2
RUN pip install --no-deps --index-url "$TORCH_INDEX" torch==2.13.0
COPY requirements.lock /tmp/requirements.lock
COPY --from=wheel /wheels /tmp/wheels
RUN pip install -c /tmp/requirements.lock /tmp/wheels/genlab-*.whl && rm -rf /tmp/wheels /tmp/requirements.lock
RUN useradd --create-home genlab
USER genlab
WORKDIR /home/genlab
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz')"
CMD ["genlab", "serve", "--host", "0.0.0.0", "--port", "8000"]
