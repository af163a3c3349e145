// Command gongkai is the whole platform in one binary: the public portal, the
// staff console, the API and the background jobs (serve), and the operator
// commands around them.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// env is what a subcommand may touch of the outside world, so that tests can
// run subcommands in-process.
type env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

type command struct {
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

// commands is filled by the init functions of the subcommand files.
var commands = map[string]command{}

func register(name, summary string, run func(ctx context.Context, e env, args []string) error) {
	commands[name] = command{summary: summary, run: run}
}

// errUsage means the arguments were wrong; the message has been printed.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	os.Exit(run(ctx, e, os.Args[1:]))
}

func run(ctx context.Context, e env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.Stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.Stderr, "gongkai: unknown command %q\n\n", args[0])
		usage(e.Stderr)
		return 2
	}
	if err := cmd.run(ctx, e, args[1:]); err != nil {
		if errors.Is(err, errUsage) {
			return 2
		}
		fmt.Fprintf(e.Stderr, "gongkai %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "gongkai — 政务公开平台 (government information disclosure platform)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: gongkai <command> [flags]")
	fmt.Fprintln(w)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'gongkai <command> -h' for the flags of a command.")
}
