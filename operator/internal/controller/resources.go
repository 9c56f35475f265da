package controller

import (
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
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
	// metricsName names the exporter container and its port (the Service's port too).
	metricsName = "metrics"
	// memcachedUID is the memcache user of the official memcached images.
	memcachedUID = 11211
	// connectionOverheadMi covers memcached's per-connection buffers and hash table beyond -m.
	connectionOverheadMi = 32
	// minMemoryMB is memcached's smallest useful -m; the CRD refuses less at admission.
	minMemoryMB = 64

	// saslDir is where the auth Secret is mounted: first on SASL_CONF_PATH, so an optional
	// memcached.conf in the Secret configures Cyrus SASL, and the pwdb file memcached reads on
	// every login.
	saslDir        = "/etc/memcached/sasl"
	saslPwdbKey    = "memcached-sasl-pwdb"
	saslVolumeName = "sasl"
	// saslDefaultsDir is second on SASL_CONF_PATH: Cyrus SASL reads the first memcached.conf it
	// finds, so this one applies only when the Secret has none. Without a mech_list, Cyrus offers
	// every mechanism plugin installed, ANONYMOUS included where the image has it (Debian's
	// libsasl2-modules does), which logs anyone in; the pwdb file can only check plaintext
	// passwords anyway. The file comes from a pod annotation through the downward API, so auth
	// needs no object beyond the user's Secret.
	saslDefaultsDir        = "/etc/memcached/sasl-defaults"
	saslDefaultsVolumeName = "sasl-defaults"
	saslDefaultsAnnotation = "kubecache.io/sasl-defaults"
	saslDefaultConf        = "mech_list: plain\n"
	saslConfFile           = "memcached.conf"
	// SASLRealm is the pod hostname when auth is on. memcached passes its hostname to SASL as
	// the user realm, so a fixed hostname keeps the credentials ("user@memcached") the same on
	// every pod rather than tied to generated pod names.
	SASLRealm = "memcached"

	zoneKey     = "topology.kubernetes.io/zone"
	hostnameKey = "kubernetes.io/hostname"
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

func objectMeta(mc *cachev1alpha1.Memcached) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: mc.Name, Namespace: mc.Namespace, Labels: objectLabels(mc)}
}

// withDefaults fills the fields the CRD schema defaults, so objects built in memory (tests, an
// API server without the CRD defaults) render the same objects. Zero means "not set"; values the
// schema refuses are errors, not silently raised.
func withDefaults(spec cachev1alpha1.MemcachedSpec) (cachev1alpha1.MemcachedSpec, error) {
	if spec.Image == "" {
		spec.Image = cachev1alpha1.DefaultImage
	}
	if spec.Port == 0 {
		spec.Port = 11211
	}
	if spec.MemoryMB == 0 {
		spec.MemoryMB = minMemoryMB
	}
	if spec.MemoryMB < minMemoryMB {
		return spec, fmt.Errorf("memoryMB %d is below the minimum of %d", spec.MemoryMB, minMemoryMB)
	}
	if spec.TopologySpread == "" {
		spec.TopologySpread = cachev1alpha1.TopologySpreadNone
	}
	if m := spec.Metrics; m != nil {
		m = m.DeepCopy()
		if m.Image == "" {
			m.Image = cachev1alpha1.DefaultExporterImage
		}
		if m.Port == 0 {
			m.Port = cachev1alpha1.DefaultMetricsPort
		}
		if m.Enabled && m.Port == spec.Port {
			return spec, fmt.Errorf("metrics.port %d is memcached's port", m.Port)
		}
		spec.Metrics = m
	}
	return spec, nil
}

func metricsEnabled(spec cachev1alpha1.MemcachedSpec) bool {
	return spec.Metrics != nil && spec.Metrics.Enabled
}

func networkPolicyEnabled(spec cachev1alpha1.MemcachedSpec) bool {
	return spec.NetworkPolicy != nil && spec.NetworkPolicy.Enabled
}

// memcachedArgs are the operator's flags, then -S for SASL, then the caller's extraArgs, so an
// extra argument can override any of them.
func memcachedArgs(spec cachev1alpha1.MemcachedSpec) []string {
	args := []string{
		"-p", strconv.Itoa(int(spec.Port)),
		"-m", strconv.Itoa(int(spec.MemoryMB)),
		"-U", "0",
	}
	if spec.Auth != nil {
		args = append(args, "-S")
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

func tcpProbe(port string, initialDelay, period int32) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler:        corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString(port)}},
		InitialDelaySeconds: initialDelay,
		PeriodSeconds:       period,
		TimeoutSeconds:      1,
		FailureThreshold:    3,
		SuccessThreshold:    1,
	}
}

func restrictedContainer() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr.To(false),
		ReadOnlyRootFilesystem:   ptr.To(true),
		RunAsNonRoot:             ptr.To(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
}

