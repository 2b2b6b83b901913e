"""`genlab deploy nginx`: the configuration of a standard load balancer (Debian's nginx) in front of N replicas.

Inference is stateless (a request carries its model, seed and images; a seed gives the same bytes on
every replica), so the replicas share it by fewest connections. Streams need the proxy not to buffer
(SSE). The client address is set, not appended, in X-Forwarded-For, so a client cannot choose the
address its fair share is counted under; uvicorn trusts it from the proxy's address only
(`genlab serve --forwarded-allow-ips`). A lab session lives in the replica that created it, so the lab's
routes go by a hash of the client address: a student's session requests always reach its replica.
docs/scale-out.md explains each choice.
"""

from pathlib import Path

# nginx drops an idle connection to a replica before the replica would (GENLAB_KEEP_ALIVE_SECONDS, 75 s by default):
# a request nginx sent on a connection the replica is closing would fail, and a POST is not retried (502).
UPSTREAM_IDLE_SECONDS = 30

UPSTREAM = """    upstream {name} {{
        {balance};
{servers}
        keepalive 16;
        keepalive_timeout {idle}s;
    }}
"""


def _upstream(name: str, balance: str, replicas: list[str]) -> str:
    servers = "\n".join(f"        server {replica} max_fails=1 fail_timeout=5s;" for replica in replicas)
    return UPSTREAM.format(name=name, balance=balance, servers=servers, idle=UPSTREAM_IDLE_SECONDS)


def _location(path: str, upstream: str) -> str:
    return f"""        location {path} {{
            proxy_pass http://{upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_buffering off;
            proxy_read_timeout 300s;
            proxy_next_upstream error timeout;
        }}
"""


def nginx_config(replicas: list[str], listen: str, runtime_dir: Path | None = None, max_body_bytes: int = 2_000_000) -> str:
    """A whole nginx.conf balancing `listen` over `replicas` (host:port each). With `runtime_dir`, nginx keeps its
    pid, logs and temporary files there and runs in the foreground as the calling user (tests, no root)."""
    if not replicas:
        raise ValueError("name at least one replica (host:port)")
    runtime = ""
    if runtime_dir is not None:
        runtime = (f"daemon off;\npid {runtime_dir}/nginx.pid;\nerror_log {runtime_dir}/error.log warn;\n")
        temp = "".join(f"    {kind}_temp_path {runtime_dir}/{kind};\n"
                       for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    else:
        temp = ""
    return f"""# genlab behind nginx: {len(replicas)} replicas (written by `genlab deploy nginx`; docs/scale-out.md)
{runtime}worker_processes auto;
events {{
    worker_connections 4096;
}}
http {{
    access_log off;
{temp}    client_max_body_size {max_body_bytes};
{_upstream("genlab", "least_conn", replicas)}{_upstream("genlab_lab", "hash $remote_addr consistent", replicas)}
    server {{
        listen {listen};
{_location("/", "genlab")}{_location("/api/lab/", "genlab_lab")}    }}
}}
"""


def _print_nginx(args) -> None:
    print(nginx_config(args.replica, args.listen), end="")


def add_deploy_parser(subparsers) -> None:
    p = subparsers.add_parser("deploy", help="print a load balancer's configuration for several replicas")
    p.add_argument("what", choices=["nginx"])
    p.add_argument("--replica", action="append", required=True, metavar="HOST:PORT",
                   help="a running `genlab serve` (repeat for each replica)")
    p.add_argument("--listen", default="0.0.0.0:8000", help="where nginx listens (default 0.0.0.0:8000)")
    p.set_defaults(handler=_print_nginx)
