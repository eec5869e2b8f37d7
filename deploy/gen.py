"""One source for the Kubernetes manifests: `deploy/k8s/` (Kustomize) and `deploy/helm/rectify/`.

    python deploy/gen.py           # rewrite both trees from this file
    python deploy/gen.py --check   # exit 1 when a generated file is out of date

`objects(values)` is the whole deployment as Python data. The Kustomize base is `objects(BASE)`;
each overlay patches it up to `objects(BASE + overlay)`. The Helm chart's templates are the same
objects rendered with `Ref` placeholders (`{{ .Values.… }}`) instead of values. Helm is not
installable here, so `deploy/check.py` renders the chart with a small evaluator of exactly the
template forms written here and asserts both trees give the same objects for every values set.
"""

import copy
import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent
K8S, CHART = ROOT / "k8s", ROOT / "helm" / "rectify"
NAME = "rectify"
#: the chart's names and labels start from the release (`helm install prov-a …` → prov-a-api)
RELEASE = "{{ .Release.Name }}"
HELM_LABELS = {"helm.sh/chart": "{{ .Chart.Name }}-{{ .Chart.Version | replace \"+\" \"_\" }}",
               "app.kubernetes.io/managed-by": "{{ .Release.Service }}",
               "app.kubernetes.io/version": "{{ .Chart.AppVersion }}"}
HEARTBEAT_DIR = "/var/run/rectify"
DATA_DIR = "/data"
#: the Kustomize base's Secrets: placeholders an operator replaces (`rectify serve` refuses them; the chart
#: refuses them too: values.schema.json). Two PostgreSQL roles (docs/security.md "Separate roles"): the app's
#: own login role `rectify_api` (DATABASE_URL, every pod) and the tables' owner `rectify` (the migrate Secret,
#: read only by the migrate Job and the backup CronJob; the primary directly, not PgBouncer).
SECRET_PLACEHOLDERS = {"DATABASE_URL": "postgresql://rectify_api:CHANGE-ME@pgbouncer:6432/rectify",
                       "DATABASE_RO_URL": "postgresql://rectify_api:CHANGE-ME@pg-replica:5432/rectify",
                       "REDIS_URL": "redis://:CHANGE-ME@redis:6379/0", "RECTIFY_JWT_SECRET": "CHANGE-ME",
                       "RECTIFY_AUDIT_KEY": "CHANGE-ME", "RECTIFY_DATA_KEY": "CHANGE-ME",
                       "RECTIFY_S3_ACCESS_KEY_ID": "CHANGE-ME", "RECTIFY_S3_SECRET_ACCESS_KEY": "CHANGE-ME"}
MIGRATE_SECRET_PLACEHOLDERS = {"RECTIFY_MIGRATE_DATABASE_URL": "postgresql://rectify:CHANGE-ME@pg-primary:5432/rectify"}
#: what the chart's Secrets must hold (Helm `required`: the message says what each is)
REQUIRED_SECRETS = {
    "DATABASE_URL": "the app's own PostgreSQL login role, not the tables' owner "
                    "(postgresql://rectify_api:<password>@pgbouncer:6432/rectify)",
    "REDIS_URL": "the Redis URL with its password (redis://:<password>@redis:6379/0)",
    "RECTIFY_JWT_SECRET": "32+ random characters (openssl rand -base64 48)",
    "RECTIFY_AUDIT_KEY": "the audit trail's MAC key, 32+ random characters kept outside the database",
    "RECTIFY_DATA_KEY": "the key of contacts and secrets at rest (SM4-GCM), 32+ random characters kept outside "
                        "the database; losing it loses those columns",
}
REQUIRED_S3_SECRETS = {
    "RECTIFY_S3_ACCESS_KEY_ID": "the evidence bucket's access key (or set evidence.pvc.enabled)",
    "RECTIFY_S3_SECRET_ACCESS_KEY": "the evidence bucket's secret key (or set evidence.pvc.enabled)",
}
REQUIRED_MIGRATE_SECRETS = {
    "RECTIFY_MIGRATE_DATABASE_URL": "the tables' owner role on the primary directly, not PgBouncer "
                                    "(postgresql://rectify:<password>@pg-primary:5432/rectify)",
}
#: pg_dump to the backup volume as the tables' owner (the migrate Secret), keep KEEP_DAYS days
BACKUP_SCRIPT = (
    'set -eu; url="$RECTIFY_MIGRATE_DATABASE_URL"; '
    'f="/backup/rectify-$(date -u +%Y%m%dT%H%M%SZ).dump"; '
    'pg_dump --format=custom --no-owner --dbname="$url" --file="$f.part" && mv "$f.part" "$f"; '
    'find /backup -name "rectify-*.dump" -mtime +"$KEEP_DAYS" -delete; ls -l /backup'
)
#: alerts on what issues-api's /metrics exports (README "Metrics"); no Helm braces in them
ALERTS = [
    ("RectifyDatabaseDown", "min(rectify_database_up) == 0", "2m", "critical",
     "issues-api cannot reach the database / 数据库不可达"),
    ("RectifyRedisDown", "min(rectify_redis_up) == 0", "5m", "warning",
     "issues-api cannot reach Redis: events wait in the outbox / Redis 不可达，事件积压在 outbox"),
    ("RectifyOutboxStuck", "max(rectify_outbox_oldest_unpublished_age_seconds) > 300", "5m", "warning",
     "an event has waited over 5 minutes to be published / 事件超过 5 分钟未发布"),
    ("RectifySchemaBehind", "min(rectify_schema_version_ok) == 0", "15m", "warning",
     "the schema is older than the code: run the migrate Job / 数据库结构落后于代码"),
    ("RectifyHighErrorRate",
     'sum(rate(rectify_http_requests_total{status="5xx"}[5m])) / clamp_min(sum(rate(rectify_http_requests_total[5m])), 1e-9) > 0.02',
     "10m", "warning", "over 2 % of API requests answer 5xx / 超过 2% 的请求返回 5xx"),
    ("RectifySlowRequests",
     "histogram_quantile(0.99, sum by (le) (rate(rectify_http_request_duration_seconds_bucket[5m]))) > 1",
     "10m", "warning", "the API's p99 latency is over 1 s / 接口 p99 延迟超过 1 秒"),
    ("RectifyDeliveryBacklog", 'sum(rectify_delivery_backlog{state="pending"}) > 1000', "30m", "warning",
     "over 1000 notifications wait to be sent / 超过 1000 条通知待发送"),
    ("RectifyReportQueue", 'sum(rectify_report_jobs{state="queued"}) > 50', "15m", "warning",
     "over 50 report jobs wait for a worker / 超过 50 个报告任务排队"),
]

