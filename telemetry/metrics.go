package telemetry

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/telemetry/sink"
)

// Metric names, pinned by metrics_test.go like the span attributes.
const (
	MetricDecisions       = "sluice_decisions_total"
	MetricCategories      = "sluice_decision_categories_total"
	MetricFindings        = "sluice_findings_total"
	MetricRuleMatches     = "sluice_rule_matches_total"
	MetricDuration        = "sluice_evaluation_duration_seconds"
	MetricFailures        = "sluice_evaluation_failures_total"
	MetricAuditRecords    = "sluice_audit_records_total"
	MetricSinkQueueDepth  = "sluice_audit_sink_queue_depth"
	MetricSinkWritten     = "sluice_audit_sink_written_total"
	MetricSinkRetries     = "sluice_audit_sink_retries_total"
	MetricSinkDropped     = "sluice_audit_sink_dropped_total"
	MetricSinkRejected    = "sluice_audit_sink_rejected_total"
	MetricSinkSpoolBytes  = "sluice_audit_sink_spooled_bytes"
	MetricSinkSpoolRecs   = "sluice_audit_sink_spooled_records"
	MetricSinkLastError   = "sluice_audit_sink_last_error_timestamp_seconds"
	MetricSinkReady       = "sluice_audit_sink_ready"
	durationBucketsFactor = 2.5
)

type metrics struct {
	reg        *prometheus.Registry
	decisions  *prometheus.CounterVec
	categories *prometheus.CounterVec
	findings   *prometheus.CounterVec
	rules      *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	failures   *prometheus.CounterVec
	records    prometheus.Counter
}

func newMetrics(sinks func() []sink.Sink) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.decisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: MetricDecisions,
		Help: "Decisions made, by door, decision (allow, block, redact, error), would-be decision under full enforcement, mode of the matched rules (enforce, monitor, none) and outcome (success, failure).",
	}, []string{"door", "decision", "would_be", "mode", "outcome"})
	m.categories = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: MetricCategories,
		Help: "Decisions with at least one counted finding of a category, by category and decision.",
	}, []string{"category", "decision"})
	m.findings = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: MetricFindings,
		Help: "Findings reported by detectors (excepted ones included), by category and severity.",
	}, []string{"category", "severity"})
	m.rules = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: MetricRuleMatches,
		Help: "Rule matches, by rule, mode and action.",
	}, []string{"rule", "mode", "action"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    MetricDuration,
		Help:    "Time to evaluate one body, by door.",
		Buckets: prometheus.ExponentialBuckets(0.0001, durationBucketsFactor, 10), // 100µs .. ~3.8s
	}, []string{"door"})
	m.failures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: MetricFailures,
		Help: "Evaluations that produced no decision, by door and reason code.",
	}, []string{"door", "reason"})
	m.records = prometheus.NewCounter(prometheus.CounterOpts{
		Name: MetricAuditRecords,
		Help: "Audit records handed to the sinks (one per decision).",
	})
	m.reg.MustRegister(m.decisions, m.categories, m.findings, m.rules, m.duration, m.failures, m.records,
		&sinkCollector{sinks: sinks},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// observe counts a decision. outcome is "success" or "failure".
func (m *metrics) observe(d *evaluator.Decision, mode, outcome string) {
	decision := string(d.Verdict)
	if decision == "" {
		decision = "error"
	}
	m.decisions.WithLabelValues(orNone(d.Door), decision, orNone(string(d.WouldBe)), orNone(mode), outcome).Inc()
	var seen [8]string
	n := 0
	for i := range d.Findings {
		f := &d.Findings[i]
		m.findings.WithLabelValues(string(f.Category), f.Severity.String()).Inc()
		if f.Excepted != "" {
			continue
		}
		dup := false
		for _, c := range seen[:n] {
			if c == string(f.Category) {
				dup = true
				break
			}
		}
		if !dup && n < len(seen) {
			seen[n] = string(f.Category)
			n++
			m.categories.WithLabelValues(string(f.Category), decision).Inc()
		}
	}
	for _, mt := range d.Matches {
		if mt.Rule != nil {
			m.rules.WithLabelValues(mt.Rule.ID, mt.Mode.String(), mt.Action.String()).Inc()
		}
	}
}

func (m *metrics) observeDuration(door string, d time.Duration) {
	m.duration.WithLabelValues(orNone(door)).Observe(d.Seconds())
}

// sinkCollector exports every sink's Stats at scrape time.
type sinkCollector struct {
	sinks func() []sink.Sink
}

var (
	descQueue     = prometheus.NewDesc(MetricSinkQueueDepth, "Audit records waiting in memory for a sink.", []string{"sink"}, nil)
	descWritten   = prometheus.NewDesc(MetricSinkWritten, "Audit records a sink's destination accepted.", []string{"sink"}, nil)
	descRetries   = prometheus.NewDesc(MetricSinkRetries, "Write attempts a sink repeated after a failure.", []string{"sink"}, nil)
	descDropped   = prometheus.NewDesc(MetricSinkDropped, "Audit records a sink lost (queue overflow, full spool or disk). Zero in normal operation.", []string{"sink"}, nil)
	descRejected  = prometheus.NewDesc(MetricSinkRejected, "Audit records a sink's destination refused for good (e.g. a mapping error).", []string{"sink"}, nil)
	descSpoolB    = prometheus.NewDesc(MetricSinkSpoolBytes, "Bytes of audit records waiting in a sink's on-disk spool.", []string{"sink"}, nil)
	descSpoolR    = prometheus.NewDesc(MetricSinkSpoolRecs, "Audit records waiting in a sink's on-disk spool.", []string{"sink"}, nil)
	descLastError = prometheus.NewDesc(MetricSinkLastError, "Unix time of a sink's last write error (0 if none).", []string{"sink"}, nil)
	descReady     = prometheus.NewDesc(MetricSinkReady, "1 when a sink can take records, 0 otherwise.", []string{"sink"}, nil)
)

func (c *sinkCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descQueue, descWritten, descRetries, descDropped, descRejected, descSpoolB, descSpoolR, descLastError, descReady} {
		ch <- d
	}
}

func (c *sinkCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.sinks() {
		st := s.Stats()
		name := s.Name()
		ch <- prometheus.MustNewConstMetric(descQueue, prometheus.GaugeValue, float64(st.QueueDepth), name)
		ch <- prometheus.MustNewConstMetric(descWritten, prometheus.CounterValue, float64(st.Written), name)
		ch <- prometheus.MustNewConstMetric(descRetries, prometheus.CounterValue, float64(st.Retries), name)
		ch <- prometheus.MustNewConstMetric(descDropped, prometheus.CounterValue, float64(st.Dropped), name)
		ch <- prometheus.MustNewConstMetric(descRejected, prometheus.CounterValue, float64(st.Rejected), name)
		ch <- prometheus.MustNewConstMetric(descSpoolB, prometheus.GaugeValue, float64(st.SpooledBytes), name)
		ch <- prometheus.MustNewConstMetric(descSpoolR, prometheus.GaugeValue, float64(st.SpooledRecords), name)
		last := 0.0
		if !st.LastError.IsZero() {
			last = float64(st.LastError.UnixNano()) / 1e9
		}
		ch <- prometheus.MustNewConstMetric(descLastError, prometheus.GaugeValue, last, name)
		ready := 1.0
		if s.Ready() != nil {
			ready = 0
		}
		ch <- prometheus.MustNewConstMetric(descReady, prometheus.GaugeValue, ready, name)
	}
}
