package fasttext

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// synthCorpus writes a labeled corpus in fastText's input format: n lines
// over nlab labels, a shared vocabulary plus words typical of each label,
// unicode words, punctuation and uneven whitespace.
func synthCorpus(n, nlab int, seed uint64) (texts, labels []string) {
	r := rand.New(rand.NewPCG(seed, 7))
	shared := []string{"the", "a", "of", "and", "to", "in", "is", "that", "for", "on", "with", "as", "was", "it", ",", ".", "!", "?", "café", "naïve", "straße", "日本語", "über", "ça", "😀", "l'état", "\"quoted\"", "—"}
	perLabel := make([][]string, nlab)
	for l := range perLabel {
		for w := range 25 {
			perLabel[l] = append(perLabel[l], fmt.Sprintf("w%d_%d", l, w))
		}
		perLabel[l] = append(perLabel[l], fmt.Sprintf("ünï%dçødé", l), fmt.Sprintf("標籤%d", l))
	}
	// some words shared by neighbouring labels, so the problem is not trivial
	for i := range n {
		l := r.IntN(nlab)
		if nlab > 3 && r.IntN(4) == 0 {
			l = r.IntN(3) // skewed label counts (matters for hierarchical softmax)
		}
		ln := 3 + r.IntN(25)
		var b strings.Builder
		for t := range ln {
			if t > 0 {
				switch r.IntN(12) {
				case 0:
					b.WriteString("  ")
				case 1:
					b.WriteString("\t")
				default:
					b.WriteByte(' ')
				}
			}
			switch x := r.IntN(10); {
			case x < 4:
				b.WriteString(shared[r.IntN(len(shared))])
			case x < 8:
				b.WriteString(perLabel[l][r.IntN(len(perLabel[l]))])
			case x < 9:
				b.WriteString(perLabel[(l+1)%nlab][r.IntN(len(perLabel[l]))])
			default:
				b.WriteString(fmt.Sprintf("rare%d", r.IntN(3000)))
			}
		}
		_ = i
		texts = append(texts, b.String())
		labels = append(labels, fmt.Sprintf("lab%d", l))
	}
	return texts, labels
}

func writeFT(t testing.TB, path string, texts, labels []string) {
	t.Helper()
	var b strings.Builder
	for i := range texts {
		b.WriteString(LabelPrefix + labels[i] + " " + texts[i] + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fasttextBin returns the fastText binary, or skips the test.
func fasttextBin(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/fasttext", "/usr/local/bin/fasttext"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("fasttext"); err == nil {
		return p
	}
	t.Skip("fastText binary not found (apt-get install fasttext): parity with fastText not checked")
	return ""
}

func runFT(t testing.TB, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("fasttext %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	return string(out)
}

func tempFile(t testing.TB, name string) string {
	return filepath.Join(t.TempDir(), name)
}

func fixChecksum(b []byte) []byte {
	b = append([]byte(nil), b...)
	sum := crc32.ChecksumIEEE(b[:len(b)-4])
	binary.LittleEndian.PutUint32(b[len(b)-4:], sum)
	return b
}
