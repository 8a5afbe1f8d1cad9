// Package httpapi is sluice's HTTP door: the hook endpoint Tailscale
// Aperture calls, and a generic evaluate API for any other gateway or
// script.
//
// Aperture (Tailscale's AI gateway) hands every LLM request it proxies to
// external "hooks": it POSTs a JSON HookCallData (request metadata, the raw
// provider body, and after the response the response body, the raw stream
// events and the tool calls the model asked for) to one URL with one API
// key. Before the request it waits for an answer (allow, block, or modify
// with a whole new body); after the response it does not listen. A Server
// speaks that protocol on top of an evaluator.Engine:
//
//   - POST /v1/aperture/events: every event; the phase comes from the
//     payload's "event" field or, failing that, from its fields.
//   - POST /v1/aperture/pre_request and /v1/aperture/post_response: the same
//     with the phase fixed, for operators who configure one hook per phase.
//   - POST /v1/evaluate: {path, headers, body, phase} in, the evaluation's
//     output object (evaluator.Output) out.
//
// Pre-request hooks are evaluated on the request goroutine and always
// answered with HTTP 200 (a block is an answer, not an error status: a
// non-2xx reply is a hook failure to Aperture). Post-response hooks are
// answered 202 at once and evaluated by a bounded pool of workers; when its
// queue is full, jobs are spooled to disk (fsync'd, bounded) and replayed
// when capacity returns and on restart, so none is dropped.
//
// The Server knows nothing of listeners, TLS or process lifetime: the
// serve command mounts it next to /healthz and /metrics and calls Close on
// shutdown. See docs/APERTURE.md for the operator's side.
package httpapi
