"""Request counts and latency by method, route template and status class: a pure ASGI middleware.

It sits on the hot list path, so per request it does one dict lookup of pre-made label children,
one counter increment and one histogram observation. Labels carry the route *template*
(`/api/v1/issues/{issue_id}`), never the raw path: ids in labels would make a series per row.
"""

from time import perf_counter
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: requests that matched no route (404s, scanners) share one label value
UNMATCHED = "<unmatched>"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_STATUS_CLASS = ("0xx", "1xx", "2xx", "3xx", "4xx", "5xx")
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "rectify_http_requests",
            "HTTP requests answered, by method, route template and status class",
            ("method", "route", "status"),
            registry=registry,
        )
        self.latency = Histogram(
            "rectify_http_request_duration_seconds",
            "Time from request to the end of the response, by method and route template",
            ("method", "route"),
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._endpoint_paths: dict[Any, str] | None = None

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        if method not in _METHODS:  # a made-up method must not grow the cache
            method = "OTHER"
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            cls = _STATUS_CLASS[status // 100] if 0 <= status < 600 else "5xx"
            children = (self.requests.labels(method, route, cls), self.latency.labels(method, route))
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def route_of(self, scope: Scope) -> str:
        """The matched route's template. FastAPI puts its route in the scope; Starlette's own
        routes (the docs pages) leave only the endpoint, looked up once in the app's routes."""
        route = scope.get("route")
        if route is not None:
            return str(getattr(route, "path_format", None) or route.path)  # `{id}`, not `{id:int}`
        endpoint = scope.get("endpoint")
        if endpoint is None:
            return UNMATCHED
        if self._endpoint_paths is None:
            app = scope.get("app")
            routes = getattr(app, "routes", ())
            self._endpoint_paths = {getattr(r, "endpoint", None): r.path for r in routes if hasattr(r, "path")}
        return self._endpoint_paths.get(endpoint, UNMATCHED)


class HttpMetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = perf_counter()
        status = 500  # an exception before the response started is answered 500 further out

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            # the router wrote the matched route into this same scope dict on the way in
            self.metrics.observe(scope["method"], self.metrics.route_of(scope), status, perf_counter() - start)
