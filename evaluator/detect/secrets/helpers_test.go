package secrets

import (
	"testing"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/normalize"
)

// inputOf wraps texts as one segment each of an interaction.
func inputOf(texts ...string) *detect.Input {
	ix := &interaction.Interaction{API: "unknown"}
	for i, t := range texts {
		ix.AddSegment(interaction.Segment{Text: t, Location: "messages[" + string(rune('0'+i%10)) + "].content", RawStart: -1, RawEnd: -1})
	}
	in := &detect.Input{IX: ix, Norm: make([]normalize.Result, len(texts))}
	for i, t := range texts {
		in.Norm[i] = normalize.Text(t)
	}
	return in
}

func mustNew(t testing.TB, cfg Config) *Detector {
	t.Helper()
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func detectText(d *Detector, text string) []detect.Finding {
	return d.Detect(inputOf(text), nil)
}
