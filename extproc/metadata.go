package extproc

import (
	"slices"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/detect"
)

// metadataNamespace is the dynamic metadata namespace sluice writes under;
// Envoy accepts it when the filter lists it in
// metadata_options.receiving_namespaces, and access logs read it as
// %DYNAMIC_METADATA(sluice:decision)%.
const metadataNamespace = "sluice"

// Metadata keys. Response-phase keys carry the "response_" prefix: Envoy
// merges the two phases' metadata into one namespace, and the access log
// wants both.
const (
	mdDecision   = "decision"
	mdDecisionID = "decision_id"
	mdReason     = "reason"
	mdRule       = "rule"
	mdRules      = "rules"
	mdCategories = "categories"
	mdMode       = "mode"
	mdWouldBe    = "would_be"
	mdAPI        = "api"
)

// decisionMetadata describes a decision for access logs: what was done,
// under which rule, which rules and categories matched, whether any match
// was enforced, and what full enforcement would have done. Lists are
// comma-separated strings so a log format can print them as they are.
func decisionMetadata(p phase, d *evaluator.Decision) *structpb.Struct {
	if d == nil {
		return nil
	}
	prefix := ""
	if p == phaseResponse {
		prefix = "response_"
	}
	f := map[string]*structpb.Value{
		prefix + mdDecision:   structpb.NewStringValue(string(d.Verdict)),
		prefix + mdDecisionID: structpb.NewStringValue(d.ID),
		prefix + mdReason:     structpb.NewStringValue(d.Reason),
		prefix + mdWouldBe:    structpb.NewStringValue(string(d.WouldBe)),
	}
	if d.Rule != "" {
		f[prefix+mdRule] = structpb.NewStringValue(d.Rule)
	}
	var rules []string
	mode := ""
	for _, m := range d.Matches {
		if m.Rule != nil && !slices.Contains(rules, m.Rule.ID) {
			rules = append(rules, m.Rule.ID)
		}
		if m.Enforced {
			mode = "enforce"
		} else if mode == "" {
			mode = "monitor"
		}
	}
	if len(rules) > 0 {
		f[prefix+mdRules] = structpb.NewStringValue(strings.Join(rules, ","))
	}
	if mode != "" {
		f[prefix+mdMode] = structpb.NewStringValue(mode)
	}
	var cats []string
	for i := range d.Findings {
		fi := &d.Findings[i]
		if fi.Excepted == "" && !slices.Contains(cats, string(fi.Category)) {
			cats = append(cats, string(fi.Category))
		}
	}
	if len(cats) > 0 {
		slices.SortFunc(cats, func(a, b string) int {
			return slices.Index(detect.Categories, detect.Category(a)) - slices.Index(detect.Categories, detect.Category(b))
		})
		f[prefix+mdCategories] = structpb.NewStringValue(strings.Join(cats, ","))
	}
	if d.Interaction != nil && d.Interaction.API != "" {
		f[prefix+mdAPI] = structpb.NewStringValue(d.Interaction.API)
	}
	return &structpb.Struct{Fields: f}
}
