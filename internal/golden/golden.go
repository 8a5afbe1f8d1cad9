// Package golden compares what a test produces with a golden file kept in
// the package's testdata, and rewrites that file when the tests run with
// -update:
//
//	go test ./extproc -run TestStreamErrorGolden -update
//
// It registers the -update flag itself, so a test package that imports it
// must not define its own; it reads the flag through Update. Import it from
// tests only: a binary that imports it gains the flag.
package golden

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite golden files with the output of the tests instead of comparing with them")

// Update reports whether the tests run with -update, for tests that rewrite
// pinned data other than through Check.
func Update() bool { return *update }

// Check compares got with the golden file at path, relative to the test's
// package directory. With -update it writes got there instead, creating the
// directories it needs. A mismatch names the file, the command that accepts
// the change, and the first lines that differ.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	check(t, path, got, Diff)
}

// CheckJSONCases is Check for a table of cases, stored as their indented
// JSON array. A mismatch names the cases that differ by index, each on one
// line, since such tables are reviewed case by case.
func CheckJSONCases[T any](t testing.TB, path string, cases []T) {
	t.Helper()
	got, err := json.MarshalIndent(cases, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	check(t, path, got, func(got, want []byte) string { return caseDiff(cases, got, want) })
}

// check is Check with the description of a mismatch left to diff.
func check(t testing.TB, path string, got []byte, diff func(got, want []byte) string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v\ncreate it with: %s", err, acceptCommand(t))
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output; if the change is intended, accept it with\n\t%s\nand review the diff.\n%s",
			path, acceptCommand(t), diff(got, want))
	}
}

// acceptCommand is the go test command that rewrites the golden files of
// t's top-level test, so that a failure can be accepted by copying it.
func acceptCommand(t testing.TB) string {
	test, _, _ := strings.Cut(t.Name(), "/")
	return fmt.Sprintf("go test %s -run %s -update", packageDir(), test)
}

// packageDir is the test's package directory relative to the module root,
// as go test takes it; tests run in their package directory.
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for root := wd; ; {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			rel, err := filepath.Rel(root, wd)
			if err != nil || rel == "." {
				return "."
			}
			return "./" + filepath.ToSlash(rel)
		}
		parent := filepath.Dir(root)
		if parent == root {
			return "."
		}
		root = parent
	}
}

// maxDifferences bounds the lines or cases a mismatch shows: the first few
// locate a change, and a shifted line would make every later one differ.
const maxDifferences = 5

// Diff shows the first lines where got and want differ, with their numbers,
// rather than both whole; it is empty when they are equal. Check reports
// with it, and tests that compare two outputs with each other can too.
func Diff(got, want []byte) string {
	gotLines, wantLines := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	var b strings.Builder
	shown := 0
	for i := range max(len(gotLines), len(wantLines)) {
		g, gok := lineAt(gotLines, i)
		w, wok := lineAt(wantLines, i)
		if g == w && gok == wok {
			continue
		}
		if shown == maxDifferences {
			b.WriteString("…and more lines differ\n")
			break
		}
		shown++
		col := firstDifference(g, w)
		fmt.Fprintf(&b, "line %d, byte %d:\n\t got: %s\n\twant: %s\n", i+1, col+1, shownLine(g, gok, w, col), shownLine(w, wok, g, col))
	}
	if len(gotLines) != len(wantLines) {
		fmt.Fprintf(&b, "got %d lines, want %d\n", len(gotLines), len(wantLines))
	}
	return b.String()
}

func lineAt(lines []string, i int) (string, bool) {
	if i < len(lines) {
		return lines[i], true
	}
	return "", false
}

func firstDifference(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// maxShownLine bounds the bytes shown of a line: some golden files hold a
// whole JSON body on one line.
const maxShownLine = 120

// shownLine is line as a mismatch shows it: clipped to a window around col,
// and quoted when it differs from other only in white space, which plain
// text would hide.
func shownLine(line string, present bool, other string, col int) string {
	if !present {
		return "(past the end)"
	}
	if len(line) > maxShownLine {
		start := max(0, col-maxShownLine/4)
		end := min(len(line), start+maxShownLine)
		for start > 0 && !utf8.RuneStart(line[start]) {
			start--
		}
		for end < len(line) && !utf8.RuneStart(line[end]) {
			end++
		}
		clipped := line[start:end]
		if start > 0 {
			clipped = "…" + clipped
		}
		if end < len(line) {
			clipped += "…"
		}
		line = clipped
	}
	if strings.TrimSpace(line) == strings.TrimSpace(other) {
		return fmt.Sprintf("%q", line)
	}
	return line
}

// caseDiff shows the first cases that differ between got, the marshalled
// cases, and want, the golden file. Cases compare as compact JSON after
// decoding want into T, so the golden file's layout does not matter there;
// when every case compares equal the difference is in that layout or in
// fields T lacks, and the lines show it.
func caseDiff[T any](cases []T, got, want []byte) string {
	var wantCases []T
	if err := json.Unmarshal(want, &wantCases); err != nil {
		return fmt.Sprintf("the golden file is not a JSON array of cases (%v):\n%s", err, Diff(got, want))
	}
	var b strings.Builder
	differing := 0
	for i := range max(len(cases), len(wantCases)) {
		g, w := compactAt(cases, i), compactAt(wantCases, i)
		if bytes.Equal(g, w) {
			continue
		}
		differing++
		if differing > maxDifferences {
			continue
		}
		switch {
		case w == nil:
			fmt.Fprintf(&b, "case %d is new: %s\n", i, g)
		case g == nil:
			fmt.Fprintf(&b, "case %d is missing: %s\n", i, w)
		default:
			fmt.Fprintf(&b, "case %d differs:\n\t got: %s\n\twant: %s\n", i, g, w)
		}
	}
	if differing == 0 {
		return "every case compares equal, so the file's layout or a field the cases lack differs:\n" + Diff(got, want)
	}
	if differing > maxDifferences {
		fmt.Fprintf(&b, "…and %d more cases differ\n", differing-maxDifferences)
	}
	fmt.Fprintf(&b, "%d cases, want %d\n", len(cases), len(wantCases))
	return b.String()
}

// compactAt is cases[i] as compact JSON, or nil past the end.
func compactAt[T any](cases []T, i int) []byte {
	if i >= len(cases) {
		return nil
	}
	b, err := json.Marshal(cases[i])
	if err != nil {
		// The whole table marshalled, so its cases do.
		panic(err)
	}
	return b
}
