package httpapi

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAttributeNames pins the attribute names: policies use them, so a
// rename must be deliberate (change this list, docs/APERTURE.md and the
// release notes together).
func TestAttributeNames(t *testing.T) {
	pinned := map[string]string{
		"AttrEvent": AttrEvent, "AttrProvider": AttrProvider, "AttrTailnet": AttrTailnet,
		"AttrLoginName": AttrLoginName, "AttrStableNodeID": AttrStableNodeID, "AttrTaggedDevice": AttrTaggedDevice,
		"AttrHost": AttrHost, "AttrGrants": AttrGrants, "AttrGrantCapabilities": AttrGrantCapabilities,
		"AttrGrantPrefix": AttrGrantPrefix, "AttrEstimatedCostUSD": AttrEstimatedCostUSD,
		"AttrCostBasis": AttrCostBasis, "AttrBodySource": AttrBodySource,
	}
	want := map[string]string{
		"AttrEvent": "event", "AttrProvider": "provider", "AttrTailnet": "tailnet",
		"AttrLoginName": "login_name", "AttrStableNodeID": "stable_node_id", "AttrTaggedDevice": "tagged_device",
		"AttrHost": "host", "AttrGrants": "grants", "AttrGrantCapabilities": "grant_capabilities",
		"AttrGrantPrefix": "grant.", "AttrEstimatedCostUSD": "estimated_cost_usd",
		"AttrCostBasis": "cost_basis", "AttrBodySource": "body_source",
	}
	doc, err := os.ReadFile(filepath.Join("..", "docs", "APERTURE.md"))
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range pinned {
		if v != want[name] {
			t.Errorf("%s = %q, pinned as %q", name, v, want[name])
		}
		if !strings.Contains(string(doc), "`"+v) {
			t.Errorf("%s (%q) is not documented in docs/APERTURE.md", name, v)
		}
	}
	for _, src := range []string{SourceRequestBody, SourceUserMessage, SourceResponseBody, SourceRawResponses, SourceToolCalls} {
		if !strings.Contains(string(doc), "`"+src+"`") {
			t.Errorf("body source %q is not documented", src)
		}
	}
	for _, code := range []string{CodeUnauthorized, CodeRequestParse, CodeBodyTooLarge, CodeUnsupportedEncoding,
		CodeBodyNotJSON, CodeEvaluationFailed, CodeEvaluationCancelled, CodeMethodNotAllowed, CodeNotFound,
		CodeQueueFull, CodeShuttingDown, CodeNoContent} {
		if !strings.Contains(string(doc), "`"+code+"`") {
			t.Errorf("error code %q is not documented", code)
		}
	}
}
