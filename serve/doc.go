// Package serve is credence's HTTP service: a JSON API (classify, explain,
// model card, OpenAPI description), a web page, health and Prometheus
// metrics, and hot model reload.
//
// The model is held behind an atomic pointer: a reload builds and checks the
// new model completely, then swaps the pointer, so requests in flight finish
// on the model they started with and none is dropped; a model that fails to
// load leaves the old one serving. Requests are bounded in size, time and
// concurrency, and every error is a JSON body with a stable code.
package serve
