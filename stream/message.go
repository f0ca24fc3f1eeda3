package stream

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/nats-io/nats.go"

	"github.com/credence-news/credence/internal/annotate"
	"github.com/credence-news/credence/normalize"
)

// Doc is one document on the docs stream. On the wire it is a JSON object
//
//	{"id": "…", "text": "…", "label": "…"}
//
// with the id also in the Nats-Msg-Id header. "label" (a known label,
// carried through to the verdict as "given_label") is optional, other
// members are ignored, and "id" may be a JSON number. A message without an
// "id" member takes its id from the Nats-Msg-Id header.
//
// A message with the HeaderBatch header carries several documents, one
// such object per line (JSONL); each must have its "id" member.
type Doc struct {
	ID    string
	Text  string
	Label string
}

// AppendDoc appends d's wire form. The text must be valid UTF-8.
func AppendDoc(dst []byte, d Doc) []byte {
	dst = append(dst, `{"id":`...)
	dst = annotate.AppendJSONString(dst, d.ID)
	dst = append(dst, `,"text":`...)
	dst = annotate.AppendJSONString(dst, d.Text)
	if d.Label != "" {
		dst = append(dst, `,"label":`...)
		dst = annotate.AppendJSONString(dst, d.Label)
	}
	return append(dst, '}')
}

// HeaderBatch marks a message carrying several documents (on the docs
// stream) or verdicts (on the results stream), one JSON object per line;
// its value is how many. Batching is what makes the broker cheap: its cost
// is mostly per message, not per byte (docs/STREAMING.md).
const HeaderBatch = "Credence-Batch"

// batchSize is how many documents a message says it carries: the
// HeaderBatch value (at most 65,536: it only sizes the worker's in-flight
// accounting), 1 without one.
func batchSize(h nats.Header) int {
	v := h.Get(HeaderBatch)
	if v == "" {
		return 1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 1
	}
	return min(n, 1<<16)
}

// eachLine calls fn with each non-empty line of a batch body.
func eachLine(body []byte, fn func(i int, line []byte)) {
	i := 0
	for len(body) > 0 {
		line := body
		if j := bytes.IndexByte(body, '\n'); j >= 0 {
			line, body = body[:j], body[j+1:]
		} else {
			body = nil
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) == 0 {
			continue
		}
		fn(i, line)
		i++
	}
}

// Poison reasons: why a message can never be classified. They are the
// values of the reason label of credence_stream_dead_letters_total and
// start the Credence-Reason header of a dead letter.
const (
	ReasonInvalidUTF8   = "invalid_utf8"
	ReasonInvalidJSON   = "invalid_json"
	ReasonOversized     = "oversized"
	ReasonNoID          = "no_id"
	ReasonFailed        = "failed"         // classification failed on every delivery
	ReasonMaxDeliveries = "max_deliveries" // never acknowledged: workers died or stalled on it
)

// poison is a message that cannot be classified, with the reason.
type poison struct {
	kind   string
	detail string
}

func (p *poison) Error() string { return p.kind + ": " + p.detail }

// parsed is a decoded document message.
type parsed struct {
	id    string
	text  []byte
	label string
}

var decoders = sync.Pool{New: func() any {
	return jsontext.NewDecoder(bytes.NewReader(nil), jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true))
}}

