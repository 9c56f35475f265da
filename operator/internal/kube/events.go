package kube

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

const (
	// maxNoteLength is the API server's limit on events.k8s.io Event notes.
	maxNoteLength = 1024
	// repeatWindow drops an identical event (same object, type, reason and note) seen again this
	// soon: a step that keeps failing under backoff would otherwise write one event per retry.
	repeatWindow = 5 * time.Minute
	eventBuffer  = 1024
)

// Recorder writes events.k8s.io/v1 Events in the background, so a reconcile never waits on one.
// Its Eventf matches client-go's events.EventRecorder.
type Recorder struct {
	client     Client
	kindOf     func(runtime.Object) (kind, apiVersion string)
	controller string
	instance   string
	log        logr.Logger
	now        func() time.Time

	queue chan *eventsv1.Event
	mu    sync.Mutex
	seen  map[string]time.Time
}

// NewRecorder returns a recorder reporting as controller (reportingController) from instance
// (reportingInstance, e.g. the pod name); start it with Run.
func NewRecorder(c Client, scheme *runtime.Scheme, controller, instance string, log logr.Logger) *Recorder {
	kindOf := func(obj runtime.Object) (string, string) {
		gvks, _, err := scheme.ObjectKinds(obj)
		if err != nil || len(gvks) == 0 {
			return "", ""
		}
		return gvks[0].Kind, gvks[0].GroupVersion().String()
	}
	return &Recorder{
		client: c, kindOf: kindOf, controller: controller, instance: instance, log: log, now: time.Now,
		queue: make(chan *eventsv1.Event, eventBuffer), seen: map[string]time.Time{},
	}
}

// Eventf queues an event about regarding; it drops it when the buffer is full rather than block.
func (r *Recorder) Eventf(regarding runtime.Object, related runtime.Object, eventtype, reason, action, note string, args ...interface{}) {
	obj, ok := regarding.(metav1.Object)
	if !ok {
		return
	}
	msg := fmt.Sprintf(note, args...)
	if len(msg) > maxNoteLength {
		msg = msg[:maxNoteLength-3] + "..."
	}
	now := r.now()
	key := string(obj.GetUID()) + "\x00" + eventtype + "\x00" + reason + "\x00" + msg
	r.mu.Lock()
	if last, ok := r.seen[key]; ok && now.Sub(last) < repeatWindow {
		r.mu.Unlock()
		return
	}
	r.seen[key] = now
	if len(r.seen) > eventBuffer {
		for k, t := range r.seen {
			if now.Sub(t) >= repeatWindow {
				delete(r.seen, k)
			}
		}
	}
	r.mu.Unlock()
	kind, apiVersion := r.kindOf(regarding)
	ev := &eventsv1.Event{
		ObjectMeta: metav1.ObjectMeta{
			// client-go's naming: unique per object and nanosecond.
			Name:      fmt.Sprintf("%s.%x", obj.GetName(), now.UnixNano()),
			Namespace: obj.GetNamespace(),
		},
		EventTime:           metav1.NewMicroTime(now),
		ReportingController: r.controller,
		ReportingInstance:   r.instance,
		Action:              action,
		Reason:              reason,
		Note:                msg,
		Type:                eventtype,
		Regarding: corev1.ObjectReference{
			Kind: kind, APIVersion: apiVersion, Name: obj.GetName(), Namespace: obj.GetNamespace(),
			UID: obj.GetUID(), ResourceVersion: obj.GetResourceVersion(),
		},
	}
	if rel, ok := related.(metav1.Object); ok && related != nil {
		k, v := r.kindOf(related)
		ev.Related = &corev1.ObjectReference{Kind: k, APIVersion: v, Name: rel.GetName(), Namespace: rel.GetNamespace(), UID: rel.GetUID()}
	}
	select {
	case r.queue <- ev:
	default:
		r.log.Info("event dropped: buffer full", "reason", reason, "object", obj.GetName())
	}
}

// Run writes queued events until ctx ends.
func (r *Recorder) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-r.queue:
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			if err := r.client.Create(wctx, ev); err != nil {
				r.log.Info("could not write event", "reason", ev.Reason, "object", ev.Regarding.Name, "error", err.Error())
			}
			cancel()
		}
	}
}
