package stream

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Topology names the JetStream objects of one pipeline.
type Topology struct {
	Prefix string

	DocsStream, ResultsStream, DeadStream, AdvisoryStream     string
	DocsSubject, ResultsSubject, DeadSubject, AdvisorySubject string

	Consumer         string // durable pull consumer on DocsStream shared by all workers
	AdvisoryConsumer string // durable pull consumer on AdvisoryStream shared by all workers
	Bucket           string // key-value bucket holding the expected model id
}

// DefaultPrefix names the default pipeline.
const DefaultPrefix = "credence"

var prefixRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// NewTopology names a pipeline's objects from a prefix of letters, digits,
// '-' and '_'. Several pipelines can share one server under different
// prefixes.
func NewTopology(prefix string) (Topology, error) {
	if !prefixRE.MatchString(prefix) {
		return Topology{}, fmt.Errorf("prefix %q: want 1-64 letters, digits, '-' or '_'", prefix)
	}
	t := Topology{
		Prefix:           prefix,
		DocsStream:       prefix + "-docs",
		ResultsStream:    prefix + "-results",
		DeadStream:       prefix + "-dead",
		AdvisoryStream:   prefix + "-maxdeliver",
		DocsSubject:      prefix + ".docs",
		ResultsSubject:   prefix + ".results",
		DeadSubject:      prefix + ".dead",
		Consumer:         prefix + "-workers",
		AdvisoryConsumer: prefix + "-deadletter",
		Bucket:           prefix + "-config",
	}
	t.AdvisorySubject = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES." + t.DocsStream + "." + t.Consumer
	return t, nil
}

// Settings are the stream settings a command may set. Zero values keep what
// the server has (or use the defaults when a stream is created).
type Settings struct {
	// DupWindow is how long the docs stream remembers a document id: a
	// document published again within it is not stored again. It costs the
	// server about 150 bytes per id in the window (see docs/STREAMING.md).
	// The results stream remembers verdict ids for min(DupWindow,
	// ResultsDupWindow): long enough to drop the second verdict of a
	// document redelivered after a worker died. Set on create; changed on
	// existing streams only when non-zero.
	DupWindow time.Duration
	// Replicas is the number of copies on a clustered server (1, 3 or 5),
	// used when a stream is created.
	Replicas int
	// MemoryStorage keeps streams in memory instead of files (tests and
	// benchmarks; a server restart then loses them). Used on create.
	MemoryStorage bool
}

// DefaultDupWindow is the duplicate window of a new docs stream.
const DefaultDupWindow = time.Hour

// ResultsDupWindow caps the results stream's duplicate window: a second
// verdict comes at most MaxDeliver × AckWait after the first (2.5 min with
// the defaults); collect drops any later one.
const ResultsDupWindow = 10 * time.Minute

// Setup creates the pipeline's streams that do not exist yet and applies a
// non-zero DupWindow to the existing ones. It refuses a docs stream that is
// not a work queue.
func Setup(ctx context.Context, js jetstream.JetStream, t Topology, s Settings) error {
	dup := s.DupWindow
	if dup == 0 {
		dup = DefaultDupWindow
	}
	storage := jetstream.FileStorage
	if s.MemoryStorage {
		storage = jetstream.MemoryStorage
	}
	replicas := max(s.Replicas, 1)
	docs := jetstream.StreamConfig{
		Name: t.DocsStream, Description: "credence: documents to classify",
		Subjects: []string{t.DocsSubject}, Retention: jetstream.WorkQueuePolicy,
		Storage: storage, Replicas: replicas, Duplicates: dup,
	}
	results := jetstream.StreamConfig{
		Name: t.ResultsStream, Description: "credence: one verdict per document",
		Subjects: []string{t.ResultsSubject}, Retention: jetstream.LimitsPolicy,
		Storage: storage, Replicas: replicas, Duplicates: min(dup, ResultsDupWindow),
	}
	dead := jetstream.StreamConfig{
		Name: t.DeadStream, Description: "credence: documents that could not be classified (Credence-Reason header)",
		Subjects: []string{t.DeadSubject}, Retention: jetstream.LimitsPolicy,
		Storage: storage, Replicas: replicas, Duplicates: DefaultDupWindow,
	}
	adv := jetstream.StreamConfig{
		Name: t.AdvisoryStream, Description: "credence: max-deliveries advisories of the workers' consumer",
		Subjects: []string{t.AdvisorySubject}, Retention: jetstream.WorkQueuePolicy,
		Storage: storage, Replicas: replicas,
	}
	for _, c := range []jetstream.StreamConfig{docs, results, dead, adv} {
		info, err := ensureStream(ctx, js, c)
		if err != nil {
			return err
		}
		if c.Retention != info.Config.Retention {
			return fmt.Errorf("stream %s exists with retention %v, want %v: delete it or use another --prefix", c.Name, info.Config.Retention, c.Retention)
		}
		if s.DupWindow != 0 && (c.Name == t.DocsStream || c.Name == t.ResultsStream) && info.Config.Duplicates != c.Duplicates {
			cfg := info.Config
			cfg.Duplicates = c.Duplicates
			if _, err := js.UpdateStream(ctx, cfg); err != nil {
				return fmt.Errorf("set the duplicate window of stream %s: %w", c.Name, err)
			}
		}
	}
	return nil
}

