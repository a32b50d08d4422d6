"""A test-only HTTP proxy in front of the real Glance that can inject faults.

Not a mock of our code: every request the CLI sends reaches this real HTTP
server, which forwards it to the real Glance and relays the answer - except
the requests matching a :class:`Fault` rule, which are answered with the
chosen status (and never reach Glance), dropped without an answer (a
connection reset), or used to kill Glance halfway through their body. Every
request is recorded, so a test can prove exactly which methods a command
sent (e.g. no write in a dry run), independently of other tests sharing the
same Glance. Glance not answering is relayed as a load balancer would: 502.

Point a cloud at it with ``image_endpoint_override: <proxy.url>`` in a
clouds.yaml entry (openstacksdk honours it; Keystone is still used for the
token, so authentication stays real).

Standard library only.
"""

import http.client
import http.server
import json
import re
import threading
import urllib.parse

# Hop-by-hop headers are not relayed (RFC 9110 7.6.1).
_HOP = {'connection', 'keep-alive', 'proxy-authenticate',
        'proxy-authorization', 'te', 'trailer', 'transfer-encoding',
        'upgrade', 'content-length'}


RESET = 'reset'   # close the connection without an answer
KILL = 'kill'     # read 4 MiB of the body, call on_kill, close


class Fault:
    """Answer ``status`` to requests whose method and path match.

    ``method`` and ``path`` are regular expressions (``re.search``) on the
    method and on the path with its query string. ``status`` is an HTTP
    status, :data:`RESET` or :data:`KILL`. The first ``after`` matching
    requests go through; ``times`` limits how many of the following ones
    get the fault (``None``: all of them). ``retry_after`` (seconds) is
    sent as ``Retry-After``, which keystoneauth obeys instead of its own
    backoff: ``0`` (the default for 5xx) keeps the tests of retried
    requests fast; ``None`` sends none."""

    def __init__(self, method, path, status, times=None, retry_after=-1,
                 after=0):
        self.method = re.compile(method)
        self.path = re.compile(path)
        self.status = status
        self.times = times
        self.after = after
        if retry_after == -1:
            retry_after = (0 if isinstance(status, int) and status >= 500
                           else None)
        self.retry_after = retry_after
        self.seen = 0

    def fires(self, method, path):
        """Count a matching request; whether the fault applies to it."""
        if not (self.method.search(method) and self.path.search(path)):
            return False
        self.seen += 1
        n = self.seen - self.after
        return n > 0 and (self.times is None or n <= self.times)


class FaultProxy:
    """A proxy to ``upstream`` (``http://host:port``) on a free local port.

    ``requests`` lists ``(method, path, status)`` of everything received,
    ``status`` being what the client got (injected or Glance's, or
    :data:`RESET` / :data:`KILL`). ``on_kill`` is called by a :data:`KILL`
    fault."""

    def __init__(self, upstream, faults=(), on_kill=None):
        self.upstream = urllib.parse.urlsplit(upstream)
        self.faults = list(faults)
        self.on_kill = on_kill
        self.requests = []
        self._lock = threading.Lock()
        self._server = http.server.ThreadingHTTPServer(
            ('127.0.0.1', 0), self._handler_class())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = 'http://127.0.0.1:%d' % self.port
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def writes(self):
        """Requests that could change something (neither GET nor HEAD)."""
        return [r for r in self.requests if r[0] not in ('GET', 'HEAD')]

    def count(self, method, path_re, status=None):
        """How many ``method`` requests on paths matching ``path_re`` (with
        that ``status``, when given) were received."""
        rx = re.compile(path_re)
        return sum(1 for m, p, s in self.requests
                   if m == method and rx.search(p)
                   and (status is None or s == status))

    def _record(self, method, path, status):
        with self._lock:
            self.requests.append((method, path, status))

    def _fault_for(self, method, path):
        with self._lock:
            for fault in self.faults:
                if fault.fires(method, path):
                    return fault
        return None

    def _handler_class(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):
                pass

            def _body(self, limit=None):
                """The request body (at most ``limit`` bytes of it)."""
                if 'chunked' in self.headers.get('Transfer-Encoding', ''):
                    chunks, got = [], 0
                    while limit is None or got < limit:
                        size = int(self.rfile.readline().split(b';')[0], 16)
                        if not size:
                            self.rfile.readline()
                            break
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                        got += size
                    return b''.join(chunks)
                length = int(self.headers.get('Content-Length') or 0)
                if limit is not None:
                    length = min(length, limit)
                return self.rfile.read(length) if length else None

            def _send(self, status, headers, body):
                self.send_response(status)
                for key, value in headers:
                    if key.lower() not in _HOP:
                        self.send_header(key, value)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                if self.command != 'HEAD':
                    self.wfile.write(body)

            def _drop(self):
                self.close_connection = True
                self.connection.shutdown(2)

            def _handle(self):
                fault = proxy._fault_for(self.command, self.path)
                if fault is not None:
                    proxy._record(self.command, self.path, fault.status)
                if fault is not None and fault.status == RESET:
                    self._drop()
                    return
                if fault is not None and fault.status == KILL:
                    # part of the body arrives, then Glance dies
                    self._body(limit=4 * 1024 * 1024)
                    proxy.on_kill()
                    self._drop()
                    return
                body = self._body()
                if fault is not None:
                    reason = http.client.responses.get(fault.status, 'Error')
                    payload = json.dumps({
                        'code': fault.status, 'title': reason,
                        'message': 'injected by the fault proxy: %d %s'
                                   % (fault.status, reason)}).encode()
                    headers = [('Content-Type', 'application/json')]
                    if fault.retry_after is not None:
                        headers.append(('Retry-After',
                                        str(fault.retry_after)))
                    self._send(fault.status, headers, payload)
                    return
                conn = http.client.HTTPConnection(
                    proxy.upstream.hostname, proxy.upstream.port,
                    timeout=120)
                try:
                    headers = {k: v for k, v in self.headers.items()
                               if k.lower() not in _HOP}
                    conn.request(self.command, self.path, body=body,
                                 headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                except OSError:
                    # what a load balancer says when its backend is gone
                    proxy._record(self.command, self.path, 502)
                    self._send(502, [('Content-Type', 'text/html')],
                               b'<html><body><h1>502 Bad Gateway</h1>'
                               b'Glance is unreachable</body></html>')
                    return
                finally:
                    conn.close()
                proxy._record(self.command, self.path, resp.status)
                self._send(resp.status, resp.getheaders(), data)

            do_GET = do_HEAD = do_POST = do_PUT = _handle
            do_PATCH = do_DELETE = do_OPTIONS = _handle

        return Handler
