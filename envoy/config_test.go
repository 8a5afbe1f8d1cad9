package envoy

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
)

// shipped lists the configurations users copy, plus the one the
// docker-compose test environment runs.
func shipped(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	names, err := fs.Glob(Configs, "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		b, err := fs.ReadFile(Configs, n)
		if err != nil {
			t.Fatal(err)
		}
		out[n] = b
	}
	extra, _ := filepath.Glob("../testenv/envoy/*.yaml")
	for _, n := range extra {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out[n] = b
	}
	for _, want := range []string{"openai.yaml", "providers.yaml", "ext-authz.yaml"} {
		if out[want] == nil {
			t.Errorf("%s is missing", want)
		}
	}
	return out
}

func TestShippedConfigsValidate(t *testing.T) {
	for name, data := range shipped(t) {
		t.Run(strings.TrimSuffix(filepath.Base(name), ".yaml"), func(t *testing.T) {
			for _, err := range checkBootstrap(data) {
				t.Error(err)
			}
		})
	}
}

func TestControlConfigValidates(t *testing.T) {
	data, err := os.ReadFile("testdata/valid-minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range checkBootstrap(data) {
		t.Error(err)
	}
}

// TestBrokenConfigsAreRejected proves the checks bite: each file is the
// control configuration with one defect Envoy refuses.
func TestBrokenConfigsAreRejected(t *testing.T) {
	cases := map[string]string{
		"broken-full-duplex-without-trailers.yaml": "requires request_trailer_mode SEND",
		"broken-full-duplex-fail-open.yaml":        "require failure_mode_allow false",
		"broken-unknown-cluster.yaml":              `unknown cluster "sluice-typo"`,
		"broken-unknown-field.yaml":                `unknown field "procesing_mode"`,
		"broken-router-not-last.yaml":              "router filter must be the last",
		"broken-port-out-of-range.yaml":            "PortValue: value must be less than or equal to 65535",
		"broken-ext-proc-bad-timeout.yaml":         "ExternalProcessor.MessageTimeout",
	}
	files, _ := filepath.Glob("testdata/broken-*.yaml")
	if len(files) != len(cases) {
		t.Errorf("%d broken configs in testdata, %d expected: keep the table in step", len(files), len(cases))
	}
	for file, want := range cases {
		t.Run(strings.TrimSuffix(file, ".yaml"), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", file))
			if err != nil {
				t.Fatal(err)
			}
			errs := checkBootstrap(data)
			if len(errs) == 0 {
				t.Fatalf("accepted; want an error containing %q", want)
			}
			for _, err := range errs {
				if strings.Contains(err.Error(), want) {
					return
				}
			}
			t.Errorf("errors %v; want one containing %q", errs, want)
		})
	}
}

// TestProvidersConfigShowsWhatItPromises pins the features providers.yaml
// exists to demonstrate, so an edit cannot quietly drop one.
func TestProvidersConfigShowsWhatItPromises(t *testing.T) {
	data, err := fs.ReadFile(Configs, "providers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := loadBootstrap(data)
	if err != nil {
		t.Fatal(err)
	}
	hcm := &hcmv3.HttpConnectionManager{}
	if err := b.GetStaticResources().GetListeners()[0].GetFilterChains()[0].GetFilters()[0].GetTypedConfig().UnmarshalTo(hcm); err != nil {
		t.Fatal(err)
	}
	var base *extprocv3.ExternalProcessor
	for _, f := range hcm.GetHttpFilters() {
		ep := &extprocv3.ExternalProcessor{}
		if f.GetTypedConfig().MessageIs(ep) {
			if err := f.GetTypedConfig().UnmarshalTo(ep); err != nil {
				t.Fatal(err)
			}
			base = ep
		}
	}
	if base == nil {
		t.Fatal("no ext_proc filter")
	}
	if base.GetFailureModeAllow() {
		t.Error("the filter should fail closed; routes show the fail-open override")
	}
	if !base.GetAllowModeOverride() {
		t.Error("allow_mode_override must be on: sluice streams OpenAI/Anthropic responses with mode_override")
	}
	var failOpen, streamed bool
	clusters := map[string]bool{}
	for _, r := range hcm.GetRouteConfig().GetVirtualHosts()[0].GetRoutes() {
		if c := r.GetRoute().GetCluster(); c != "" {
			clusters[c] = true
		}
		a, ok := r.GetTypedPerFilterConfig()["envoy.filters.http.ext_proc"]
		if !ok {
			continue
		}
		pr := &extprocv3.ExtProcPerRoute{}
		if err := a.UnmarshalTo(pr); err != nil {
			t.Fatal(err)
		}
		if pr.GetOverrides().GetFailureModeAllow().GetValue() {
			failOpen = true
		}
		if pr.GetOverrides().GetProcessingMode().GetResponseBodyMode() == extprocv3.ProcessingMode_STREAMED {
			streamed = true
		}
	}
	if !failOpen {
		t.Error("no route shows failure_mode_allow: true")
	}
	if !streamed {
		t.Error("no route streams responses through a per-route override")
	}
	for _, c := range []string{"openai", "anthropic", "gemini"} {
		if !clusters[c] {
			t.Errorf("no route to %s", c)
		}
	}
}