BASE: dict[str, Any] = {
    "image": {"repository": "registry.example.cn/rectify", "tag": "1.0.0", "pullPolicy": "IfNotPresent"},
    "config": {  # non-secret settings (README "Configuration"); DATABASE_URL etc. live in the Secret
        # production rules: no placeholder secrets, no demo passwords, an audit key (docs/security.md)
        "RECTIFY_ENV": "production",
        # authenticated requests SET LOCAL ROLE rectify_app: row-level security under the scope filters
        "RECTIFY_DB_APP_ROLE": "rectify_app",
        "RECTIFY_LOG_JSON": "true",
        "RECTIFY_PGBOUNCER": "1",
        "RECTIFY_HEARTBEAT_DIR": HEARTBEAT_DIR,
        "RECTIFY_DB_POOL_SIZE": "10",
        "REDIS_SENTINEL_MASTER": "mymaster",
        # 企业微信 / 钉钉 (optional; empty: messages go to files under /data/outbox). Their secrets,
        # RECTIFY_WECOM_SECRET and RECTIFY_DINGTALK_APP_SECRET, go in the Secret; private deployments
        # (政务微信, 浙政钉) add RECTIFY_WECOM_BASE_URL / RECTIFY_DINGTALK_BASE_URL here
        "RECTIFY_PUBLIC_URL": "",
        "RECTIFY_WECOM_CORP_ID": "",
        "RECTIFY_WECOM_AGENT_ID": "",
        "RECTIFY_DINGTALK_APP_KEY": "",
        "RECTIFY_DINGTALK_AGENT_ID": "",
    },
    # existingSecret empty: the chart makes the Secret from `values` (values.schema.json refuses empty
    # and placeholder values); Kustomize's base Secret holds placeholders to replace (kustomize edit / sealed)
    "secret": {"existingSecret": "", "values": {}},
    # the tables' owner (RECTIFY_MIGRATE_DATABASE_URL): only the migrate Job and the backup CronJob read it
    "migrateSecret": {"existingSecret": "", "values": {}},
    # evidence files: an S3-compatible bucket (default; Aliyun OSS: addressingStyle virtual) or, with
    # pvc.enabled, a PersistentVolumeClaim at /data (ReadWriteMany when the api has several replicas)
    "evidence": {
        "s3": {"endpoint": "https://oss-cn-beijing.aliyuncs.com", "bucket": "rectify-evidence",
               "region": "cn-beijing", "addressingStyle": "virtual"},
        "pvc": {"enabled": False, "size": "100Gi", "accessMode": "ReadWriteMany"},
    },
    # TLS at the ingress controller; the api believes X-Forwarded-For only from trustedProxies
    "ingress": {"enabled": True, "className": "nginx", "host": "rectify.example.cn", "tlsSecret": "rectify-tls",
                "trustedProxies": "10.0.0.0/8", "maxBodySize": "25m", "controllerNamespace": "ingress-nginx"},
    # nightly logical dump of PostgreSQL to a PVC (deploy/docs/backup.md: restore)
    "backup": {"enabled": True, "schedule": "30 2 * * *", "keepDays": "14", "size": "50Gi", "image": "postgres:15"},
    "prometheusRule": {"enabled": True},
    "api": {
        "minReplicas": 2,
        "maxReplicas": 6,
        "cpuTargetPercent": 70,
        "pdbMinAvailable": 1,
        "resources": {"requests": {"cpu": "250m", "memory": "384Mi"}, "limits": {"memory": "768Mi"}},
    },
    "notifier": {"replicas": 1, "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}}},
    "reportWorker": {
        "replicas": 1,
        "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"memory": "2Gi"}},
    },
    "keda": {"enabled": False, "maxReplicas": 4, "queueLength": "20", "redisAddress": "redis:6379"},
    "serviceMonitor": {"enabled": True, "interval": "30s"},
    # the namespace Prometheus scrapes from (kube-prometheus-stack's default): /metrics is reachable from it
    "networkPolicy": {"enabled": True, "monitoringNamespace": "monitoring"},
}

OVERLAYS: dict[str, dict[str, Any]] = {
    # a province: 12 leagues, 100+ counties (deploy/docs/sizing.md)
    "province": {
        "config": {"RECTIFY_DB_POOL_SIZE": "10", "REDIS_SENTINELS": "redis-sentinel:26379"},
        "api": {"minReplicas": 3, "maxReplicas": 8},
        "notifier": {"replicas": 2},
        "reportWorker": {"replicas": 2},
    },
    # the nation: 31 provinces
    "national": {
        "config": {"RECTIFY_DB_POOL_SIZE": "20", "REDIS_SENTINELS": "redis-sentinel:26379"},
        "api": {
            "minReplicas": 6,
            "maxReplicas": 30,
            "pdbMinAvailable": 4,
            "resources": {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"memory": "1Gi"}},
        },
        "notifier": {"replicas": 3},
        "reportWorker": {"replicas": 2, "resources": {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "4Gi"}}},
        "keda": {"enabled": True, "maxReplicas": 12},
    },
}


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


