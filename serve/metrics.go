package serve

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	documents prometheus.Counter
	inflight  prometheus.Gauge
	shed      prometheus.Counter
	reloads   *prometheus.CounterVec
	modelInfo *prometheus.GaugeVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "credence_http_requests_total", Help: "HTTP API requests by endpoint and status code.",
		}, []string{"endpoint", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "credence_http_request_duration_seconds", Help: "HTTP API request latency.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"endpoint"}),
		documents: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "credence_documents_classified_total", Help: "Documents classified or explained.",
		}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "credence_http_requests_in_flight", Help: "Requests being processed.",
		}),
		shed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "credence_http_requests_shed_total", Help: "Requests refused with 503 because the server was at capacity.",
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "credence_model_reloads_total", Help: "Model reloads by result.",
		}, []string{"result"}),
		modelInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "credence_model_info", Help: "The model being served (value 1).",
		}, []string{"id", "algo", "labels"}),
	}
	reg.MustRegister(m.requests, m.latency, m.documents, m.inflight, m.shed, m.reloads, m.modelInfo,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}
