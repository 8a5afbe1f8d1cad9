//go:build race

package secrets

// raceEnabled is set under the race detector, whose sync.Pool drops items
// at random and so makes allocation counts meaningless.
const raceEnabled = true
