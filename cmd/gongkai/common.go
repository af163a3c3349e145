package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

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
	if err := fs.Parse(flagsFirst(fs, args)); err != nil {
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

// flagsFirst moves flags ahead of the positional arguments, so that
// "import items FILE --data ./data" works like "import items --data ./data
// FILE" (the flag package stops at the first positional argument).
func flagsFirst(fs *flag.FlagSet, args []string) []string {
	var flags, positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		fl := fs.Lookup(name)
		if fl == nil {
			continue
		}
		if b, ok := fl.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			flags = append(flags, args[i+1])
			i++
		}
	}
	if len(positional) > 0 {
		flags = append(flags, "--")
	}
	return append(flags, positional...)
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
