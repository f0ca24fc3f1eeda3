// Command credence tells reliable news articles from unreliable ones and
// explains why. Each subcommand lives in its own file; this one wires them
// together. Commands parse flags and call the packages: no logic here.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	if os.Getenv("GOGC") == "" {
		// The live heap is small (tables, a few batches) and the garbage is
		// per-record buffers: collecting less often buys throughput for a
		// bounded amount of memory.
		debug.SetGCPercent(200)
	}
	os.Exit(run(newRoot(), os.Args[1:]))
}

// run executes one command line and returns the exit code.
func run(root *cobra.Command, args []string) int {
	root.SetArgs(args)
	ctx, stop := signalContext(root, args)
	defer stop()
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "credence: %v\n", err)
		var ue usageError
		if errors.As(err, &ue) {
			return 2
		}
		return 1
	}
	return 0
}

// graceful marks the commands that watch their context: on SIGINT or
// SIGTERM they finish the work in hand (flush output, drain in-flight
// documents) and return; a second signal ends the process. The others
// (train, eval, audit, …) are minutes of computing with nothing worth
// keeping half-way and write their files atomically: a signal ends them
// at once, as it would any program — intercepting it would only make
// Ctrl-C do nothing until they finish.
const graceful = "credence/graceful"

func signalContext(root *cobra.Command, args []string) (context.Context, context.CancelFunc) {
	cmd, _, err := root.Find(args)
	if err != nil || cmd.Annotations[graceful] == "" {
		return context.Background(), func() {}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // the next signal takes the default action
	}()
	return ctx, stop
}

// usageError marks a mistake in how the command was called (exit code 2).
type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func newRoot() *cobra.Command {
	var logLevel, logFormat string
	root := &cobra.Command{
		Use:   "credence",
		Short: "Tell reliable news from unreliable news, and explain why",
		Long: `credence normalizes, learns from and classifies news articles as reliable or not.

Start with:
  echo "The U.S. Customs passes..." | credence normalize --profile nltk`,
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return setupLogging(cmd.ErrOrStderr(), logLevel, logFormat)
		},
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return usageError{err} })
	root.PersistentFlags().StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn, error")
	root.PersistentFlags().StringVar(&logFormat, "log-format", "text", "log format on stderr: text or json")
	root.AddCommand(newNormalizeCmd(), newTrainCmd(), newEvalCmd(), newClassifyCmd(), newExplainCmd(), newModelCmd(), newServeCmd(), newAuditCmd(), newCrossevalCmd(), newWorkerCmd(), newPublishCmd(), newCollectCmd())
	return root
}

func setupLogging(w io.Writer, level, format string) error {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return usagef("--log-level: %v", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		slog.SetDefault(slog.New(slog.NewTextHandler(w, opts)))
	case "json":
		slog.SetDefault(slog.New(slog.NewJSONHandler(w, opts)))
	default:
		return usagef("--log-format must be text or json, not %q", format)
	}
	return nil
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
