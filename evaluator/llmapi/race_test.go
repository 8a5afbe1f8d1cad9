//go:build race

package llmapi

// raceEnabled lets the heaviest exhaustive tests take a stride under the
// race detector, which slows them tenfold.
const raceEnabled = true
