package httpapi

// Attribute names the Aperture door sets in evaluator.Input.Attributes,
// which policy conditions read as `attributes["name"]` (see
// docs/APERTURE.md). They are part of the policy contract: renaming one
// breaks policies, so they are pinned by a test.
const (
	// AttrEvent is the hook event: pre_request, entire_request or
	// tool_call_entire_request (as sent, or as inferred when the payload
	// names none).
	AttrEvent = "event"
	// AttrProvider is Aperture's provider id (metadata.provider).
	AttrProvider = "provider"
	// AttrTailnet is the tailnet name (metadata.tailnet_name).
	AttrTailnet = "tailnet"
	// AttrLoginName is the Tailscale login as sent (metadata.login_name),
	// "tagged-devices" for tagged nodes.
	AttrLoginName = "login_name"
	// AttrStableNodeID is the caller's node (metadata.stable_node_id).
	AttrStableNodeID = "stable_node_id"
	// AttrTaggedDevice is "true" when the caller is a tagged device, whose
	// principal is then its stable node id.
	AttrTaggedDevice = "tagged_device"
	// AttrHost is the host of metadata.url: the Aperture address the
	// client used.
	AttrHost = "host"
	// AttrGrants is metadata.grants as compact JSON (present when the hook's
	// send list has "grants"), for `attributes.grants.contains("...")`.
	AttrGrants = "grants"
	// AttrGrantCapabilities lists the capability names of metadata.grants,
	// sorted and comma-separated.
	AttrGrantCapabilities = "grant_capabilities"
	// AttrGrantPrefix starts one attribute per scalar field of each
	// capability: "grant.<capability>.<field>" holds the field's distinct
	// values, sorted and comma-separated (e.g.
	// grant.example.com/cap/ai.tier = "enterprise").
	AttrGrantPrefix = "grant."
	// AttrEstimatedCostUSD is metadata.estimated_cost.dollars (post-response).
	AttrEstimatedCostUSD = "estimated_cost_usd"
	// AttrCostBasis is metadata.estimated_cost.cost_basis (post-response).
	AttrCostBasis = "cost_basis"
	// AttrBodySource says what was evaluated: request_body, user_message,
	// response_body, raw_responses or tool_calls.
	AttrBodySource = "body_source"
)

// Values of AttrBodySource.
const (
	SourceRequestBody  = "request_body"
	SourceUserMessage  = "user_message"
	SourceResponseBody = "response_body"
	SourceRawResponses = "raw_responses"
	SourceToolCalls    = "tool_calls"
)

// Bounds on what metadata.grants may add to a decision: grants come from
// the tailnet policy, not from the client, but an audit record must stay
// small whatever an administrator writes.
const (
	maxGrantsJSON   = 8 << 10
	maxGrantAttrs   = 64
	maxGrantValue   = 512
	taggedDevices   = "tagged-devices"
	principalSource = "aperture"
)
