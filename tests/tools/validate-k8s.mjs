// Validates rendered Kubernetes manifests (a multi-document YAML stream on stdin, e.g. `kubectl kustomize k8s/overlays/dev`)
// against the Kubernetes JSON schemas (kubernetes-models' generated validators) and against this project's policies:
// workloads run as non-root with resource requests and limits, images carry a pinned tag (never `latest`), containers
// that serve ports have readiness and liveness probes, secrets reach containers only from Secrets (no literal value for a
// secret-looking variable, no password or account key in arguments), and the silos run >= 2 replicas under a
// PodDisruptionBudget. Prints each violation as "<label>: <Kind>/<name>: <problem>"; exits 1 if there is any.
// Usage: kubectl kustomize k8s/overlays/dev | node tests/tools/validate-k8s.mjs dev
import { parseAllDocuments } from "yaml";

const label = process.argv[2] ?? "manifests";
const input = await new Promise((resolve) => {
  let text = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => resolve(text));
});
const objects = parseAllDocuments(input).map((d) => d.toJS()).filter((o) => o);
// kustomize wraps long base64 values of a Secret's data over lines; Kubernetes' decoder skips the line breaks, the
// schema's "byte" format does not, so they are joined before validation.
for (const o of objects)
  if (o.kind === "Secret" && o.data) for (const k of Object.keys(o.data)) o.data[k] = String(o.data[k]).replace(/\s+/g, "");
const problems = [];
const fail = (o, message) => problems.push(`${label}: ${o.kind}/${o.metadata?.name}: ${message}`);

// 1. Schemas: the model class of apiVersion + kind validates the object; an unknown kind is a problem too.
for (const o of objects) {
  const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : [null, o.apiVersion];
  const module = group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`;
  let model;
  try {
    model = (await import(module))[o.kind];
  } catch {
    model = undefined;
  }
  if (!model) { fail(o, `no schema for ${o.apiVersion} ${o.kind}`); continue; }
  try {
    new model(o).validate();
  } catch (e) {
    fail(o, `schema: ${e.message}`);
  }
}

// 2. Policies on workloads.
const secretLooking = /(TOKEN|PASSWORD|SECRET|KEY|CLUSTER|CONNECTION|BLOBS)/i;
const secretInText = /(Password=|AccountKey=|SharedAccessSignature=|sig=)/i;
const workloads = objects.filter((o) => ["Deployment", "StatefulSet", "DaemonSet", "Job"].includes(o.kind));
for (const w of workloads) {
  const pod = w.spec?.template?.spec ?? {};
  for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
    const where = `container ${c.name}`;
    const nonRoot = c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
    if (nonRoot !== true) fail(w, `${where} may run as root (runAsNonRoot is not true)`);
    if (c.securityContext?.allowPrivilegeEscalation !== false) fail(w, `${where} allows privilege escalation`);
    const r = c.resources ?? {};
    if (!r.requests?.cpu || !r.requests?.memory) fail(w, `${where} has no cpu and memory requests`);
    if (!r.limits?.memory) fail(w, `${where} has no memory limit`);
    const image = c.image ?? "";
    const tag = image.includes("@") ? "digest" : image.lastIndexOf(":") > image.lastIndexOf("/") ? image.slice(image.lastIndexOf(":") + 1) : "";
    if (!tag || tag === "latest") fail(w, `${where} image ${image} has no pinned tag`);
    if ((c.ports ?? []).length > 0 && (!c.readinessProbe || !c.livenessProbe)) fail(w, `${where} serves ports without readiness and liveness probes`);
    for (const e of c.env ?? []) {
      if (e.value !== undefined && secretLooking.test(e.name) && !/^ORLEANS_(SERVICE|CLUSTER)_ID$/.test(e.name))
        fail(w, `${where} sets ${e.name} from a literal; secrets come from secretKeyRef`);
      if (e.value !== undefined && secretInText.test(String(e.value))) fail(w, `${where} has a credential in the value of ${e.name}`);
    }
    for (const a of [...(c.command ?? []), ...(c.args ?? [])])
      if (secretInText.test(String(a))) fail(w, `${where} has a credential in its arguments`);
  }
}

// 3. The silos: several replicas, kept up by a PodDisruptionBudget, with the RBAC Orleans' Kubernetes hosting reads pods with.
const silo = workloads.find((w) => w.metadata?.name === "amber-silo");
if (!silo) problems.push(`${label}: no amber-silo Deployment`);
else {
  if ((silo.spec.replicas ?? 1) < 2) fail(silo, `runs ${silo.spec.replicas ?? 1} replica(s); the cluster profiles want >= 2`);
  const labels = silo.spec.template.metadata.labels;
  const pdb = objects.find((o) => o.kind === "PodDisruptionBudget"
    && Object.entries(o.spec?.selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v));
  if (!pdb) fail(silo, "no PodDisruptionBudget selects the silo pods");
  const account = silo.spec.template.spec.serviceAccountName;
  const binding = objects.find((o) => o.kind === "RoleBinding" && o.subjects?.some((s) => s.kind === "ServiceAccount" && s.name === account));
  const role = binding && objects.find((o) => o.kind === "Role" && o.metadata.name === binding.roleRef.name);
  const readsPods = role?.rules?.some((r) => r.resources?.includes("pods") && ["get", "list", "watch"].every((v) => r.verbs?.includes(v)));
  if (!readsPods) fail(silo, `service account ${account} cannot get/list/watch pods (Orleans' Kubernetes hosting needs it)`);
  if (!silo.spec.template.spec.containers[0].args?.includes("--kubernetes")) fail(silo, "does not run with --kubernetes");
}

for (const p of problems) console.log(p);
console.log(`${label}: ${objects.length} objects, ${problems.length} problem(s)`);
process.exit(problems.length === 0 ? 0 : 1);