#: evidence on a PersistentVolumeClaim instead of S3 (Helm: evidence.pvc.enabled; Kustomize: the component)
PVC_OPTION: dict[str, Any] = {"evidence": {"pvc": {"enabled": True}}}


def values_for(overlay: str | None, *options: dict[str, Any]) -> dict[str, Any]:
    values = merge(BASE, OVERLAYS[overlay]) if overlay else copy.deepcopy(BASE)
    for option in options:
        values = merge(values, option)
    return values


class Ref:
    """A value looked up in the chart's values: in the chart a template, otherwise the value."""

    def __init__(self, values: dict[str, Any] | None, path: str, block: bool = False) -> None:
        self.values, self.path, self.block = values, path, block

    def resolve(self) -> Any:
        node: Any = self.values
        for part in self.path.split("."):
            node = node[part]
        return node


def _v(values: dict[str, Any] | None, path: str, block: bool = False) -> Any:
    ref = Ref(values, path, block)
    return ref if values is None else copy.deepcopy(ref.resolve())


def objects(values: dict[str, Any] | None) -> list[tuple[str | None, dict[str, Any]]]:
    """[(condition, object)]; `values=None` gives the chart's template form. A condition is the
    values path of a boolean that must be true for the object to exist (None: always)."""
    v = lambda path, block=False: _v(values, path, block)  # noqa: E731
    # release-scoped names: two releases in one namespace do not collide (Kustomize: the name `rectify`)
    full = RELEASE if values is None else NAME

    def selector(component: str) -> dict[str, str]:
        return {"app.kubernetes.io/name": NAME, "app.kubernetes.io/instance": full,
                "app.kubernetes.io/component": component}

    def labels(component: str) -> dict[str, str]:
        extra = HELM_LABELS if values is None else {}
        return {**selector(component), "app.kubernetes.io/part-of": NAME, **extra}

    def image_of(service: str) -> str:  # one image per service (services/*/Dockerfile)
        if values is None:
            return f"{{{{ .Values.image.repository }}}}/{service}:{{{{ .Values.image.tag }}}}"
        return f"{values['image']['repository']}/{service}:{values['image']['tag']}"

    image = image_of("issues-api")  # the one with the `rectify` CLI (migrate, wait-for-migrations)
    secret_name = v("secret.existingSecret") if values is not None and values["secret"]["existingSecret"] else NAME
    if values is None:
        secret_name = Ref(None, "secret.existingSecret | default .Release.Name")
    env_from = [{"configMapRef": {"name": full}}, {"secretRef": {"name": secret_name}}]
    migrate_secret: Any = f"{full}-migrate"
    if values is None:
        migrate_secret = Ref(None, 'migrateSecret.existingSecret | default (printf "%s-migrate" .Release.Name)')
    elif values["migrateSecret"]["existingSecret"]:
        migrate_secret = values["migrateSecret"]["existingSecret"]
    security = {"runAsNonRoot": True, "runAsUser": 10001, "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}
    heartbeat_volume = {"name": "run", "emptyDir": {}}
    #: the root filesystem is read-only: TMPDIR (/tmp, the images' ENV) is an emptyDir in every pod
    tmp_volume, tmp_mount = {"name": "tmp", "emptyDir": {}}, {"name": "tmp", "mountPath": "/tmp"}
    wait = {"name": "wait-for-migrations", "image": image, "imagePullPolicy": v("image.pullPolicy"),
            "command": ["rectify", "wait-for-migrations", "--timeout", "900"], "envFrom": env_from,
            "securityContext": security, "volumeMounts": [tmp_mount]}

    def worker(component: str, module: str, service: str, replicas: Any, resources: Any,
               periodic: str) -> dict[str, Any]:
        probe = {"exec": {"command": ["python", "-m", "rectify_shared.heartbeat", service, "--max-age", "60"]},
                 "initialDelaySeconds": 30, "periodSeconds": 20, "failureThreshold": 3}
        return deployment(component, replicas, {
            "name": component, "image": image_of(service), "imagePullPolicy": v("image.pullPolicy"),
            "command": ["python", "-m", module], "envFrom": env_from,
            "env": [{"name": "RECTIFY_RUN_PERIODIC", "value": periodic}],
            "resources": resources, "livenessProbe": probe, "securityContext": security,
            # /data: HOME and the email/SMS file fallbacks (outbox/*.jsonl) when no gateway is set
            "volumeMounts": [{"name": "run", "mountPath": HEARTBEAT_DIR}, {"name": "data", "mountPath": DATA_DIR},
                             tmp_mount],
        }, volumes=[{"name": "data", "emptyDir": {}}])

    def deployment(component: str, replicas: Any, container: dict[str, Any], containers: list | None = None,
                   volumes: list | None = None) -> dict:
        spec: dict[str, Any] = {
            "selector": {"matchLabels": selector(component)},
            "template": {"metadata": {"labels": labels(component)}, "spec": {
                "initContainers": [wait], "containers": containers or [container],
                "volumes": [heartbeat_volume, tmp_volume, *(volumes or [])], "securityContext": {"fsGroup": 10001}}},
        }
        if replicas is not None:
            spec = {"replicas": replicas, **spec}
        return {"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": f"{full}-{component}", "labels": labels(component)}, "spec": spec}

    migrate_name = (f'{RELEASE}-migrate-{{{{ .Values.image.tag | replace "." "-" | lower }}}}' if values is None
                    else f"{NAME}-migrate-{values['image']['tag']}".replace(".", "-").lower())
    http_probe = lambda path: {"httpGet": {"path": path, "port": "http"}, "periodSeconds": 10}  # noqa: E731
    # evidence: S3 (an emptyDir at /data for nothing but scratch) or the PVC (RECTIFY_STORAGE=local)
    if values is None:
        storage: Any = "{{ if .Values.evidence.pvc.enabled }}local{{ else }}s3{{ end }}"
        data_volume: dict[str, Any] = {"name": "data", "__DATA_SOURCE__": "pvc-or-emptydir"}
    else:
        pvc = values["evidence"]["pvc"]["enabled"]
        storage = "local" if pvc else "s3"
        data_volume = ({"name": "data", "persistentVolumeClaim": {"claimName": f"{full}-evidence"}} if pvc
                       else {"name": "data", "emptyDir": {}})
    api = deployment("api", None, {
        "name": "issues-api", "image": image, "imagePullPolicy": v("image.pullPolicy"), "command": ["rectify", "serve"],
        "envFrom": env_from, "env": [
            {"name": "RECTIFY_HOST", "value": "0.0.0.0"}, {"name": "RECTIFY_PORT", "value": "8000"},
            {"name": "RECTIFY_DATA_DIR", "value": DATA_DIR}, {"name": "RECTIFY_STORAGE", "value": storage},
            {"name": "RECTIFY_S3_ENDPOINT", "value": v("evidence.s3.endpoint")},
            {"name": "RECTIFY_S3_BUCKET", "value": v("evidence.s3.bucket")},
            {"name": "RECTIFY_S3_REGION", "value": v("evidence.s3.region")},
            {"name": "RECTIFY_S3_ADDRESSING_STYLE", "value": v("evidence.s3.addressingStyle")},
            # uvicorn believes X-Forwarded-For/-Proto only from these (the ingress controller's pods)
            {"name": "FORWARDED_ALLOW_IPS", "value": v("ingress.trustedProxies")},
            {"name": "RECTIFY_TRUSTED_PROXIES", "value": v("ingress.trustedProxies")}],
        "ports": [{"name": "http", "containerPort": 8000}], "resources": v("api.resources", True),
        "readinessProbe": http_probe("/readyz"), "livenessProbe": {**http_probe("/healthz"), "failureThreshold": 6},
        "securityContext": security, "volumeMounts": [{"name": "run", "mountPath": HEARTBEAT_DIR},
                                                      {"name": "data", "mountPath": DATA_DIR}, tmp_mount],
    }, volumes=[data_volume])
    scheduler = deployment("scheduler", 1, {}, volumes=[{"name": "data", "emptyDir": {}}], containers=[
        {**worker("x", "notifier", "notifier", 1, {"requests": {"cpu": "50m", "memory": "256Mi"}}, "1")
         ["spec"]["template"]["spec"]["containers"][0], "name": "notifier"},
        {**worker("x", "report_worker", "report-worker", 1, {"requests": {"cpu": "50m", "memory": "384Mi"}}, "1")
         ["spec"]["template"]["spec"]["containers"][0], "name": "report-worker"},
    ])
    scheduler["spec"]["strategy"] = {"type": "Recreate"}  # never two schedulers, even during a rollout

    def scaled(component: str, queue: str) -> dict[str, Any]:
        # arq's queue is a sorted set: KEDA's redis scaler (since 2.0) asks the key's TYPE and counts
        # a zset with ZCARD, so `listName` works as is; it has no setting for the type
        return {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
                "metadata": {"name": f"{full}-{component}", "labels": labels(component)},
                "spec": {"scaleTargetRef": {"name": f"{full}-{component}"}, "minReplicaCount": 1,
                         "maxReplicaCount": v("keda.maxReplicas"), "pollingInterval": 15, "cooldownPeriod": 300,
                         "triggers": [{"type": "redis", "metadata": {
                             "address": v("keda.redisAddress"), "listName": f"rectify:queue:{queue}",
                             "listLength": v("keda.queueLength")}}]}}

    result: list[tuple[str | None, dict[str, Any]]] = [
        (None, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": full, "labels": labels("config")},
                "data": v("config", True)}),
        ("__no_existing_secret__", {"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": full, "labels": labels("config")}, "type": "Opaque",
            "stringData": v("secret.values", True) if values is None
                          else (copy.deepcopy(values["secret"]["values"]) or dict(SECRET_PLACEHOLDERS))}),
        ("__no_existing_migrate_secret__", {"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": f"{full}-migrate", "labels": labels("migrate")}, "type": "Opaque",
            "stringData": v("migrateSecret.values", True) if values is None
                          else (copy.deepcopy(values["migrateSecret"]["values"])
                                or dict(MIGRATE_SECRET_PLACEHOLDERS))}),
        (None, api),
        (None, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"{full}-api", "labels": labels("api")},
                "spec": {"selector": selector("api"), "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}),
        (None, {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": f"{full}-api", "labels": labels("api")},
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": f"{full}-api"},
                         "minReplicas": v("api.minReplicas"), "maxReplicas": v("api.maxReplicas"),
                         "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                             "type": "Utilization", "averageUtilization": v("api.cpuTargetPercent")}}}]}}),
        (None, {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                "metadata": {"name": f"{full}-api", "labels": labels("api")},
                "spec": {"minAvailable": v("api.pdbMinAvailable"), "selector": {"matchLabels": selector("api")}}}),
        (None, worker("notifier", "notifier", "notifier", v("notifier.replicas"), v("notifier.resources", True), "0")),
        (None, worker("report-worker", "report_worker", "report-worker", v("reportWorker.replicas"),
                      v("reportWorker.resources", True), "0")),
        (None, scheduler),
        # one Job per release (the image tag in its name); `rectify migrate` takes an advisory lock. It migrates
        # as the tables' owner (RECTIFY_MIGRATE_DATABASE_URL, the migrate Secret) and makes DATABASE_URL's
        # role a non-owner member of rectify_app: the pods never hold the owner's password
        (None, {"apiVersion": "batch/v1", "kind": "Job",
                "metadata": {"name": migrate_name, "labels": labels("migrate")},
                "spec": {"backoffLimit": 3, "ttlSecondsAfterFinished": 86400, "template": {
                    "metadata": {"labels": labels("migrate")}, "spec": {
                        "restartPolicy": "OnFailure", "securityContext": {"fsGroup": 10001},
                        "containers": [{
                            "name": "migrate", "image": image, "imagePullPolicy": v("image.pullPolicy"),
                            "command": ["rectify", "migrate"],
                            "envFrom": [*env_from, {"secretRef": {"name": migrate_secret}}],
                            "securityContext": security, "volumeMounts": [tmp_mount]}],
                        "volumes": [tmp_volume]}}}}),
        ("keda.enabled", scaled("notifier", "notifier")),
        ("keda.enabled", scaled("report-worker", "report-worker")),
        ("serviceMonitor.enabled", {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
            "metadata": {"name": f"{full}-api", "labels": labels("api")}, "spec": {"selector": {"matchLabels": selector("api")},
            "endpoints": [{"port": "http", "path": "/metrics", "interval": v("serviceMonitor.interval")}]}}),
        ("evidence.pvc.enabled", {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": f"{full}-evidence", "labels": labels("api")},
            "spec": {"accessModes": [v("evidence.pvc.accessMode")],
                     "resources": {"requests": {"storage": v("evidence.pvc.size")}}}}),
        ("ingress.enabled", {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": f"{full}-api", "labels": labels("api"), "annotations": {
                "nginx.ingress.kubernetes.io/proxy-body-size": v("ingress.maxBodySize"),
                "nginx.ingress.kubernetes.io/force-ssl-redirect": "true"}},
            "spec": {"ingressClassName": v("ingress.className"),
                     "tls": [{"hosts": [v("ingress.host")], "secretName": v("ingress.tlsSecret")}],
                     "rules": [{"host": v("ingress.host"), "http": {"paths": [{
                         "path": "/", "pathType": "Prefix",
                         "backend": {"service": {"name": f"{full}-api", "port": {"name": "http"}}}}]}}]}}),
        ("backup.enabled", {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": f"{full}-backup", "labels": labels("backup")},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": v("backup.size")}}}}),
        ("backup.enabled", {"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": f"{full}-backup", "labels": labels("backup")},
            "spec": {"schedule": v("backup.schedule"), "concurrencyPolicy": "Forbid",
                     "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 3,
                     "jobTemplate": {"spec": {"backoffLimit": 2, "template": {
                         "metadata": {"labels": labels("backup")},
                         "spec": {"restartPolicy": "OnFailure", "securityContext": {"fsGroup": 999},
                                  "containers": [{
                                      "name": "pg-dump", "image": v("backup.image"),
                                      "command": ["sh", "-c", BACKUP_SCRIPT],
                                      "env": [{"name": "KEEP_DAYS", "value": v("backup.keepDays")}],
                                      "envFrom": [{"secretRef": {"name": migrate_secret}}],
                                      "securityContext": {**security, "runAsUser": 999},
                                      "volumeMounts": [{"name": "backup", "mountPath": "/backup"}]}],
                                  "volumes": [{"name": "backup",
                                               "persistentVolumeClaim": {"claimName": f"{full}-backup"}}]}}}}}}),
        # next months' partitions, as the tables' owner (the app's role may not create them; the scheduler's
        # own daily upkeep then finds them made): `rectify partitions`, nightly
        (None, {"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": f"{full}-partitions", "labels": labels("migrate")},
            "spec": {"schedule": "17 3 * * *", "concurrencyPolicy": "Forbid",
                     "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 3,
                     "jobTemplate": {"spec": {"backoffLimit": 2, "template": {
                         "metadata": {"labels": labels("migrate")},
                         "spec": {"restartPolicy": "OnFailure", "securityContext": {"fsGroup": 10001},
                                  "containers": [{
                                      "name": "partitions", "image": image, "imagePullPolicy": v("image.pullPolicy"),
                                      "command": ["rectify", "partitions"],
                                      "envFrom": [*env_from, {"secretRef": {"name": migrate_secret}}],
                                      "securityContext": security, "volumeMounts": [tmp_mount]}],
                                  "volumes": [tmp_volume]}}}}}}),
        ("prometheusRule.enabled", {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
            "metadata": {"name": f"{full}-alerts", "labels": labels("monitoring")},
            "spec": {"groups": [{"name": "rectify", "rules": [
                {"alert": alert, "expr": expr, "for": wait_for, "labels": {"severity": severity},
                 "annotations": {"summary": summary}}
                for alert, expr, wait_for, severity, summary in ALERTS]}]}}),
        ("networkPolicy.enabled", {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": f"{full}-default", "labels": labels("network")}, "spec": {
                "podSelector": {"matchLabels": {"app.kubernetes.io/name": NAME, "app.kubernetes.io/instance": full}},
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"podSelector": {}}], "ports": [{"port": 8000, "protocol": "TCP"}]},
                            # Prometheus (the ServiceMonitor above) scrapes the api's /metrics
                            {"from": [{"namespaceSelector": {"matchLabels": {
                                "kubernetes.io/metadata.name": v("networkPolicy.monitoringNamespace")}}}],
                             "ports": [{"port": 8000, "protocol": "TCP"}]},
                            # the ingress controller forwards to the api
                            {"from": [{"namespaceSelector": {"matchLabels": {
                                "kubernetes.io/metadata.name": v("ingress.controllerNamespace")}}}],
                             "ports": [{"port": 8000, "protocol": "TCP"}]}]}}),
    ]
    return result


