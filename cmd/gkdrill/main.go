// Command gkdrill runs gongkai's reliability drills against a real
// `gongkai serve` process on this machine (loopback only):
//
//	gkdrill nothing-lost  --gongkai BIN [--db sqlite|postgres] [--trials N] …
//	gkdrill backup-drill  --gongkai BIN [--db sqlite|postgres] [--trials N] …
//	gkdrill db-faults     --gongkai BIN --toxiproxy BIN …
//
// nothing-lost drives a steady stream of public submissions (online
// applications with an identity proof through POST /api/v1/applications,
// letters to the leader's mailbox, consultation comments and open-day
// sign-ups through the portal's forms) at a target rate, kills the server
// with SIGKILL at a random moment of each trial, checks the data as the
// crash left it (every acknowledged submission present with the same
// content and its attachment's bytes; SQLite PRAGMA integrity_check and
// foreign_key_check, or pg_amcheck; attachment rows against blobs; the
// audit chain), restarts the server on the same data, waits for /readyz
// and goes on.
//
// backup-drill runs `gongkai backup` while the same load runs, restores the
// backup into a fresh data folder (and, on PostgreSQL, a fresh database),
// starts gongkai on it and checks that everything acknowledged before the
// backup started is there with its attachments, that every attachment's
// checksum holds and that the audit chain verifies; it measures the
// backup's duration, the time to restore and be ready (RTO) and the data
// acknowledged after the snapshot (RPO).
//
// The server is started with --trusted-proxies 127.0.0.1/32,::1/128: the
// driver plays the reverse proxy and gives every simulated citizen an
// address of its own from the benchmarking range 198.18.0.0/15 (RFC 2544)
// in X-Forwarded-For. No rate limit, form guard or minimum fill time is
// relaxed; the forms' tokens are fetched from the form pages like a
// browser does. Both drills exit 1 when a check fails.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "nothing-lost":
		err = runNothingLost(ctx, os.Args[2:])
	case "backup-drill":
		err = runBackupDrill(ctx, os.Args[2:])
	case "db-faults":
		err = runDBFaults(ctx, os.Args[2:])
	case "-h", "--help", "help":
		usage()
		return
	default:
		fmt.Fprintf(os.Stderr, "gkdrill: unknown command %q\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "gkdrill %s: FAILED: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, `gkdrill — reliability drills for gongkai

Usage:
  gkdrill nothing-lost --gongkai BIN [flags]   kill -9 under load; nothing acknowledged may be lost
  gkdrill backup-drill --gongkai BIN [flags]   back up under load, restore, verify; measure RPO/RTO
  gkdrill db-faults    --gongkai BIN --toxiproxy BIN [flags]
                                               PostgreSQL latency, resets, outage, restart and a full
                                               disk under load: 503 + Retry-After, recovery, nothing lost

Run 'gkdrill <command> -h' for the flags.`)
}
