package policy

import (
	"fmt"
	"slices"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
)

// Match is a rule that matched an interaction.
type Match struct {
	Rule   *Rule
	Mode   Mode
	Action Action
	// Enforced reports whether the match changes traffic: the rule is in
	// enforce mode. Monitor matches are reported as "would <action>".
	Enforced bool
	// Categories are the distinct categories of the findings that matched,
	// in first-seen order.
	Categories []detect.Category
	// Findings are indexes into the findings slice given to Apply.
	Findings []int
}

// Apply marks findings suppressed by exceptions (setting Excepted) and
// returns the rules that match, in policy order. Conditions that fail to
// evaluate count as not matching; their errors are returned so the caller
// can record them, and never stop evaluation of the other rules.
func (p *Policy) Apply(ix *interaction.Interaction, door string, findings []detect.Finding) ([]Match, []error) {
	var vars map[string]any
	var errs []error
	lazyVars := func() map[string]any {
		if vars == nil {
			vars = baseVars(ix, door)
		}
		return vars
	}
	p.applyExceptions(ix, door, findings, lazyVars, &errs)

	var matches []Match
	var selected []int
	for _, r := range p.Rules {
		if !r.Scope.applies(ix, door) {
			continue
		}
		selected = selected[:0]
		if !r.Match.Empty {
			for i := range findings {
				f := &findings[i]
				if f.Excepted != "" {
					continue
				}
				tr, ok := findingTrust(ix, f)
				if r.Match.matches(f, tr, ok) {
					selected = append(selected, i)
				}
			}
			if len(selected) == 0 {
				continue
			}
		}
		if r.When != nil {
			v := lazyVars()
			v["findings"] = findingList(ix, findings, selected)
			ok, err := r.When.eval(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("rule %q: condition: %w", r.ID, err))
				continue
			}
			if !ok {
				continue
			}
		}
		m := Match{
			Rule:     r,
			Mode:     r.Mode,
			Action:   r.Action,
			Enforced: r.Mode == ModeEnforce,
			Findings: slices.Clone(selected),
		}
		for _, i := range selected {
			if c := findings[i].Category; !slices.Contains(m.Categories, c) {
				m.Categories = append(m.Categories, c)
			}
		}
		matches = append(matches, m)
	}
	return matches, errs
}

func (p *Policy) applyExceptions(ix *interaction.Interaction, door string, findings []detect.Finding,
	lazyVars func() map[string]any, errs *[]error) {
	for _, e := range p.Exceptions {
		if !e.Scope.applies(ix, door) {
			continue
		}
		var all []any
		for i := range findings {
			f := &findings[i]
			if f.Excepted != "" {
				continue
			}
			tr, ok := findingTrust(ix, f)
			if !e.Match.Empty && !e.Match.matches(f, tr, ok) {
				continue
			}
			if e.When != nil {
				v := lazyVars()
				if all == nil {
					all = findingList(ix, findings, nil)
				}
				v["findings"] = all
				v["finding"] = findingMap(ix, f)
				ok, err := e.When.eval(v)
				delete(v, "finding")
				if err != nil {
					*errs = append(*errs, fmt.Errorf("exception %q: condition: %w", e.ID, err))
					continue
				}
				if !ok {
					continue
				}
			}
			f.Excepted = e.ID
		}
	}
}

func findingTrust(ix *interaction.Interaction, f *detect.Finding) (interaction.Trust, bool) {
	if f.Segment < 0 || f.Segment >= len(ix.Segments) {
		return 0, false
	}
	return ix.Segments[f.Segment].Trust, true
}

// baseVars builds the CEL variables that do not depend on the rule.
func baseVars(ix *interaction.Interaction, door string) map[string]any {
	groups := ix.Principal.Groups
	if groups == nil {
		groups = []string{}
	}
	attrs := ix.Attributes
	if attrs == nil {
		attrs = map[string]string{}
	}
	return map[string]any{
		"request": map[string]any{
			"api": ix.API, "path": ix.Path, "model": ix.Model, "stream": ix.Stream,
			"phase": ix.Phase.String(), "door": door, "provider": ix.Provider,
			"operation": ix.Operation(), "id": ix.RequestID,
		},
		"principal": map[string]any{
			"id": ix.Principal.ID, "name": ix.Principal.Name, "groups": groups, "source": ix.Principal.Source,
		},
		"agent":      map[string]any{"name": ix.Agent.Name, "version": ix.Agent.Version, "user_agent": ix.Agent.UserAgent},
		"session":    map[string]any{"id": ix.SessionID},
		"tools":      map[string]any{"defined": orEmpty(ix.ToolNamesDefined()), "called": orEmpty(ix.ToolNamesCalled())},
		"attributes": attrs,
		"findings":   []any{},
		"finding":    map[string]any{},
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// findingList returns the findings at idx (all non-excepted ones when idx is nil) as CEL maps.
func findingList(ix *interaction.Interaction, findings []detect.Finding, idx []int) []any {
	if idx == nil {
		out := make([]any, 0, len(findings))
		for i := range findings {
			if findings[i].Excepted == "" {
				out = append(out, findingMap(ix, &findings[i]))
			}
		}
		return out
	}
	out := make([]any, len(idx))
	for j, i := range idx {
		out[j] = findingMap(ix, &findings[i])
	}
	return out
}

func findingMap(ix *interaction.Interaction, f *detect.Finding) map[string]any {
	m := map[string]any{
		"category": string(f.Category), "detector": f.Detector, "severity": f.Severity.String(),
		"location": f.Location, "confidence": f.Confidence, "trust": "", "role": "", "kind": "",
	}
	if f.Segment >= 0 && f.Segment < len(ix.Segments) {
		s := &ix.Segments[f.Segment]
		m["trust"], m["role"], m["kind"] = s.Trust.String(), string(s.Role), string(s.Kind)
	}
	return m
}