def enabled(condition: str | None, values: dict[str, Any]) -> bool:
    if condition is None:
        return True
    if condition == "__no_existing_secret__":
        return not values["secret"]["existingSecret"]
    if condition == "__no_existing_migrate_secret__":
        return not values["migrateSecret"]["existingSecret"]
    return bool(Ref(values, condition).resolve())


def rendered(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [obj for cond, obj in objects(values) if enabled(cond, values)]


# ---------------------------------------------------------------- the chart (template form)

VALUES_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": False,
    "required": list(BASE),
    # a missing secret is refused by the templates (Helm `required`, gen.REQUIRED_SECRETS: the message says
    # what the key is); a placeholder one here
    "definitions": {
        "resources": {"type": "object", "additionalProperties": False,
                      "properties": {"requests": {"type": "object"}, "limits": {"type": "object"}}},
        "replicas": {"type": "integer", "minimum": 1},
    },
    "properties": {
        "image": {"type": "object", "required": ["repository", "tag"], "additionalProperties": False, "properties": {
            "repository": {"type": "string", "minLength": 1}, "tag": {"type": "string", "pattern": "^[a-z0-9][a-z0-9.-]*$"},
            "pullPolicy": {"enum": ["Always", "IfNotPresent", "Never"]}}},
        "config": {"type": "object", "additionalProperties": {"type": "string"},
                   "propertyNames": {"pattern": "^(RECTIFY_|REDIS_SENTINEL)[A-Z0-9_]*$"}},
        "secret": {"type": "object", "additionalProperties": False, "properties": {
            "existingSecret": {"type": "string"},
            # a value nobody chose is refused: empty, CHANGE-ME, changeme, placeholder, example…
            "values": {"type": "object", "additionalProperties": {
                "type": "string", "minLength": 1,
                "not": {"pattern": "(?i)(change-?me|changeit|placeholder|example|xxxx)"}}}}},
        "migrateSecret": {"type": "object", "additionalProperties": False, "properties": {
            "existingSecret": {"type": "string"},
            "values": {"type": "object", "additionalProperties": {
                "type": "string", "minLength": 1,
                "not": {"pattern": "(?i)(change-?me|changeit|placeholder|example|xxxx)"}}}}},
        "evidence": {"type": "object", "additionalProperties": False, "properties": {
            "s3": {"type": "object", "additionalProperties": False, "required": ["endpoint", "bucket"], "properties": {
                "endpoint": {"type": "string", "pattern": "^https?://"}, "bucket": {"type": "string", "minLength": 3},
                "region": {"type": "string"}, "addressingStyle": {"enum": ["path", "virtual"]}}},
            "pvc": {"type": "object", "additionalProperties": False, "properties": {
                "enabled": {"type": "boolean"}, "size": {"type": "string", "pattern": "^[0-9]+(Mi|Gi|Ti)$"},
                "accessMode": {"enum": ["ReadWriteOnce", "ReadWriteMany", "ReadWriteOncePod"]}}}}},
        "ingress": {"type": "object", "additionalProperties": False, "properties": {
            "enabled": {"type": "boolean"}, "className": {"type": "string"}, "host": {"type": "string", "minLength": 1},
            "tlsSecret": {"type": "string", "minLength": 1}, "trustedProxies": {"type": "string", "minLength": 1},
            "maxBodySize": {"type": "string"}, "controllerNamespace": {"type": "string", "minLength": 1}}},
        "backup": {"type": "object", "additionalProperties": False, "properties": {
            "enabled": {"type": "boolean"}, "schedule": {"type": "string", "minLength": 9},
            "keepDays": {"type": "string", "pattern": "^[1-9][0-9]*$"},
            "size": {"type": "string", "pattern": "^[0-9]+(Mi|Gi|Ti)$"}, "image": {"type": "string", "minLength": 1}}},
        "prometheusRule": {"type": "object", "additionalProperties": False,
                           "properties": {"enabled": {"type": "boolean"}}},
        "api": {"type": "object", "additionalProperties": False, "properties": {
            "minReplicas": {"$ref": "#/definitions/replicas"}, "maxReplicas": {"$ref": "#/definitions/replicas"},
            "cpuTargetPercent": {"type": "integer", "minimum": 10, "maximum": 100},
            "pdbMinAvailable": {"type": "integer", "minimum": 0}, "resources": {"$ref": "#/definitions/resources"}}},
        "notifier": {"type": "object", "additionalProperties": False, "properties": {
            "replicas": {"$ref": "#/definitions/replicas"}, "resources": {"$ref": "#/definitions/resources"}}},
        "reportWorker": {"type": "object", "additionalProperties": False, "properties": {
            "replicas": {"$ref": "#/definitions/replicas"}, "resources": {"$ref": "#/definitions/resources"}}},
        "keda": {"type": "object", "additionalProperties": False, "properties": {
            "enabled": {"type": "boolean"}, "maxReplicas": {"$ref": "#/definitions/replicas"},
            "queueLength": {"type": "string", "pattern": "^[1-9][0-9]*$"}, "redisAddress": {"type": "string"}}},
        "serviceMonitor": {"type": "object", "additionalProperties": False, "properties": {
            "enabled": {"type": "boolean"}, "interval": {"type": "string", "pattern": "^[0-9]+[smh]$"}}},
        "networkPolicy": {"type": "object", "additionalProperties": False,
                          "properties": {"enabled": {"type": "boolean"},
                                         "monitoringNamespace": {"type": "string", "minLength": 1}}},
    },
}


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _ref_repr(dumper: yaml.SafeDumper, ref: Ref) -> yaml.Node:
    if ref.block:
        return dumper.represent_scalar("tag:yaml.org,2002:str", f"__BLOCK__{ref.path}__")
    if "|" in ref.path:
        text = f"{{{{ .Values.{ref.path} }}}}"
    else:
        quote = isinstance(Ref(BASE, ref.path).resolve(), str)
        text = f"{{{{ .Values.{ref.path}{' | quote' if quote else ''} }}}}"
    return dumper.represent_scalar("tag:yaml.org,2002:str", f"__RAW__{text}__RAW__")