func memcachedContainer(spec cachev1alpha1.MemcachedSpec, res corev1.ResourceRequirements) corev1.Container {
	c := corev1.Container{
		Name:  containerName,
		Image: spec.Image,
		Args:  memcachedArgs(spec),
		Ports: []corev1.ContainerPort{{
			Name: portName, ContainerPort: spec.Port, Protocol: corev1.ProtocolTCP,
		}},
		Resources:       res,
		ReadinessProbe:  tcpProbe(portName, 2, 5),
		LivenessProbe:   tcpProbe(portName, 10, 10),
		SecurityContext: restrictedContainer(),
	}
	if spec.Auth != nil {
		c.Env = []corev1.EnvVar{
			{Name: "SASL_CONF_PATH", Value: saslDir + ":" + saslDefaultsDir},
			{Name: "MEMCACHED_SASL_PWDB", Value: saslDir + "/" + saslPwdbKey},
		}
		c.VolumeMounts = []corev1.VolumeMount{
			{Name: saslVolumeName, MountPath: saslDir, ReadOnly: true},
			{Name: saslDefaultsVolumeName, MountPath: saslDefaultsDir, ReadOnly: true},
		}
	}
	return c
}

// exporterContainer scrapes memcached over the pod's loopback, so it needs no Service or DNS.
func exporterContainer(spec cachev1alpha1.MemcachedSpec) corev1.Container {
	m := spec.Metrics
	mem := resource.MustParse("32Mi")
	return corev1.Container{
		Name:  metricsName,
		Image: m.Image,
		Args: []string{
			"--memcached.address=localhost:" + strconv.Itoa(int(spec.Port)),
			"--web.listen-address=:" + strconv.Itoa(int(m.Port)),
		},
		Ports: []corev1.ContainerPort{{Name: metricsName, ContainerPort: m.Port, Protocol: corev1.ProtocolTCP}},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: mem},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: mem},
		},
		LivenessProbe:   tcpProbe(metricsName, 10, 10),
		SecurityContext: restrictedContainer(),
	}
}

// affinity always prefers one pod per node: a drained or failed node then takes one shard of
// the cache, not several. Preferred, so a cluster with fewer nodes than pods still schedules.
func affinity(mc *cachev1alpha1.Memcached) *corev1.Affinity {
	return &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
		PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
			Weight: 100,
			PodAffinityTerm: corev1.PodAffinityTerm{
				LabelSelector: &metav1.LabelSelector{MatchLabels: selectorLabels(mc)},
				TopologyKey:   hostnameKey,
			},
		}},
	}}
}

// zoneSpread counts only the pods of the same ReplicaSet (pod-template-hash), so a rollout's new
// pods are spread among themselves rather than around the old ones being removed.
func zoneSpread(mc *cachev1alpha1.Memcached, mode cachev1alpha1.TopologySpreadMode) []corev1.TopologySpreadConstraint {
	var when corev1.UnsatisfiableConstraintAction
	switch mode {
	case cachev1alpha1.TopologySpreadPreferred:
		when = corev1.ScheduleAnyway
	case cachev1alpha1.TopologySpreadRequired:
		when = corev1.DoNotSchedule
	default:
		return nil
	}
	return []corev1.TopologySpreadConstraint{{
		MaxSkew:           1,
		TopologyKey:       zoneKey,
		WhenUnsatisfiable: when,
		LabelSelector:     &metav1.LabelSelector{MatchLabels: selectorLabels(mc)},
		MatchLabelKeys:    []string{appsv1.DefaultDeploymentUniqueLabelKey},
	}}
}

func memcachedPodSpec(mc *cachev1alpha1.Memcached, spec cachev1alpha1.MemcachedSpec, res corev1.ResourceRequirements) corev1.PodSpec {
	pod := corev1.PodSpec{
		AutomountServiceAccountToken: ptr.To(false),
		EnableServiceLinks:           ptr.To(false),
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot:   ptr.To(true),
			RunAsUser:      ptr.To[int64](memcachedUID),
			RunAsGroup:     ptr.To[int64](memcachedUID),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		Containers:                []corev1.Container{memcachedContainer(spec, res)},
		Affinity:                  affinity(mc),
		TopologySpreadConstraints: zoneSpread(mc, spec.TopologySpread),
		NodeSelector:              spec.NodeSelector,
		Tolerations:               spec.Tolerations,
		PriorityClassName:         spec.PriorityClassName,
	}
	if metricsEnabled(spec) {
		pod.Containers = append(pod.Containers, exporterContainer(spec))
	}
	if spec.Auth != nil {
		pod.Hostname = SASLRealm
		// Group-readable for memcached's group only: the Secret holds passwords.
		pod.SecurityContext.FSGroup = ptr.To[int64](memcachedUID)
		pod.Volumes = []corev1.Volume{{
			Name: saslVolumeName,
			VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
				SecretName: spec.Auth.SecretName, DefaultMode: ptr.To[int32](0o440),
			}},
		}, {
			Name: saslDefaultsVolumeName,
			VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{
				Items: []corev1.DownwardAPIVolumeFile{{
					Path: saslConfFile,
					FieldRef: &corev1.ObjectFieldSelector{
						APIVersion: "v1", FieldPath: "metadata.annotations['" + saslDefaultsAnnotation + "']",
					},
				}},
				DefaultMode: ptr.To[int32](0o444),
			}},
		}}
	}
	return pod
}

