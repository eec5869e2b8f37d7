// make deploy-check: validate KEDA ScaledObjects, ServiceMonitors and PrometheusRules against the upstream CRD schemas
// (kubernetes-models generates these validators from each project's own CRD OpenAPI schema).
// Reads a JSON array of objects on stdin; prints a JSON array of {index, errors} for the invalid ones.
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1";
import { PrometheusRule, ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";

const MODELS = {
  "keda.sh/v1alpha1/ScaledObject": ScaledObject,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
  "monitoring.coreos.com/v1/PrometheusRule": PrometheusRule,
};

let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const out = [];
  JSON.parse(input).forEach((obj, index) => {
    const Model = MODELS[`${obj.apiVersion}/${obj.kind}`];
    if (!Model) {
      out.push({ index, errors: [`no upstream schema for ${obj.apiVersion} ${obj.kind}`] });
      return;
    }
    try {
      new Model(obj).validate();
    } catch (err) {
      const details = (err.errors || []).map((e) => `${e.instancePath || "/"} ${e.message}`);
      out.push({ index, errors: details.length ? details : [String(err.message || err)] });
    }
  });
  process.stdout.write(JSON.stringify(out));
});
