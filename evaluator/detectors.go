package evaluator

import (
	"strings"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/detect/evasion"
	"github.com/sluicehq/sluice/evaluator/detect/exfil"
	"github.com/sluicehq/sluice/evaluator/detect/injection"
	"github.com/sluicehq/sluice/evaluator/detect/pii"
	"github.com/sluicehq/sluice/evaluator/detect/secrets"
	"github.com/sluicehq/sluice/evaluator/detect/toolrisk"
	"github.com/sluicehq/sluice/policy"
)

// BuildDetectors constructs the detector families a policy's detectors
// section enables, in a fixed order. Settings the families reject (an
// unknown PII entity, a bad tool-name pattern) are errors here, so `sluice
// policy check` catches them before a server starts.
func BuildDetectors(s *policy.DetectorSettings) ([]detect.Detector, error) {
	return buildDetectors(s, injection.DefaultVerdictCache)
}

// buildDetectors is BuildDetectors with the injection family's verdict
// cache sized (0: off).
func buildDetectors(s *policy.DetectorSettings, verdictCache int) ([]detect.Detector, error) {
	var out []detect.Detector
	if !s.Secrets.Disabled {
		cfg := secrets.Config{Disable: s.Secrets.DisableRules}
		for _, a := range s.Secrets.Allow {
			if re, ok := strings.CutPrefix(a, "re:"); ok {
				cfg.AllowPatterns = append(cfg.AllowPatterns, re)
			} else {
				cfg.AllowValues = append(cfg.AllowValues, a)
			}
		}
		d, err := secrets.New(cfg)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if !s.PII.Disabled {
		d, err := pii.New(pii.Config{Entities: s.PII.Entities, IPAddresses: s.PII.IPAddresses})
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if !s.Injection.Disabled {
		out = append(out, injection.New(injection.WithVerdictCache(verdictCache)))
	}
	if !s.ToolRisk.Disabled {
		tc := s.ToolRisk.ToolCategories
		d, err := toolrisk.New(toolrisk.Config{
			SafeTools: tc["safe"], SensitiveTools: tc["sensitive"], DangerousTools: tc["dangerous"],
		})
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if !s.Exfil.Disabled {
		d, err := exfil.New(exfil.Config{
			AllowHosts: s.Exfil.AllowedHosts, SinkHosts: s.Exfil.SinkHosts, SinkTools: s.Exfil.SinkTools,
		})
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if !s.Evasion.Disabled {
		out = append(out, evasion.New())
	}
	return out, nil
}
