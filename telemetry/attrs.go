package telemetry

// Span and event names and attribute keys, in one place so that dashboards
// and alerts built on them do not break silently: attrs_test.go pins every
// value. The gen_ai.* keys follow the OpenTelemetry GenAI semantic
// conventions; sluice.* keys are sluice's own and match the audit record's
// field names where both exist.
const (
	// SpanEvaluate is the name of the span of one evaluation.
	SpanEvaluate = "sluice.evaluate"
	// EventFinding is the span event added for each finding.
	EventFinding = "sluice.finding"

	AttrGenAIProviderName       = "gen_ai.provider.name"
	AttrGenAIRequestModel       = "gen_ai.request.model"
	AttrGenAIOperationName      = "gen_ai.operation.name"
	AttrGenAIConversationID     = "gen_ai.conversation.id"
	AttrGenAIUsageInputTokens   = "gen_ai.usage.input_tokens"
	AttrGenAIUsageOutputTokens  = "gen_ai.usage.output_tokens"
	AttrSluiceDecision          = "sluice.decision"
	AttrSluiceWouldBe           = "sluice.would_be_decision"
	AttrSluiceReason            = "sluice.reason"
	AttrSluiceMode              = "sluice.mode"
	AttrSluiceRule              = "sluice.rule"
	AttrSluiceRules             = "sluice.rules"
	AttrSluiceCategories        = "sluice.categories"
	AttrSluiceFindingCount      = "sluice.finding_count"
	AttrSluiceDecisionID        = "sluice.decision_id"
	AttrSluiceRequestID         = "sluice.request_id"
	AttrSluiceDoor              = "sluice.door"
	AttrSluicePhase             = "sluice.phase"
	AttrSluiceAPI               = "sluice.api"
	AttrSluiceAgent             = "sluice.agent.name"
	AttrSluicePolicyName        = "sluice.policy.name"
	AttrSluicePolicyHash        = "sluice.policy.hash"
	AttrSluiceOutcome           = "sluice.outcome"
	AttrSluiceFindingCategory   = "sluice.finding.category"
	AttrSluiceFindingDetector   = "sluice.finding.detector"
	AttrSluiceFindingSeverity   = "sluice.finding.severity"
	AttrSluiceFindingLocation   = "sluice.finding.location"
	AttrSluiceFindingConfidence = "sluice.finding.confidence"
	AttrSluiceFindingExcepted   = "sluice.finding.excepted"
)

// maxFindingEvents bounds the finding events of one span; the count of
// all findings is in AttrSluiceFindingCount.
const maxFindingEvents = 64
