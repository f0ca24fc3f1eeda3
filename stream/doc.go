// Package stream classifies documents through a NATS JetStream broker, so
// that classification scales out over as many worker processes and
// machines as the work needs and loses nothing when one of them dies.
//
// Four JetStream objects make one pipeline (Topology, named from a prefix,
// "credence" by default):
//
//	PREFIX-docs       work-queue stream on PREFIX.docs: one message per document,
//	                  Nats-Msg-Id = the document id (re-publishing within the
//	                  duplicate window stores nothing twice)
//	PREFIX-workers    the durable pull consumer all workers share: each message goes
//	                  to one worker; unacknowledged ones come back after AckWait, at
//	                  most MaxDeliver times
//	PREFIX-results    stream on PREFIX.results: one verdict per document (Nats-Msg-Id
//	                  = the document id again, so a redelivered document's second
//	                  verdict is usually dropped by the server)
//	PREFIX-dead       stream on PREFIX.dead: documents that cannot be classified,
//	                  with the reason in the Credence-Reason header
//	PREFIX-maxdeliver work-queue stream capturing the server's MAX_DELIVERIES
//	                  advisories for PREFIX-workers, so that a document that kept
//	                  killing or stalling workers is dead-lettered even if no worker
//	                  was listening when the server gave up on it
//	PREFIX-config     key-value bucket; key "expected-model" holds the model id
//	                  every worker must have
//
// A Worker acknowledges a document only after the results stream has
// acknowledged its verdict (or the dead-letter stream its dead letter), so a
// worker killed at any point loses nothing: what it held is redelivered to
// the others. Delivery is therefore at least once; Collect turns the
// results stream into exactly one line per document id.
//
// Concurrency: a Worker runs its own goroutines (one fetcher, Concurrency
// classifiers, one acknowledger, one dead-letterer); Run must be called once.
// Publisher methods must not be called concurrently. A Classifier must be
// safe for concurrent use, as a loaded model.Model is.
package stream
