"""Gunicorn settings for one Parley process.

Run several of these (one per port) behind nginx with sticky sessions, joined by the Redis message queue:

    parley db upgrade
    PORT=5001 gunicorn -c deploy/gunicorn.conf.py 'server.app:create_app()'

Flask-SocketIO's threading mode needs exactly one worker per process (a Socket.IO session lives in the memory of
the worker that opened it; Engine.IO's polling requests must come back to it) and threads for concurrency;
WebSockets are served by `simple-websocket` on the gthread worker. Scale out with more processes, not workers.
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5001')}"
workers = 1
worker_class = "gthread"
# Each open WebSocket holds a thread for its lifetime; size this to the sockets one process should carry.
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