// parseDoc decodes a document message, or says why it is poison.
func parseDoc(data []byte, headerID string, maxBytes int) (parsed, *poison) {
	if maxBytes > 0 && len(data) > maxBytes {
		return parsed{}, &poison{ReasonOversized, fmt.Sprintf("%d bytes, the limit is %d (--max-doc-bytes)", len(data), maxBytes)}
	}
	if !utf8.Valid(data) {
		i := 0
		for i < len(data) {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			i += n
		}
		return parsed{}, &poison{ReasonInvalidUTF8, fmt.Sprintf("invalid UTF-8 at byte %d", i)}
	}
	var p parsed
	var text []byte
	haveText := false
	dec := decoders.Get().(*jsontext.Decoder)
	defer func() {
		dec.Reset(bytes.NewReader(nil))
		decoders.Put(dec)
	}()
	dec.Reset(bytes.NewReader(data), jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true))
	bad := func(format string, args ...any) (parsed, *poison) {
		return parsed{}, &poison{ReasonInvalidJSON, fmt.Sprintf(format, args...)}
	}
	if k := dec.PeekKind(); k != '{' {
		return bad("not a JSON object")
	}
	if _, err := dec.ReadToken(); err != nil {
		return bad("%v", err)
	}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return bad("%v", err)
		}
		name := tok.String()
		val, err := dec.ReadValue()
		if err != nil {
			return bad("%v", err)
		}
		switch name {
		case "id":
			switch val.Kind() {
			case '"':
				u, _ := jsontext.AppendUnquote(nil, val)
				p.id = string(u)
			case '0':
				p.id = string(val)
			default:
				return bad(`"id" is not a string or a number`)
			}
		case "text":
			switch val.Kind() {
			case '"':
				text, _ = jsontext.AppendUnquote(text[:0], val)
			case 'n':
				text = text[:0]
			default:
				return bad(`"text" is not a string`)
			}
			haveText = true
		case "label":
			switch val.Kind() {
			case '"':
				u, _ := jsontext.AppendUnquote(nil, val)
				p.label = string(u)
			case 'n':
			default:
				return bad(`"label" is not a string`)
			}
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return bad("%v", err)
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return bad("data after the object")
	}
	if !haveText {
		return bad(`no "text" member`)
	}
	if p.id == "" {
		p.id = headerID
	}
	// Escaped lone surrogates unquote to invalid UTF-8; ids and labels are
	// echoed into JSON and keys, so they are made valid like the text.
	p.id = strings.ToValidUTF8(p.id, "\uFFFD")
	p.label = strings.ToValidUTF8(p.label, "\uFFFD")
	if p.id == "" {
		return parsed{}, &poison{ReasonNoID, `no "id" member and no Nats-Msg-Id header`}
	}
	text, _ = normalize.ValidUTF8(text) // an escaped lone surrogate
	p.text = text
	return p, nil
}

// Verdict is one document's verdict on the results stream, a JSON object:
//
//	{"id":"…","label":"fake","verdict":"uncertain","probabilities":{"fake":0.41,"real":0.59},
//	 "model_id":"…","given_label":"…","explain":[{"feature":"…","toward":0.12}]}
//
// given_label is there when the document had a label; explain when the
// worker runs with --explain N (the N features that pushed hardest toward
// the label, largest first). Probabilities have 6 significant digits, as
// credence classify writes them.
type Verdict struct {
	ID            string             `json:"id"`
	Label         string             `json:"label"`
	Verdict       string             `json:"verdict"`
	Probabilities map[string]float64 `json:"probabilities"`
	ModelID       string             `json:"model_id"`
	GivenLabel    string             `json:"given_label,omitempty"`
	Explain       []Contribution     `json:"explain,omitempty"`
}

func appendVerdict(dst []byte, id string, labels []string, probs []float64, best int, verdict, modelID, given string, expl []Contribution) []byte {
	dst = append(dst, `{"id":`...)
	dst = annotate.AppendJSONString(dst, id)
	dst = append(dst, `,"label":`...)
	dst = annotate.AppendJSONString(dst, labels[best])
	dst = append(dst, `,"verdict":`...)
	dst = annotate.AppendJSONString(dst, verdict)
	dst = append(dst, `,"probabilities":`...)
	dst = annotate.AppendProbabilities(dst, labels, probs)
	dst = append(dst, `,"model_id":`...)
	dst = annotate.AppendJSONString(dst, modelID)
	if given != "" {
		dst = append(dst, `,"given_label":`...)
		dst = annotate.AppendJSONString(dst, given)
	}
	if len(expl) > 0 {
		dst = append(dst, `,"explain":[`...)
		for i, c := range expl {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"feature":`...)
			dst = annotate.AppendJSONString(dst, c.Feature)
			dst = append(dst, `,"toward":`...)
			dst = strconv.AppendFloat(dst, c.Toward, 'g', 6, 64)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

// Headers of dead letters.
const (
	HeaderReason     = "Credence-Reason"      // "<kind>: <detail>", kind one of the Reason constants
	HeaderStreamSeq  = "Credence-Stream-Seq"  // the document's sequence in the docs stream
	HeaderDeliveries = "Credence-Deliveries"  // how many times it had been delivered
	HeaderID         = "Credence-Id"          // the document id, when known
	HeaderWorker     = "Credence-Worker"      // the worker that gave up on it
	HeaderTruncated  = "Credence-Truncated"   // "true" when the payload was cut to fit
	HeaderBatchIndex = "Credence-Batch-Index" // the document's line in a batch message, from 0
)