// podAnnotations carry the SASL defaults file the downward API volume renders (see saslDefaultsDir).
func podAnnotations(spec cachev1alpha1.MemcachedSpec) map[string]string {
	if spec.Auth == nil {
		return nil
	}
	return map[string]string{saslDefaultsAnnotation: saslDefaultConf}
}

// desiredDeployment renders the Deployment a Memcached should own, without the owner reference.
// A change of image, memory or arguments changes the pod template, so the Deployment rolls one pod
// at a time: at most one pod missing and one extra while it does.
func desiredDeployment(mc *cachev1alpha1.Memcached) (*appsv1.Deployment, error) {
	spec, err := withDefaults(mc.Spec)
	if err != nil {
		return nil, err
	}
	res, err := containerResources(spec)
	if err != nil {
		return nil, err
	}
	one := intstr.FromInt32(1)
	return &appsv1.Deployment{
		ObjectMeta: objectMeta(mc),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(spec.Size),
			Selector: &metav1.LabelSelector{MatchLabels: selectorLabels(mc)},
			Strategy: appsv1.DeploymentStrategy{
				Type:          appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &one, MaxSurge: &one},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: objectLabels(mc), Annotations: podAnnotations(spec)},
				Spec:       memcachedPodSpec(mc, spec, res),
			},
		},
	}, nil
}

// desiredService renders the headless Service that gives every memcached pod its own DNS record,
// with the exporter's port beside memcached's when metrics are on.
func desiredService(mc *cachev1alpha1.Memcached) (*corev1.Service, error) {
	spec, err := withDefaults(mc.Spec)
	if err != nil {
		return nil, err
	}
	ports := []corev1.ServicePort{{
		Name: portName, Port: spec.Port, TargetPort: intstr.FromString(portName), Protocol: corev1.ProtocolTCP,
	}}
	if metricsEnabled(spec) {
		ports = append(ports, corev1.ServicePort{
			Name: metricsName, Port: spec.Metrics.Port, TargetPort: intstr.FromString(metricsName), Protocol: corev1.ProtocolTCP,
		})
	}
	return &corev1.Service{
		ObjectMeta: objectMeta(mc),
		Spec: corev1.ServiceSpec{
			ClusterIP: corev1.ClusterIPNone,
			Selector:  selectorLabels(mc),
			Ports:     ports,
		},
	}, nil
}

// desiredPDB lets a drain take one memcached pod at a time; nil when size < 2, where a budget
// would block every drain of the node running the only pod.
func desiredPDB(mc *cachev1alpha1.Memcached) *policyv1.PodDisruptionBudget {
	if mc.Spec.Size < 2 {
		return nil
	}
	one := intstr.FromInt32(1)
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: objectMeta(mc),
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable: &one,
			Selector:       &metav1.LabelSelector{MatchLabels: selectorLabels(mc)},
		},
	}
}

// desiredNetworkPolicy admits labelled clients of the same namespace to memcached's port and, when
// metrics are on, anyone to the exporter's (Prometheus may run in any namespace; the exporter
// serves counters, not cache contents). nil when the policy is off.
func desiredNetworkPolicy(mc *cachev1alpha1.Memcached) (*networkingv1.NetworkPolicy, error) {
	spec, err := withDefaults(mc.Spec)
	if err != nil {
		return nil, err
	}
	if !networkPolicyEnabled(spec) {
		return nil, nil
	}
	tcp := corev1.ProtocolTCP
	memcachePort := intstr.FromInt32(spec.Port)
	ingress := []networkingv1.NetworkPolicyIngressRule{{
		From: []networkingv1.NetworkPolicyPeer{{
			PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{cachev1alpha1.ClientLabel: mc.Name}},
		}},
		Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: &memcachePort}},
	}}
	if metricsEnabled(spec) {
		metricsPort := intstr.FromInt32(spec.Metrics.Port)
		ingress = append(ingress, networkingv1.NetworkPolicyIngressRule{
			Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: &metricsPort}},
		})
	}
	return &networkingv1.NetworkPolicy{
		ObjectMeta: objectMeta(mc),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: selectorLabels(mc)},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress:     ingress,
		},
	}, nil
}