_Dumper.add_representer(Ref, _ref_repr)


def dump(obj: Any) -> str:
    return yaml.dump(obj, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)


def template(condition: str | None, obj: dict[str, Any]) -> str:
    import re

    text = dump(obj)
    text = re.sub(r"'?__RAW__(.*?)__RAW__'?", lambda m: m.group(1).replace("''", "'"), text)
    text = re.sub(
        r"^(\s*)(\S+): __BLOCK__([\w.]+)__$",
        lambda m: f"{m.group(1)}{m.group(2)}:\n{{{{- toYaml .Values.{m.group(3)} | nindent {len(m.group(1)) + 2} }}}}",
        text,
        flags=re.M,
    )
    text = re.sub(
        r"^(\s*)__DATA_SOURCE__: pvc-or-emptydir$",
        lambda m: (f"{{{{- if .Values.evidence.pvc.enabled }}}}\n{m.group(1)}persistentVolumeClaim:\n"
                   f"{m.group(1)}  claimName: {{{{ .Release.Name }}}}-evidence\n{{{{- else }}}}\n"
                   f"{m.group(1)}emptyDir: {{}}\n{{{{- end }}}}"),
        text,
        flags=re.M,
    )
    # image strings carry their template text already; PyYAML may have quoted them
    text = re.sub(r"'([^'\n]*\{\{[^'\n]*)'", r'"\1"', text)
    if condition == "__no_existing_secret__":
        required = _required_lines("secret", REQUIRED_SECRETS)
        s3 = _required_lines("secret", REQUIRED_S3_SECRETS)
        return ("{{- if not .Values.secret.existingSecret }}\n" + required
                + "{{- if not .Values.evidence.pvc.enabled }}\n" + s3 + "{{- end }}\n" + text + "{{- end }}\n")
    if condition == "__no_existing_migrate_secret__":
        required = _required_lines("migrateSecret", REQUIRED_MIGRATE_SECRETS)
        return "{{- if not .Values.migrateSecret.existingSecret }}\n" + required + text + "{{- end }}\n"
    if condition:
        return f"{{{{- if .Values.{condition} }}}}\n" + text + "{{- end }}\n"
    return text