func ensureStream(ctx context.Context, js jetstream.JetStream, c jetstream.StreamConfig) (*jetstream.StreamInfo, error) {
	for range 3 {
		st, err := js.Stream(ctx, c.Name)
		if err == nil {
			return st.CachedInfo(), nil
		}
		if !errors.Is(err, jetstream.ErrStreamNotFound) {
			return nil, fmt.Errorf("stream %s: %w", c.Name, err)
		}
		st, err = js.CreateStream(ctx, c)
		if err == nil {
			return st.CachedInfo(), nil
		}
		if !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			return nil, fmt.Errorf("create stream %s: %w", c.Name, err)
		}
		// Another process created it with other settings: use theirs.
	}
	return nil, fmt.Errorf("create stream %s: it keeps appearing and disappearing", c.Name)
}

// DocsStreamState returns the number of documents waiting in the docs
// stream (not yet acknowledged or dead-lettered).
func DocsStreamState(ctx context.Context, js jetstream.JetStream, t Topology) (uint64, error) {
	st, err := js.Stream(ctx, t.DocsStream)
	if err != nil {
		return 0, fmt.Errorf("stream %s: %w", t.DocsStream, err)
	}
	return st.CachedInfo().State.Msgs, nil
}

// ModelMismatchError is returned when a worker's model is not the one the
// pipeline expects.
type ModelMismatchError struct {
	Expected, Got string
}

func (e *ModelMismatchError) Error() string {
	return fmt.Sprintf("model mismatch: the pipeline expects model %s, this worker has %s (start it with the expected model, change the expectation with publish --expect-model, or pass --allow-model-mismatch)", e.Expected, e.Got)
}

const modelKey = "expected-model"

func bucket(ctx context.Context, js jetstream.JetStream, t Topology, s Settings) (jetstream.KeyValue, error) {
	kv, err := js.KeyValue(ctx, t.Bucket)
	if err == nil {
		return kv, nil
	}
	if !errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, fmt.Errorf("key-value bucket %s: %w", t.Bucket, err)
	}
	storage := jetstream.FileStorage
	if s.MemoryStorage {
		storage = jetstream.MemoryStorage
	}
	kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: t.Bucket, Description: "credence pipeline settings", History: 10,
		Storage: storage, Replicas: max(s.Replicas, 1),
	})
	if errors.Is(err, jetstream.ErrBucketExists) {
		return js.KeyValue(ctx, t.Bucket)
	}
	if err != nil {
		return nil, fmt.Errorf("create key-value bucket %s: %w", t.Bucket, err)
	}
	return kv, nil
}

// ExpectedModel returns the model id the pipeline expects ("" when none is set).
func ExpectedModel(ctx context.Context, js jetstream.JetStream, t Topology) (string, error) {
	kv, err := js.KeyValue(ctx, t.Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("key-value bucket %s: %w", t.Bucket, err)
	}
	e, err := kv.Get(ctx, modelKey)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s/%s: %w", t.Bucket, modelKey, err)
	}
	return string(e.Value()), nil
}

// SetExpectedModel makes id the model every worker must have and returns
// the previous expectation ("" when none).
func SetExpectedModel(ctx context.Context, js jetstream.JetStream, t Topology, s Settings, id string) (string, error) {
	kv, err := bucket(ctx, js, t, s)
	if err != nil {
		return "", err
	}
	prev := ""
	if e, err := kv.Get(ctx, modelKey); err == nil {
		prev = string(e.Value())
	}
	if _, err := kv.PutString(ctx, modelKey, id); err != nil {
		return "", fmt.Errorf("write %s/%s: %w", t.Bucket, modelKey, err)
	}
	return prev, nil
}

// claimModel sets the expectation to id unless one is set (atomically: of
// two first workers, one wins) and returns the expectation in force.
func claimModel(ctx context.Context, js jetstream.JetStream, t Topology, s Settings, id string) (string, error) {
	kv, err := bucket(ctx, js, t, s)
	if err != nil {
		return "", err
	}
	for range 3 {
		if _, err := kv.Create(ctx, modelKey, []byte(id)); err == nil {
			return id, nil
		} else if !errors.Is(err, jetstream.ErrKeyExists) {
			return "", fmt.Errorf("write %s/%s: %w", t.Bucket, modelKey, err)
		}
		e, err := kv.Get(ctx, modelKey)
		if err == nil {
			return string(e.Value()), nil
		}
		if !errors.Is(err, jetstream.ErrKeyNotFound) {
			return "", fmt.Errorf("read %s/%s: %w", t.Bucket, modelKey, err)
		}
	}
	return "", fmt.Errorf("read %s/%s: it keeps changing", t.Bucket, modelKey)
}
