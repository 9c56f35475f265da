package controller

import (
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	cachev1alpha1 "github.com/kubecache/kubecache/operator/api/v1alpha1"
)

const (
	// ManagedByValue marks objects this operator owns; the manager's cache only holds those.
	ManagedByValue = "kubecache-operator"
	labelManagedBy = "app.kubernetes.io/managed-by"
	labelName      = "app.kubernetes.io/name"
	labelInstance  = "app.kubernetes.io/instance"
	containerName  = "memcached"
	portName       = "memcache"
	// memcachedUID is the memcache user of the official memcached images.
	memcachedUID = 11211
	// connectionOverheadMi covers memcached's per-connection buffers and hash table beyond -m.
	connectionOverheadMi = 32
)

// selectorLabels select the pods of one Memcached; they never change for its lifetime.
func selectorLabels(mc *cachev1alpha1.Memcached) map[string]string {
	return map[string]string{labelName: "memcached", labelInstance: mc.Name}
}

func objectLabels(mc *cachev1alpha1.Memcached) map[string]string {
	l := selectorLabels(mc)
	l[labelManagedBy] = ManagedByValue
	return l
}

// withDefaults fills the fields the CRD schema defaults, so objects built in memory (tests, an
// API server without the CRD defaults) render the same Deployment.
func withDefaults(spec cachev1alpha1.MemcachedSpec) cachev1alpha1.MemcachedSpec {
	if spec.Image == "" {
		spec.Image = cachev1alpha1.DefaultImage
	}
	if spec.Port == 0 {
		spec.Port = 11211
	}
	if spec.MemoryMB < 64 {
		spec.MemoryMB = 64
	}
	return spec
}

func memcachedArgs(spec cachev1alpha1.MemcachedSpec) []string {
	args := []string{
		"-p", strconv.Itoa(int(spec.Port)),
		"-m", strconv.Itoa(int(spec.MemoryMB)),
		"-U", "0",
	}
	return append(args, spec.ExtraArgs...)
}

func containerResources(spec cachev1alpha1.MemcachedSpec) (corev1.ResourceRequirements, error) {
	if spec.Resources == nil {
		mem := resource.MustParse(strconv.Itoa(int(spec.MemoryMB)+connectionOverheadMi) + "Mi")
		return corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: mem},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: mem},
		}, nil
	}
	var out corev1.ResourceRequirements
	var err error
	if out.Requests, err = resourceList(spec.Resources.Requests); err != nil {
		return out, fmt.Errorf("resources.requests: %w", err)
	}
	if out.Limits, err = resourceList(spec.Resources.Limits); err != nil {
		return out, fmt.Errorf("resources.limits: %w", err)
	}
	return out, nil
}

func resourceList(a *cachev1alpha1.ResourceAmounts) (corev1.ResourceList, error) {
	if a == nil {
		return nil, nil
	}
	out := corev1.ResourceList{}
	for name, v := range map[corev1.ResourceName]string{corev1.ResourceCPU: a.CPU, corev1.ResourceMemory: a.Memory} {
		if v == "" {
			continue
		}
		q, err := resource.ParseQuantity(v)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", name, v, err)
		}
		out[name] = q
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func tcpProbe(initialDelay, period int32) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler:        corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString(portName)}},
		InitialDelaySeconds: initialDelay,
		PeriodSeconds:       period,
		TimeoutSeconds:      1,
		FailureThreshold:    3,
		SuccessThreshold:    1,
	}
}

func memcachedPodSpec(spec cachev1alpha1.MemcachedSpec, res corev1.ResourceRequirements) corev1.PodSpec {
	return corev1.PodSpec{
		AutomountServiceAccountToken: ptr.To(false),
		EnableServiceLinks:           ptr.To(false),
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot:   ptr.To(true),
			RunAsUser:      ptr.To[int64](memcachedUID),
			RunAsGroup:     ptr.To[int64](memcachedUID),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		Containers: []corev1.Container{{
			Name:  containerName,
			Image: spec.Image,
			Args:  memcachedArgs(spec),
			Ports: []corev1.ContainerPort{{
				Name: portName, ContainerPort: spec.Port, Protocol: corev1.ProtocolTCP,
			}},
			Resources:      res,
			ReadinessProbe: tcpProbe(2, 5),
			LivenessProbe:  tcpProbe(10, 10),
			SecurityContext: &corev1.SecurityContext{
				AllowPrivilegeEscalation: ptr.To(false),
				ReadOnlyRootFilesystem:   ptr.To(true),
				RunAsNonRoot:             ptr.To(true),
				Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			},
		}},
	}
}

// desiredDeployment renders the Deployment a Memcached should own, without the owner reference.
func desiredDeployment(mc *cachev1alpha1.Memcached) (*appsv1.Deployment, error) {
	spec := withDefaults(mc.Spec)
	res, err := containerResources(spec)
	if err != nil {
		return nil, err
	}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: mc.Name, Namespace: mc.Namespace, Labels: objectLabels(mc)},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(spec.Size),
			Selector: &metav1.LabelSelector{MatchLabels: selectorLabels(mc)},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: objectLabels(mc)},
				Spec:       memcachedPodSpec(spec, res),
			},
		},
	}, nil
}

// desiredService renders the headless Service that gives every memcached pod its own DNS record.
func desiredService(mc *cachev1alpha1.Memcached) *corev1.Service {
	spec := withDefaults(mc.Spec)
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: mc.Name, Namespace: mc.Namespace, Labels: objectLabels(mc)},
		Spec: corev1.ServiceSpec{
			ClusterIP: corev1.ClusterIPNone,
			Selector:  selectorLabels(mc),
			Ports: []corev1.ServicePort{{
				Name: portName, Port: spec.Port, TargetPort: intstr.FromString(portName), Protocol: corev1.ProtocolTCP,
			}},
		},
	}
}
