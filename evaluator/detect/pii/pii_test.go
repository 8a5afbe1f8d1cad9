package pii

import (
	"strings"
	"testing"

	"github.com/sluicehq/sluice/evaluator/detect"
)

func TestExamples(t *testing.T) {
	d := allEntitiesDetector(t)
	for i := range entities {
		e := &entities[i]
		if len(examples[i]) == 0 {
			t.Errorf("%s has no examples", e.name)
		}
		pos, neg := 0, 0
		for _, ex := range examples[i] {
			if ex.Positive {
				pos++
			} else {
				neg++
			}
		}
		if pos < 2 || neg < 2 {
			t.Errorf("%s: want at least two positive and two negative examples, have %d and %d", e.name, pos, neg)
		}
		t.Run(e.name, func(t *testing.T) {
			for _, ex := range examples[i] {
				fs := d.Detect(textInput(ex.Text), nil)
				var got []detect.Finding
				for _, f := range fs {
					if f.Detector == e.detector {
						got = append(got, f)
					}
				}
				if ex.Positive && len(got) == 0 {
					t.Errorf("missed positive %q (findings: %v)", ex.Text, detectors(fs))
				}
				if !ex.Positive && len(got) > 0 {
					t.Errorf("fired on negative %q at %q", ex.Text, ex.Text[got[0].Start:got[0].End])
				}
			}
		})
	}
}

func detectors(fs []detect.Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Detector)
	}
	return strings.Join(out, ",")
}
