package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps the failures it is told of, so that
// the tests can check what Check reports instead of failing with it.
type recorder struct {
	testing.TB
	name     string
	failures []string
}

func (r *recorder) Helper()      {}
func (r *recorder) Name() string { return r.name }

func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatal(args ...any) {
	r.failures = append(r.failures, fmt.Sprint(args...))
	runtime.Goexit()
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

// run calls f with a recorder named after a subtest of TestExample and
// returns what it reported. f runs on its own goroutine because Fatal ends
// the goroutine, as it does in a real test.
func run(f func(t testing.TB)) []string {
	r := &recorder{name: "TestExample/some_case"}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r.failures
}

// setUpdate runs the rest of the test as if go test had -update or not, so
// that the tests check the same whether or not they run with it.
func setUpdate(t *testing.T, on bool) {
	saved := *update
	*update = on
	t.Cleanup(func() { *update = saved })
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustContain(t *testing.T, failures []string, wants ...string) {
	t.Helper()
	if len(failures) != 1 {
		t.Fatalf("%d failures, want 1: %q", len(failures), failures)
	}
	for _, w := range wants {
		if !strings.Contains(failures[0], w) {
			t.Errorf("failure lacks %q:\n%s", w, failures[0])
		}
	}
}

func TestCheckEqual(t *testing.T) {
	setUpdate(t, false)
	path := filepath.Join(t.TempDir(), "x.golden")
	writeFile(t, path, "a\nb\n")
	if failures := run(func(tb testing.TB) { Check(tb, path, []byte("a\nb\n")) }); len(failures) != 0 {
		t.Fatalf("equal output failed: %q", failures)
	}
}

func TestCheckUpdateWrites(t *testing.T) {
	setUpdate(t, true)
	path := filepath.Join(t.TempDir(), "new", "dir", "x.golden")
	if failures := run(func(tb testing.TB) { Check(tb, path, []byte("fresh\n")) }); len(failures) != 0 {
		t.Fatalf("update failed: %q", failures)
	}
	if got := readFile(t, path); got != "fresh\n" {
		t.Fatalf("wrote %q", got)
	}
	if !Update() {
		t.Fatal("Update() is false under -update")
	}
}

func TestCheckMismatchNamesLine(t *testing.T) {
	setUpdate(t, false)
	path := filepath.Join(t.TempDir(), "x.golden")
	writeFile(t, path, "same\nold value\nsame\n")
	failures := run(func(tb testing.TB) { Check(tb, path, []byte("same\nnew value\nsame\n")) })
	mustContain(t, failures, path, "line 2, byte 1:", "got: new value", "want: old value",
		"go test ./internal/golden -run TestExample -update")
	if strings.Contains(failures[0], "line 1") || strings.Contains(failures[0], "line 3") {
		t.Errorf("failure shows equal lines:\n%s", failures[0])
	}
}

func TestCheckMissingFileSaysHowToCreate(t *testing.T) {
	setUpdate(t, false)
	path := filepath.Join(t.TempDir(), "absent.golden")
	failures := run(func(tb testing.TB) { Check(tb, path, []byte("x")) })
	mustContain(t, failures, "absent.golden", "create it with: go test ./internal/golden -run TestExample -update")
}

func TestDiff(t *testing.T) {
	if d := Diff([]byte("a\nb\n"), []byte("a\nb\n")); d != "" {
		t.Errorf("equal inputs give %q", d)
	}
	long := strings.Repeat("x", 300)
	short := strings.Repeat("x", maxShownLine/4) // the context kept before a difference
	for _, tc := range []struct {
		name, got, want string
		wants           []string
		unwanted        []string
	}{
		{"extra line", "a\nb\n", "a\n", []string{"line 3", "want: (past the end)", "got 3 lines, want 2"}, nil},
		{"white space is quoted", "a \n", "a\n", []string{`got: "a "`, `want: "a"`}, nil},
		{"long line is clipped at the difference", long + "NEW" + long, long + "OLD" + long,
			[]string{"line 1, byte 301:", "got: …" + short + "NEW", "want: …" + short + "OLD", "x…\n"}, []string{long}},
		{"few lines shown", strings.Repeat("g\n", 20), strings.Repeat("w\n", 20),
			[]string{"line 5,", "…and more lines differ"}, []string{"line 6,"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Diff([]byte(tc.got), []byte(tc.want))
			for _, w := range tc.wants {
				if !strings.Contains(d, w) {
					t.Errorf("diff lacks %q:\n%s", w, d)
				}
			}
			for _, u := range tc.unwanted {
				if strings.Contains(d, u) {
					t.Errorf("diff holds %q:\n%s", u, d)
				}
			}
		})
	}
}

type exampleCase struct {
	Input string `json:"input"`
	Count int    `json:"count"`
}

func TestCheckJSONCases(t *testing.T) {
	setUpdate(t, true)
	path := filepath.Join(t.TempDir(), "cases.golden.json")
	cases := []exampleCase{{"a", 1}, {"b", 2}, {"c", 3}}
	if failures := run(func(tb testing.TB) { CheckJSONCases(tb, path, cases) }); len(failures) != 0 {
		t.Fatalf("update failed: %q", failures)
	}
	want := "[\n  {\n    \"input\": \"a\",\n    \"count\": 1\n  },\n"
	if got := readFile(t, path); !strings.HasPrefix(got, want) || !strings.HasSuffix(got, "}\n]\n") {
		t.Fatalf("wrote %q, want indented JSON ending in a newline", got)
	}
	setUpdate(t, false)

	if failures := run(func(tb testing.TB) { CheckJSONCases(tb, path, cases) }); len(failures) != 0 {
		t.Fatalf("equal cases failed: %q", failures)
	}
	changed := []exampleCase{{"a", 1}, {"b", 5}, {"c", 3}, {"d", 4}}
	failures := run(func(tb testing.TB) { CheckJSONCases(tb, path, changed) })
	mustContain(t, failures, "case 1 differs", `got: {"input":"b","count":5}`, `want: {"input":"b","count":2}`,
		`case 3 is new: {"input":"d","count":4}`, "4 cases, want 3")
	if strings.Contains(failures[0], "case 0") || strings.Contains(failures[0], "case 2") {
		t.Errorf("failure shows equal cases:\n%s", failures[0])
	}

	failures = run(func(tb testing.TB) { CheckJSONCases(tb, path, cases[:2]) })
	mustContain(t, failures, `case 2 is missing: {"input":"c","count":3}`)
}

// A golden file whose cases decode equal but whose bytes differ still
// fails, and shows the lines.
func TestCheckJSONCasesLayout(t *testing.T) {
	setUpdate(t, false)
	path := filepath.Join(t.TempDir(), "cases.golden.json")
	writeFile(t, path, `[{"input":"a","count":1}]`)
	failures := run(func(tb testing.TB) { CheckJSONCases(tb, path, []exampleCase{{"a", 1}}) })
	mustContain(t, failures, "every case compares equal", "line 1, byte 2:")
}
