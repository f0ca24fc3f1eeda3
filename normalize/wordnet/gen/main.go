// Command gen writes nouns.txt.gz, the part of WordNet 3.0 that noun
// lemmatization needs: every noun lemma of index.noun and every line of
// noun.exc, read from Debian's wordnet-base package (/usr/share/wordnet).
//
// Lemmas and exception forms that contain a character other than
// [a-z0-9_] are left out: tokens are runs of word characters, and neither a
// token nor anything the detachment rules make of it can contain '-', '.',
// '\” or '/', so such entries can never match. The generator checks that no
// kept exception form maps to a dropped lemma, which would break that claim.
//
//	go generate ./normalize/wordnet
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/credence-news/credence/internal/atomicfile"
)

func main() {
	dir := flag.String("wordnet", "/usr/share/wordnet", "WordNet 3.0 database directory")
	out := flag.String("o", "nouns.txt.gz", "output file")
	flag.Parse()
	data, err := Build(*dir)
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := atomicfile.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}

func wordOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return s != ""
}

// Build returns the uncompressed table: sorted lemmas one per line, a line
// "%%", then the exception lines in file order.
func Build(dir string) ([]byte, error) {
	var lemmas []string
	all := map[string]bool{}
	err := eachLine(filepath.Join(dir, "index.noun"), func(line string) error {
		if strings.HasPrefix(line, " ") {
			return nil // licence header
		}
		f := strings.Fields(line)
		if len(f) < 2 || f[1] != "n" {
			return fmt.Errorf("unexpected index.noun line %q", line)
		}
		all[f[0]] = true
		if wordOnly(f[0]) {
			lemmas = append(lemmas, f[0])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var exc []string
	err = eachLine(filepath.Join(dir, "noun.exc"), func(line string) error {
		f := strings.Fields(line)
		if len(f) < 2 {
			return fmt.Errorf("unexpected noun.exc line %q", line)
		}
		if !wordOnly(f[0]) {
			return nil
		}
		for _, base := range f[1:] {
			if all[base] && !wordOnly(base) {
				return fmt.Errorf("noun.exc %q maps to lemma %q that would be dropped", f[0], base)
			}
		}
		exc = append(exc, strings.Join(f, " "))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(lemmas) == 0 || len(exc) == 0 {
		return nil, fmt.Errorf("%s: no noun data found", dir)
	}
	sort.Strings(lemmas)
	var b bytes.Buffer
	for _, l := range lemmas {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	b.WriteString("%%\n")
	for _, e := range exc {
		b.WriteString(e)
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

func eachLine(path string, fn func(string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%w (install Debian's wordnet-base)", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		if err := fn(sc.Text()); err != nil {
			return fmt.Errorf("%s line %d: %w", path, n, err)
		}
	}
	return sc.Err()
}
