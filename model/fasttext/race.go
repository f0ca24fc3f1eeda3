//go:build race

package fasttext

// Under the race detector, hogwild's deliberate unsynchronized updates
// would be reported; training then serializes its updates instead.
const raceEnabled = true
