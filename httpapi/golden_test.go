package httpapi

import (
	"path/filepath"
	"testing"

	goldenfile "github.com/sluicehq/sluice/internal/golden"
)

// golden compares got with testdata/golden/name, or rewrites it with
// -update. The import is renamed because this helper keeps the name the
// Aperture tests call it by.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", "golden", name), got)
}
