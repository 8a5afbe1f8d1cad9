package evaluator

import (
	"context"
	"strings"

	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/llmapi"
)

// Engine is what doors call. An *Evaluator is the bare core; the serving
// stack wraps it (telemetry.Pipeline) to add tracing, metrics, audit and
// hot reload behind the same two methods, so doors never know which they
// hold.
type Engine interface {
	// Evaluate evaluates one body (see Evaluator.Evaluate) and records
	// the decision.
	Evaluate(ctx context.Context, in Input) (*Decision, error)
	// Check evaluates without recording: the intermediate checks of a
	// streamed response, of which only the deciding one is recorded.
	Check(ctx context.Context, in Input) (*Decision, error)
	// DoorDecision builds the decision for traffic a door decided on
	// without evaluating it (see Evaluator.DoorDecision); the door then
	// Records it.
	DoorDecision(in Input, v Verdict, reason string, status int, message string) *Decision
	// Record accounts for a decision a door made without a full
	// evaluation: a body over the size limit, or a failure answered by the
	// operator's fail-open/fail-closed choice. Nothing that passes a door
	// goes unaudited.
	Record(ctx context.Context, d *Decision)
}

var _ Engine = (*Evaluator)(nil)

// Check is Evaluate: a bare Evaluator records nothing.
func (e *Evaluator) Check(ctx context.Context, in Input) (*Decision, error) {
	return e.Evaluate(ctx, in)
}

// Record does nothing on a bare Evaluator: it has no sinks. It exists so an
// *Evaluator is an Engine for the CLI and tests.
func (e *Evaluator) Record(context.Context, *Decision) {}

// DoorDecision builds the decision for traffic a door decided on without
// evaluating it: v is what the door does (Allow for fail-open, Block for
// fail-closed or an oversize body), reason a stable code such as
// "body_too_large" or "evaluation_failed", status the HTTP status of a
// block and message a text safe for the end user. The interaction holds
// what is known without parsing the body: API from the path, identity and
// agent from the input.
func (e *Evaluator) DoorDecision(in Input, v Verdict, reason string, status int, message string) *Decision {
	path := in.Path
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	api, model, stream := llmapi.Recognize(path)
	ix := &interaction.Interaction{
		API: api, Phase: in.Phase, Path: path, Model: model, Stream: stream || in.Stream,
	}
	if ix.Model == "" {
		ix.Model = in.Model
	}
	e.identify(ix, &in)
	now := e.now()
	d := &Decision{
		ID:          newID(),
		Time:        now,
		Door:        in.Door,
		SourceIP:    in.SourceIP,
		Verdict:     v,
		WouldBe:     v,
		Reason:      reason,
		Interaction: ix,
		PolicyName:  e.policy.Name,
		PolicyHash:  e.policy.Hash,
	}
	if v == Block {
		d.Status = status
		d.Message = message + " [sluice decision " + d.ID + "]"
	}
	return d
}
