"""Drives a Myriad server with the official Python `kubernetes` client.

Usage: python_client.py KUBECONFIG. Exits non-zero (with the failed assertion) on any
difference from what the client gets against Kubernetes.
"""
import sys
import threading
import time

from kubernetes import client, config, watch
from kubernetes.client.exceptions import ApiException

config.load_kube_config(sys.argv[1])
core = client.CoreV1Api()
apps = client.AppsV1Api()
meta = client.V1ObjectMeta

names = [n.metadata.name for n in core.list_namespace().items]
assert "kube-system" in names, names
core.create_namespace(client.V1Namespace(metadata=meta(name="py")))

cm = core.create_namespaced_config_map(
    "py", client.V1ConfigMap(metadata=meta(name="c1", labels={"tier": "web"}), data={"k": "v"}))
assert cm.metadata.uid and int(cm.metadata.resource_version) > 0, cm.metadata
patched = core.patch_namespaced_config_map("c1", "py", {"data": {"k2": "v2"}})
assert patched.data == {"k": "v", "k2": "v2"}, patched.data
try:
    core.create_namespaced_config_map("py", client.V1ConfigMap(metadata=meta(name="c1")))
    raise AssertionError("duplicate create succeeded")
except ApiException as e:
    assert e.status == 409 and "AlreadyExists" in e.body, (e.status, e.body)
try:
    core.read_namespaced_config_map("nope", "py")
    raise AssertionError("missing object found")
except ApiException as e:
    assert e.status == 404, e.status
selected = core.list_namespaced_config_map("py", label_selector="tier=web").items
assert [c.metadata.name for c in selected] == ["c1"], selected

pod = core.create_namespaced_pod("py", client.V1Pod(
    metadata=meta(name="p1"),
    spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="nginx")])))
assert pod.status.phase == "Pending" and pod.spec.containers[0].image_pull_policy == "Always", pod
# The answer is a Status, which the generated client cannot map to V1Binding (as against
# Kubernetes), hence the raw response.
core.create_namespaced_pod_binding("p1", "py", client.V1Binding(
    metadata=meta(name="p1"), target=client.V1ObjectReference(kind="Node", name="n1")),
    _preload_content=False)
on_node = core.list_pod_for_all_namespaces(field_selector="spec.nodeName=n1").items
assert [p.metadata.name for p in on_node] == ["p1"], on_node
core.create_namespaced_pod_eviction("p1", "py", client.V1Eviction(
    metadata=meta(name="p1"), delete_options=client.V1DeleteOptions(grace_period_seconds=0)))
try:
    core.read_namespaced_pod("p1", "py")
    raise AssertionError("evicted pod still there")
except ApiException as e:
    assert e.status == 404, e.status

deployment = apps.create_namespaced_deployment("py", client.V1Deployment(
    metadata=meta(name="web"),
    spec=client.V1DeploymentSpec(
        replicas=2,
        selector=client.V1LabelSelector(match_labels={"app": "web"}),
        template=client.V1PodTemplateSpec(
            metadata=meta(labels={"app": "web"}),
            spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="nginx")])))))
assert deployment.spec.strategy.type == "RollingUpdate", deployment.spec.strategy
scale = apps.patch_namespaced_deployment_scale("web", "py", {"spec": {"replicas": 5}})
assert scale.spec.replicas == 5, scale

# A watch from the list's resourceVersion sees a later create.
rv = core.list_namespaced_config_map("py").metadata.resource_version


def create_later():
    time.sleep(0.5)
    core.create_namespaced_config_map("py", client.V1ConfigMap(metadata=meta(name="c2")))


threading.Thread(target=create_later).start()
seen = None
w = watch.Watch()
for event in w.stream(core.list_namespaced_config_map, "py", resource_version=rv, timeout_seconds=10):
    seen = (event["type"], event["object"].metadata.name)
    w.stop()
assert seen == ("ADDED", "c2"), seen

core.delete_namespaced_config_map("c1", "py")
left = [c.metadata.name for c in core.list_namespaced_config_map("py").items]
assert left == ["c2"], left
print("ok")
