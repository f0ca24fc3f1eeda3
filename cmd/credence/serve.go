package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/credence-news/credence/model"
	"github.com/credence-news/credence/serve"
)

func newServeCmd() *cobra.Command {
	var (
		addr, modelPath           string
		fetch, allowPrivate       bool
		maxBodyMB, maxInflight    int
		maxBatch                  int
		shutdownWait, readTimeout time.Duration
	)
	cmd := &cobra.Command{
		Annotations: map[string]string{graceful: "watches its context"},
		Use:         "serve",
		Short:       "Serve the HTTP API and web page",
		Long: `serve answers POST /v1/classify and /v1/explain, GET /v1/model, /openapi.json, /healthz,
/readyz and /metrics, and serves a web page at / where a person can paste an article.

The model is the built-in one unless --model is given. Reload it without dropping a request
with SIGHUP, or with POST /v1/admin/reload and the bearer token in $CREDENCE_ADMIN_TOKEN.`,
		Example: `  credence serve --addr 127.0.0.1:8080
  curl -s localhost:8080/v1/classify -d '{"title":"…","text":"…"}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opt := serve.Options{
				Load:        func() (*model.Model, error) { return loadModel(modelPath) },
				AdminToken:  os.Getenv("CREDENCE_ADMIN_TOKEN"),
				MaxBody:     int64(maxBodyMB) << 20,
				MaxBatch:    maxBatch,
				MaxInflight: maxInflight,
				Logger:      slog.Default(),
			}
			if fetch {
				opt.Fetch = &serve.FetchOptions{AllowPrivate: allowPrivate}
			}
			srv, err := serve.New(opt)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			hs := &http.Server{
				Handler:           srv,
				ReadHeaderTimeout: 5 * time.Second, // slow-loris
				ReadTimeout:       readTimeout,
				WriteTimeout:      readTimeout + 30*time.Second,
				IdleTimeout:       120 * time.Second,
				MaxHeaderBytes:    64 << 10,
				ErrorLog:          slog.NewLogLogger(slog.Default().Handler(), slog.LevelDebug),
			}
			m := srv.Model()
			slog.Info("serving", "addr", ln.Addr().String(), "model", m.Card.ID, "algo", m.Card.Algo, "labels", m.Labels(), "fetch", fetch)

			hup := make(chan os.Signal, 1)
			signal.Notify(hup, syscall.SIGHUP)
			defer signal.Stop(hup)
			go func() {
				for range hup {
					srv.Reload() // logs its own outcome; a failure keeps the old model
				}
			}()
			errc := make(chan error, 1)
			go func() { errc <- hs.Serve(ln) }()
			select {
			case err := <-errc:
				return err
			case <-cmd.Context().Done():
			}
			slog.Info("shutting down: draining requests", "wait", shutdownWait)
			srv.SetReady(false)
			ctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
			defer cancel()
			if err := hs.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("shutdown: %w", err)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&addr, "addr", "127.0.0.1:8080", "HOST:PORT to listen on")
	fl.StringVar(&modelPath, "model", "", "model file (default: the built-in news-credibility model)")
	fl.BoolVar(&fetch, "fetch", false, `allow {"url": …} requests (the server fetches the page)`)
	fl.BoolVar(&allowPrivate, "fetch-private", false, "let --fetch reach private, loopback and link-local addresses")
	fl.IntVar(&maxBodyMB, "max-body-mb", 4, "largest request body in MiB")
	fl.IntVar(&maxBatch, "max-batch", 1000, "most documents in one batch request")
	fl.IntVar(&maxInflight, "max-inflight", 0, "requests processed at once before queueing (default 4 × cores)")
	fl.DurationVar(&readTimeout, "read-timeout", 30*time.Second, "time to read a whole request")
	fl.DurationVar(&shutdownWait, "shutdown-wait", 15*time.Second, "how long to drain requests on SIGTERM")
	return cmd
}
