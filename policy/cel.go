package policy

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
)

// Condition is a compiled CEL `when` expression. Conditions see these
// variables (all maps and lists of strings unless noted):
//
//	request    {api, path, model, stream (bool), phase, door, provider, operation, id}
//	principal  {id, name, groups (list), source}
//	agent      {name, version, user_agent}
//	session    {id}
//	tools      {defined (list), called (list)}
//	attributes map of door-provided attributes (e.g. Aperture grants)
//	findings   list of {category, detector, severity, location, trust, role, kind, confidence (double)}:
//	           in a rule, the findings its match selected; in an exception, all findings
//	finding    in an exception, the one finding being considered
//
// Example: `request.model.startsWith("gpt-") && !("security-team" in principal.groups)`.
type Condition struct {
	Source string
	prg    cel.Program
}

// celCostLimit bounds the work one condition may do per evaluation, so a
// policy author cannot write a condition that stalls the request path.
const celCostLimit = 1_000_000

var (
	celEnvOnce sync.Once
	celEnv     *cel.Env
	celEnvErr  error
)

func conditionEnv() (*cel.Env, error) {
	celEnvOnce.Do(func() {
		str := cel.MapType(cel.StringType, cel.DynType)
		celEnv, celEnvErr = cel.NewEnv(
			cel.Variable("request", str),
			cel.Variable("principal", str),
			cel.Variable("agent", str),
			cel.Variable("session", str),
			cel.Variable("tools", str),
			cel.Variable("attributes", cel.MapType(cel.StringType, cel.StringType)),
			cel.Variable("findings", cel.ListType(str)),
			cel.Variable("finding", str),
		)
	})
	return celEnv, celEnvErr
}

func compileCondition(src string) (*Condition, error) {
	env, err := conditionEnv()
	if err != nil {
		return nil, fmt.Errorf("CEL environment: %w", err)
	}
	ast, iss := env.Compile(src)
	if iss != nil && iss.Err() != nil {
		return nil, fmt.Errorf("CEL: %s", oneLine(iss.Err().Error()))
	}
	if ast.OutputType() != cel.BoolType && ast.OutputType() != cel.DynType {
		return nil, fmt.Errorf("CEL: condition must be a bool, not %s", ast.OutputType())
	}
	prg, err := env.Program(ast, cel.CostLimit(celCostLimit), cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, fmt.Errorf("CEL: %w", err)
	}
	return &Condition{Source: src, prg: prg}, nil
}

// oneLine folds CEL's multi-line error (with a caret under the column) into
// one line for file:line: messages.
func oneLine(s string) string {
	s = strings.TrimPrefix(s, "ERROR: <input>:")
	lines := strings.Split(s, "\n")
	return strings.TrimSpace(lines[0])
}

var errNotBool = errors.New("condition did not evaluate to a bool")

// eval runs the condition over vars.
func (c *Condition) eval(vars map[string]any) (bool, error) {
	out, _, err := c.prg.Eval(vars)
	if err != nil {
		return false, err
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, errNotBool
	}
	return bool(b), nil
}
