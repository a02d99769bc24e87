"""Gunicorn settings for one Parley process.

Run several of these (one per port) behind nginx with sticky sessions, joined by the Redis message queue:

    parley db upgrade
    PORT=5001 gunicorn -c deploy/gunicorn.conf.py 'server.app:create_app()'

Exactly one worker per process: a Socket.IO session lives in the memory of the worker that opened it, and
Engine.IO's polling requests must come back to it. The worker runs on gevent's loop (every connection a
greenlet, WebSockets served by `simple-websocket`), as `parley serve` does: see server/evented.py for why.
`GUNICORN_WORKER_CLASS=gthread` serves with a thread per connection instead. Scale out with more processes, not
workers.
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5001')}"
workers = 1
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gevent")
# The connections one process carries at once (gevent), or its threads (gthread, one per open WebSocket).
worker_connections = int(os.environ.get("GUNICORN_CONNECTIONS", "2000"))
threads = int(os.environ.get("GUNICORN_THREADS", "200"))
# WebSockets are long-lived; the sync timeout only guards a worker that stops answering altogether.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Behind nginx on the same host: trust its X-Forwarded-* headers only from loopback.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
# Query strings are logged by the default format; Parley never puts secrets in URLs (tokens travel in headers).
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
# Applied by `parley db upgrade` before the processes start: two processes must not race to migrate.
preload_app = False


def post_worker_init(worker: object) -> None:
    """The application is made: keep what starting made out of the collector's walks (server/evented.py)."""
    from server.evented import settle_startup_heap

    settle_startup_heap()
