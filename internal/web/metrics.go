package web

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the HTTP metrics exported at /metrics.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec

	// The series of each route, method and status, looked up once: the
	// vectors hash the label values and take a lock on every call. The map
	// is copied on write (a new series is rare), so that a lookup takes no
	// lock that the cores would pass back and forth.
	mu     sync.Mutex
	series atomic.Pointer[map[seriesKey]series]
}

type seriesKey struct {
	route, method string
	status        int
}

type series struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

// NewMetrics registers the HTTP metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gongkai_http_requests_total",
			Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gongkai_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
	}
	m.series.Store(&map[seriesKey]series{})
	reg.MustRegister(m.requests, m.latency)
	return m
}

// methodLabel keeps the method label to the standard methods: a client can
// send any token as a method, and each would otherwise become a new series.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

func (m *Metrics) observe(route, method string, status int, d time.Duration) {
	k := seriesKey{route, methodLabel(method), status}
	s, ok := (*m.series.Load())[k]
	if !ok {
		s = m.add(k)
	}
	s.requests.Inc()
	s.latency.Observe(d.Seconds())
}

func (m *Metrics) add(k seriesKey) series {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.series.Load()
	if s, ok := old[k]; ok {
		return s
	}
	s := series{m.requests.WithLabelValues(k.route, k.method, strconv.Itoa(k.status)), m.latency.WithLabelValues(k.route)}
	next := make(map[seriesKey]series, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[k] = s
	m.series.Store(&next)
	return s
}