def _required_lines(values_key: str, required: dict[str, str]) -> str:
    """Helm `required`: rendering stops with a message naming the missing key and what it is."""
    lines = []
    for key, what in required.items():
        message = (f"{values_key}.values.{key} is required: {what}; "
                   f"or name an existing Secret in {values_key}.existingSecret")
        value = f"(index .Values.{values_key}.values {json.dumps(key)})"
        lines.append(f"{{{{- $_ := required {json.dumps(message)} {value} }}}}\n")
    return "".join(lines)


def _file_name(obj: dict[str, Any]) -> str:
    name = obj["metadata"]["name"].replace(RELEASE, NAME)
    return f"{obj['kind'].lower()}-{name.split('{')[0].rstrip('-')}.yaml"


def generated_files() -> dict[Path, str]:
    header = "# GENERATED by deploy/gen.py — edit that file, then run `python deploy/gen.py`.\n"
    files: dict[Path, str] = {}
    base = values_for(None)
    base_objs = rendered(base)
    for obj in base_objs:
        files[K8S / "base" / _file_name(obj)] = header + dump(obj)
    files[K8S / "base" / "kustomization.yaml"] = header + dump(
        {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
         "resources": [_file_name(o) for o in base_objs]})
    keyed = {(o["kind"], o["metadata"]["name"]): o for o in base_objs}
    for overlay in OVERLAYS:
        resources, patches = ["../../base"], []
        for obj in rendered(values_for(overlay)):
            key = (obj["kind"], obj["metadata"]["name"])
            if key not in keyed:
                resources.append(_file_name(obj))
                files[K8S / "overlays" / overlay / _file_name(obj)] = header + dump(obj)
            elif obj != keyed[key]:
                patches.append({"path": _file_name(obj)})
                files[K8S / "overlays" / overlay / _file_name(obj)] = header + dump(obj)
        files[K8S / "overlays" / overlay / "kustomization.yaml"] = header + dump(
            {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
             "resources": resources, "patches": patches})
        files[CHART / f"values-{overlay}.yaml"] = header + dump(OVERLAYS[overlay])
    # the PVC option for Kustomize: a component an overlay adds (`components: [../../components/evidence-pvc]`)
    pvc_objs = {(o["kind"], o["metadata"]["name"]): o for o in rendered(values_for(None, PVC_OPTION))}
    claim = pvc_objs[("PersistentVolumeClaim", f"{NAME}-evidence")]
    api_pod = pvc_objs[("Deployment", f"{NAME}-api")]["spec"]["template"]["spec"]
    component = K8S / "components" / "evidence-pvc"
    files[component / _file_name(claim)] = header + dump(claim)
    files[component / "patch-api-evidence.yaml"] = header + dump(
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": f"{NAME}-api"},
         "spec": {"template": {"spec": {
             "containers": [{"name": "issues-api", "env": [e for e in api_pod["containers"][0]["env"]
                                                             if e["name"] == "RECTIFY_STORAGE"]}],
             # null removes the base's emptyDir (strategic merge)
             "volumes": [{**next(v for v in api_pod["volumes"] if v["name"] == "data"), "emptyDir": None}]}}}})
    files[component / "kustomization.yaml"] = header + dump(
        {"apiVersion": "kustomize.config.k8s.io/v1alpha1", "kind": "Component",
         "resources": [_file_name(claim)], "patches": [{"path": "patch-api-evidence.yaml"}]})
    files[CHART / "Chart.yaml"] = header + dump(
        {"apiVersion": "v2", "name": NAME, "description": "Rectify 督察整改台账与调度平台", "type": "application",
         "version": "0.1.0", "appVersion": BASE["image"]["tag"]})
    files[CHART / "values.yaml"] = header + dump(BASE)
    files[CHART / "values.schema.json"] = json.dumps(VALUES_SCHEMA, indent=2, ensure_ascii=False) + "\n"
    for cond, obj in objects(None):
        files[CHART / "templates" / _file_name(obj)] = header + template(cond, obj)
    return files


def main(argv: list[str]) -> int:
    files = generated_files()
    stale = [p for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    if "--check" in argv:
        for p in stale:
            print(f"out of date: {p.relative_to(ROOT)} (run python deploy/gen.py)")
        return 1 if stale else 0
    for p in stale:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(files[p], encoding="utf-8")
    print(f"{len(stale)} of {len(files)} files written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
