// Package corpus reads the files users keep news in: plain lines, CSV with
// quoted multi-line fields, TSV without quoting (LIAR), gzip detected by its
// magic bytes whatever the file is called. Every error that concerns a row
// names the file and line (*LineError), and a reader can go on after a
// malformed row so callers can skip-and-count or fail.
package corpus
