package stream

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are a worker's Prometheus metrics. A nil *Metrics records nothing.
type Metrics struct {
	documents    *prometheus.CounterVec
	dead         *prometheus.CounterVec
	redelivered  prometheus.Counter
	duplicates   prometheus.Counter
	batchSeconds prometheus.Histogram
	batchSize    prometheus.Histogram
	storeSeconds prometheus.Histogram
	inflight     prometheus.Gauge
	modelInfo    *prometheus.GaugeVec
}

// NewMetrics registers a worker's metrics (and the Go and process
// collectors) with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		documents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "credence_stream_documents_total",
			Help: "Documents handled by this worker, by outcome: classified (verdict stored, input acknowledged), dead_lettered, retried (negatively acknowledged for redelivery).",
		}, []string{"outcome"}),
		dead: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "credence_stream_dead_letters_total",
			Help: "Documents sent to the dead-letter stream, by reason (invalid_utf8, invalid_json, oversized, no_id, failed, max_deliveries).",
		}, []string{"reason"}),
		redelivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "credence_stream_redelivered_total",
			Help: "Documents received that had been delivered before (to a worker that died, stalled or failed).",
		}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "credence_stream_duplicate_verdicts_total",
			Help: "Verdicts the results stream already had for that document id (not stored twice).",
		}),
		batchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "credence_stream_batch_duration_seconds", Help: "Time to classify one batch.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "credence_stream_batch_documents", Help: "Documents per batch.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512},
		}),
		storeSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "credence_stream_store_duration_seconds", Help: "Time from publishing a verdict to the results stream's acknowledgement.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "credence_stream_inflight_documents", Help: "Documents taken from the stream and not yet acknowledged.",
		}),
		modelInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "credence_model_info", Help: "The model this worker classifies with (value 1).",
		}, []string{"id", "labels"}),
	}
	reg.MustRegister(m.documents, m.dead, m.redelivered, m.duplicates, m.batchSeconds, m.batchSize,
		m.storeSeconds, m.inflight, m.modelInfo,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	for _, o := range []string{"classified", "dead_lettered", "retried"} {
		m.documents.WithLabelValues(o)
	}
	return m
}

func (m *Metrics) setModel(c Classifier) {
	if m != nil {
		m.modelInfo.WithLabelValues(c.ID(), strings.Join(c.Labels(), ",")).Set(1)
	}
}

func (m *Metrics) outcome(o string, n int) {
	if m != nil && n > 0 {
		m.documents.WithLabelValues(o).Add(float64(n))
	}
}

func (m *Metrics) deadLetter(reason string) {
	if m != nil {
		m.dead.WithLabelValues(reason).Inc()
	}
}

func (m *Metrics) redelivery(n int) {
	if m != nil {
		m.redelivered.Add(float64(n))
	}
}

func (m *Metrics) duplicate(n int) {
	if m != nil && n > 0 {
		m.duplicates.Add(float64(n))
	}
}

func (m *Metrics) batch(n int, seconds float64) {
	if m != nil {
		m.batchSize.Observe(float64(n))
		m.batchSeconds.Observe(seconds)
	}
}

func (m *Metrics) stored(seconds float64) {
	if m != nil {
		m.storeSeconds.Observe(seconds)
	}
}

func (m *Metrics) addInflight(d int) {
	if m != nil {
		m.inflight.Add(float64(d))
	}
}
