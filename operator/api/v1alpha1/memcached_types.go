package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DefaultImage is the memcached image used when spec.image is empty; keep it in step with the
// +kubebuilder:default marker on MemcachedSpec.Image.
const DefaultImage = "memcached:1.6.39-alpine"

// DefaultExporterImage is the Prometheus memcached exporter used when spec.metrics.image is empty;
// keep it in step with the +kubebuilder:default marker on MemcachedMetrics.Image.
const DefaultExporterImage = "prom/memcached-exporter:v0.16.0"

// DefaultMetricsPort is the exporter's own default listen port.
const DefaultMetricsPort = 9150

// ClientLabel is the pod label a NetworkPolicy-guarded Memcached admits clients by; its value is
// the Memcached's name.
const ClientLabel = "kubecache.io/memcached-client"

// TopologySpreadMode says how strongly the pods are spread over zones.
// +kubebuilder:validation:Enum=none;preferred;required
type TopologySpreadMode string

const (
	// TopologySpreadNone leaves zones to the scheduler (pods still prefer distinct nodes).
	TopologySpreadNone TopologySpreadMode = "none"
	// TopologySpreadPreferred spreads over zones when it can (whenUnsatisfiable: ScheduleAnyway).
	TopologySpreadPreferred TopologySpreadMode = "preferred"
	// TopologySpreadRequired keeps zones within one pod of each other (DoNotSchedule).
	TopologySpreadRequired TopologySpreadMode = "required"
)

// Condition types reported in MemcachedStatus.Conditions.
const (
	// ConditionAvailable is True when every requested memcached node is ready.
	ConditionAvailable = "Available"
	// ConditionProgressing is True while the Deployment is rolling out or scaling.
	ConditionProgressing = "Progressing"
	// ConditionDegraded is True when the operator could not converge the owned objects.
	ConditionDegraded = "Degraded"
)

// MemcachedSpec is the desired state of a memcached cluster.
// +kubebuilder:validation:XValidation:rule="!has(self.resources) || !has(self.resources.limits) || !has(self.resources.limits.memory) || quantity(self.resources.limits.memory).asApproximateFloat() >= double(self.memoryMB) * 1048576.0",message="resources.limits.memory must be at least memoryMB"
// +kubebuilder:validation:XValidation:rule="!has(self.metrics) || !self.metrics.enabled || !has(self.auth)",message="metrics.enabled cannot be combined with auth: the memcached exporter does not authenticate, and SASL mode refuses unauthenticated stats"
// +kubebuilder:validation:XValidation:rule="!has(self.metrics) || !has(self.metrics.port) || !has(self.port) || self.metrics.port != self.port",message="metrics.port must differ from port"
type MemcachedSpec struct {
	// Size is the number of memcached nodes (pods).
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +kubebuilder:default=1
	// +optional
	Size int32 `json:"size"`

	// Image is the memcached container image; it must carry a tag other than "latest", or a digest.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="self.matches('^([^/@]+/)*[^/:@]+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$') && (self.contains('@sha256:') || self.matches(':[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$')) && !self.endsWith(':latest')",message="image must name an explicit tag other than latest, or a sha256 digest (e.g. memcached:1.6.39-alpine)"
	// +kubebuilder:default="memcached:1.6.39-alpine"
	// +optional
	Image string `json:"image,omitempty"`

	// Port is the TCP port memcached listens on, also used by the headless Service.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	// +kubebuilder:default=11211
	// +optional
	Port int32 `json:"port,omitempty"`

	// MemoryMB is the item memory of each node in megabytes (memcached -m).
	// +kubebuilder:validation:Minimum=64
	// +kubebuilder:validation:Maximum=65536
	// +kubebuilder:default=64
	// +optional
	MemoryMB int32 `json:"memoryMB,omitempty"`

	// Resources of the memcached container. When unset, memory is requested and limited to
	// memoryMB plus connection overhead, and a small CPU request is set.
	// +optional
	Resources *MemcachedResources `json:"resources,omitempty"`

	// ExtraArgs are appended to the memcached command line after the operator's own flags.
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=256
	// +optional
	ExtraArgs []string `json:"extraArgs,omitempty"`

	// TopologySpread spreads the pods over zones (topology.kubernetes.io/zone): none, preferred
	// (when the scheduler can) or required (zones differ by at most one pod). Whatever the value,
	// the pods prefer distinct nodes.
	// +kubebuilder:default=none
	// +optional
	TopologySpread TopologySpreadMode `json:"topologySpread,omitempty"`

	// NodeSelector restricts the pods to nodes with these labels.
	// +kubebuilder:validation:MaxProperties=32
	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`

	// Tolerations let the pods run on nodes with matching taints.
	// +kubebuilder:validation:MaxItems=32
	// +optional
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`

	// PriorityClassName is the pods' PriorityClass.
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	// +optional
	PriorityClassName string `json:"priorityClassName,omitempty"`

	// Metrics adds a Prometheus exporter sidecar, a container and port named "metrics" that the
	// headless Service also exposes.
	// +optional
	Metrics *MemcachedMetrics `json:"metrics,omitempty"`

	// Auth starts memcached in SASL mode (binary protocol only) with the credentials of a Secret.
	// Without it memcached accepts every client that reaches it; see NetworkPolicy.
	// +optional
	Auth *MemcachedAuth `json:"auth,omitempty"`

	// NetworkPolicy admits only pods labelled kubecache.io/memcached-client=<name> in the same
	// namespace to memcached's port.
	// +optional
	NetworkPolicy *MemcachedNetworkPolicy `json:"networkPolicy,omitempty"`
}

