package telemetry

import "testing"

// TestNamesPinned pins every span, event, attribute and metric name:
// dashboards, alerts and saved searches depend on them, so a change must
// be deliberate (edit this table and say so in the changelog).
func TestNamesPinned(t *testing.T) {
	pinned := map[string]string{
		SpanEvaluate:                "sluice.evaluate",
		EventFinding:                "sluice.finding",
		AttrGenAIProviderName:       "gen_ai.provider.name",
		AttrGenAIRequestModel:       "gen_ai.request.model",
		AttrGenAIOperationName:      "gen_ai.operation.name",
		AttrGenAIConversationID:     "gen_ai.conversation.id",
		AttrGenAIUsageInputTokens:   "gen_ai.usage.input_tokens",
		AttrGenAIUsageOutputTokens:  "gen_ai.usage.output_tokens",
		AttrSluiceDecision:          "sluice.decision",
		AttrSluiceWouldBe:           "sluice.would_be_decision",
		AttrSluiceReason:            "sluice.reason",
		AttrSluiceMode:              "sluice.mode",
		AttrSluiceRule:              "sluice.rule",
		AttrSluiceRules:             "sluice.rules",
		AttrSluiceCategories:        "sluice.categories",
		AttrSluiceFindingCount:      "sluice.finding_count",
		AttrSluiceDecisionID:        "sluice.decision_id",
		AttrSluiceRequestID:         "sluice.request_id",
		AttrSluiceDoor:              "sluice.door",
		AttrSluicePhase:             "sluice.phase",
		AttrSluiceAPI:               "sluice.api",
		AttrSluiceAgent:             "sluice.agent.name",
		AttrSluicePolicyName:        "sluice.policy.name",
		AttrSluicePolicyHash:        "sluice.policy.hash",
		AttrSluiceOutcome:           "sluice.outcome",
		AttrSluiceFindingCategory:   "sluice.finding.category",
		AttrSluiceFindingDetector:   "sluice.finding.detector",
		AttrSluiceFindingSeverity:   "sluice.finding.severity",
		AttrSluiceFindingLocation:   "sluice.finding.location",
		AttrSluiceFindingConfidence: "sluice.finding.confidence",
		AttrSluiceFindingExcepted:   "sluice.finding.excepted",
		MetricDecisions:             "sluice_decisions_total",
		MetricCategories:            "sluice_decision_categories_total",
		MetricFindings:              "sluice_findings_total",
		MetricRuleMatches:           "sluice_rule_matches_total",
		MetricDuration:              "sluice_evaluation_duration_seconds",
		MetricFailures:              "sluice_evaluation_failures_total",
		MetricAuditRecords:          "sluice_audit_records_total",
		MetricSinkQueueDepth:        "sluice_audit_sink_queue_depth",
		MetricSinkWritten:           "sluice_audit_sink_written_total",
		MetricSinkRetries:           "sluice_audit_sink_retries_total",
		MetricSinkDropped:           "sluice_audit_sink_dropped_total",
		MetricSinkRejected:          "sluice_audit_sink_rejected_total",
		MetricSinkSpoolBytes:        "sluice_audit_sink_spooled_bytes",
		MetricSinkSpoolRecs:         "sluice_audit_sink_spooled_records",
		MetricSinkLastError:         "sluice_audit_sink_last_error_timestamp_seconds",
		MetricSinkReady:             "sluice_audit_sink_ready",
		ReasonBodyNotJSON:           "body_not_json",
		ReasonEvaluationTimeout:     "evaluation_timeout",
		ReasonEvaluationCancel:      "evaluation_cancelled",
		ReasonInternalError:         "internal_error",
		ReasonEvaluationFailed:      "evaluation_failed",
	}
	for got, want := range pinned {
		if got != want {
			t.Errorf("name changed: %q, pinned as %q", got, want)
		}
	}
}
