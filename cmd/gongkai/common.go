package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/gongkai/gongkai/internal/app"
	"github.com/gongkai/gongkai/internal/config"
)

// newFlags returns a flag set for a subcommand with the configuration flags
// bound. Usage goes to stderr.
func newFlags(e env, name, usage string, withDemo bool) (*flag.FlagSet, *config.Flags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.Stderr, "Usage: gongkai %s\n\nFlags:\n", usage)
		fs.PrintDefaults()
	}
	return fs, config.Bind(fs, e.Getenv, withDemo)
}

// parse parses args and finishes the configuration.
func parse(fs *flag.FlagSet, f *config.Flags, args []string) (*config.Config, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, errUsage
		}
		return nil, errUsage
	}
	cfg, err := f.Finish()
	if err != nil {
		return nil, fmt.Errorf("configuration:\n%w", err)
	}
	return cfg, nil
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openCore opens the database for an operator command.
func openCore(ctx context.Context, cfg *config.Config, e env) (*app.Core, error) {
	return app.OpenCore(ctx, cfg, newLogger(cfg, e.Stderr), app.Options{})
}