// MemcachedMetrics configures the exporter sidecar.
type MemcachedMetrics struct {
	// Enabled adds the exporter.
	// +kubebuilder:default=false
	// +optional
	Enabled bool `json:"enabled"`

	// Image of the exporter; it must carry a tag other than "latest", or a digest.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="self.matches('^([^/@]+/)*[^/:@]+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$') && (self.contains('@sha256:') || self.matches(':[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$')) && !self.endsWith(':latest')",message="image must name an explicit tag other than latest, or a sha256 digest (e.g. prom/memcached-exporter:v0.16.0)"
	// +kubebuilder:default="prom/memcached-exporter:v0.16.0"
	// +optional
	Image string `json:"image,omitempty"`

	// Port the exporter serves /metrics on.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	// +kubebuilder:default=9150
	// +optional
	Port int32 `json:"port,omitempty"`
}

// MemcachedAuth names the Secret holding memcached's SASL configuration.
type MemcachedAuth struct {
	// SecretName is a Secret in the Memcached's namespace, mounted as memcached's SASL
	// configuration directory: key memcached-sasl-pwdb holds "user@memcached:password" lines
	// (memcached built with --enable-sasl-pwdb, as the official images are). An optional
	// memcached.conf (Cyrus SASL options) replaces the default, mech_list: plain.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	SecretName string `json:"secretName"`
}

// MemcachedNetworkPolicy configures the NetworkPolicy the operator owns.
type MemcachedNetworkPolicy struct {
	// Enabled creates the NetworkPolicy; turning it off deletes it.
	// +kubebuilder:default=false
	// +optional
	Enabled bool `json:"enabled"`
}

// MemcachedResources are the CPU and memory of the memcached container, shaped like a
// ResourceRequirements restricted to the two resources memcached uses. Bounded strings keep the
// CRD's CEL rules within the API server's cost budget.
type MemcachedResources struct {
	// Requests are the resources the scheduler reserves.
	// +optional
	Requests *ResourceAmounts `json:"requests,omitempty"`
	// Limits are the most the container may use; limits.memory must cover memoryMB.
	// +optional
	Limits *ResourceAmounts `json:"limits,omitempty"`
}

// ResourceAmounts are Kubernetes quantities, e.g. cpu "250m", memory "128Mi".
type ResourceAmounts struct {
	// CPU quantity.
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="isQuantity(self)",message="must be a Kubernetes quantity such as 250m"
	// +optional
	CPU string `json:"cpu,omitempty"`
	// Memory quantity.
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="isQuantity(self)",message="must be a Kubernetes quantity such as 128Mi"
	// +optional
	Memory string `json:"memory,omitempty"`
}

// MemcachedStatus is the observed state of a memcached cluster.
type MemcachedStatus struct {
	// Nodes are the names of the memcached pods, sorted.
	// +optional
	Nodes []string `json:"nodes,omitempty"`

	// ReadyReplicas is the number of ready memcached pods.
	// +optional
	ReadyReplicas int32 `json:"readyReplicas"`

	// Selector is the label selector of the pods, for the scale subresource.
	// +optional
	Selector string `json:"selector,omitempty"`

	// ObservedGeneration is the generation whose spec was last applied to the owned objects.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions are Available, Progressing and Degraded.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// Memcached is a memcached cluster: a Deployment of size pods, a headless Service and, as the spec
// asks, a PodDisruptionBudget and a NetworkPolicy.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:subresource:scale:specpath=.spec.size,statuspath=.status.readyReplicas,selectorpath=.status.selector
// +kubebuilder:resource:shortName=mc,categories=kubecache
// +kubebuilder:printcolumn:name="Size",type=integer,JSONPath=`.spec.size`
// +kubebuilder:printcolumn:name="Ready",type=integer,JSONPath=`.status.readyReplicas`
// +kubebuilder:printcolumn:name="Image",type=string,JSONPath=`.spec.image`,priority=1
// +kubebuilder:printcolumn:name="Available",type=string,JSONPath=`.status.conditions[?(@.type=="Available")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Memcached struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Spec MemcachedSpec `json:"spec"`
	// +optional
	Status MemcachedStatus `json:"status,omitempty"`
}

// MemcachedList is a list of Memcached.
// +kubebuilder:object:root=true
type MemcachedList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Memcached `json:"items"`
}
