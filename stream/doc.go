// Package stream classifies documents through a NATS JetStream broker, so
// that classification scales out over as many worker processes and
// machines as the work needs and loses nothing when one of them dies.
//
// Four JetStream objects make one pipeline (Topology, named from a prefix,
// "credence" by default):
//
//	PREFIX-docs       work-queue stream on PREFIX.docs: a message per document
//	                  (Nats-Msg-Id = the document id) or per batch of documents
//	                  (HeaderBatch; Nats-Msg-Id = a hash of their ids). Re-publishing
//	                  within the duplicate window stores nothing twice
//	PREFIX-workers    the durable pull consumer all workers share: each message goes
//	                  to one worker; unacknowledged ones come back after AckWait, at
//	                  most MaxDeliver times
//	PREFIX-results    stream on PREFIX.results: one verdict per document, batched as
//	                  the documents were (Nats-Msg-Id = the document's or the batch's
//	                  id again, so a redelivered message's second verdicts are usually
//	                  dropped by the server)
//	PREFIX-dead       stream on PREFIX.dead: documents that cannot be classified,
//	                  with the reason in the Credence-Reason header
//	PREFIX-maxdeliver work-queue stream capturing the server's MAX_DELIVERIES
//	                  advisories for PREFIX-workers, so that a document that kept
//	                  killing or stalling workers is dead-lettered even if no worker
//	                  was listening when the server gave up on it
//	PREFIX-config     key-value bucket; key "expected-model" holds the model id
//	                  every worker must have
//
// A Worker acknowledges a message only after the results stream has
// acknowledged its verdicts (and the dead-letter stream its dead letters), so a
// worker killed at any point loses nothing: what it held is redelivered to
// the others. Delivery is therefore at least once; Collect turns the
// results stream into exactly one line per document id.
//
// Concurrency: a Worker runs its own goroutines (one fetcher, Concurrency
// classifiers, one acknowledger, one dead-letterer); Run must be called once.
// Publisher methods must not be called concurrently. A Classifier must be
// safe for concurrent use, as a loaded model.Model is.
package stream
