package httpapi

import (
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/internal/golden"
)

// checkGolden compares got with testdata/golden/name, or rewrites it with
// -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", "golden", name), got)
}
