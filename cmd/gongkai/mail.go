package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/audit"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	"github.com/gongkai/gongkai/internal/db"
	"github.com/gongkai/gongkai/internal/notify"
	"github.com/gongkai/gongkai/internal/pii"
	"github.com/gongkai/gongkai/internal/web"
)

func init() {
	register("mail", "邮件发送队列：list, retry (the outbox)", runMail)
}

const mailUsage = `mail <subcommand> [flags]

  list   [--status queued|sent|failed] [--agency SLUG] [--limit 50] [--before ID]
         newest first; addresses and subjects masked
  retry  --id N     queue a failed message again (audited)

Mail stays queued while no SMTP server is configured (--smtp-host) and is
sent once one is; a message the server refused for good, or that ran out of
attempts, is failed until retried.`

func runMail(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(e.Stderr, "Usage: gongkai "+mailUsage)
		return errUsage
	}
	sub, args := args[0], args[1:]
	fs, f := newFlags(e, "mail "+sub, mailUsage, false)
	status := fs.String("status", "", "queued, sent or failed; empty = all")
	agencySlug := fs.String("agency", "", "only this agency's mail")
	limit := fs.Int("limit", 50, "rows to list (1–500)")
	before := fs.Int64("before", 0, "list only messages with a smaller ID (the next page)")
	id := fs.Int64("id", 0, "message ID")
	cfg, err := parse(fs, f, args)
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		switch notify.Status(*status) {
		case "", notify.StatusQueued, notify.StatusSent, notify.StatusFailed:
		default:
			return fmt.Errorf("--status must be queued, sent or failed, not %q", *status)
		}
		if *limit < 1 || *limit > 500 {
			return fmt.Errorf("--limit must be between 1 and 500")
		}
		if *before < 0 {
			return fmt.Errorf("--before must be a message ID")
		}
	case "retry":
		if *id <= 0 {
			return fmt.Errorf("--id is required")
		}
	default:
		fmt.Fprintf(e.Stderr, "gongkai mail: unknown subcommand %q\n\nUsage: gongkai %s\n", sub, mailUsage)
		return errUsage
	}
	c, err := openCore(ctx, cfg, e)
	if err != nil {
		return err
	}
	defer c.Close()
	slugs := map[int64]string{0: "（平台）"}
	all, err := c.Agencies.List(ctx)
	if err != nil {
		return err
	}
	for _, a := range all {
		slugs[a.ID] = a.Slug
	}

	if sub == "retry" {
		m, err := notify.Get(ctx, c.DB.R, *id)
		if err != nil {
			return describe(err)
		}
		op := auth.Operator("mail retry")
		err = c.DB.Tx(ctx, func(tx db.Tx) error {
			if err := notify.Retry(ctx, tx, m.ID); err != nil {
				return err
			}
			return audit.Record(ctx, tx, op.Actor(), audit.Event{AgencyID: m.AgencyID, Action: "mail.retry",
				ObjectType: "outbox", ObjectID: strconv.FormatInt(m.ID, 10),
				Summary: fmt.Sprintf("重新发送邮件 #%d（%s，此前失败：%s）", m.ID, m.Purpose, clip(m.LastError, 200))})
		})
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.Stdout, "邮件 #%d 已重新排队发送（%s）。\n", m.ID, slugs[m.AgencyID])
		return nil
	}

	filter := notify.Filter{Status: notify.Status(*status), BeforeID: *before, Limit: *limit}
	if *agencySlug != "" {
		if filter.AgencyID, _, err = resolveAgency(ctx, c, *agencySlug, ""); err != nil {
			return err
		}
	}
	list, err := notify.ListOutbox(ctx, c.DB.R, filter)
	if err != nil {
		return describe(err)
	}
	tw := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tAGENCY\tPURPOSE\tTO\tSUBJECT\tSTATUS\tATTEMPTS\tLAST ERROR")
	for _, m := range list {
		to := "-"
		if len(m.Recipients) > 0 {
			to = web.MaskEmail(m.Recipients[0])
			if len(m.Recipients) > 1 {
				to += fmt.Sprintf(" +%d", len(m.Recipients)-1)
			}
		}
		lastErr := "-"
		if m.LastError != "" {
			lastErr = clip(m.LastError, 60)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d/%d\t%s\n", m.ID, stamp(m.CreatedAt), slugs[m.AgencyID], m.Purpose, to,
			clip(pii.MaskAll(m.Subject), 40), m.Status, m.Attempts, m.MaxAttempts, lastErr)
	}
	tw.Flush()
	switch {
	case len(list) == 0:
		fmt.Fprintln(e.Stdout, "（没有符合条件的邮件）")
	case len(list) == filter.Limit:
		fmt.Fprintf(e.Stdout, "（只列出 %d 封；更早的邮件：--before %d）\n", len(list), list[len(list)-1].ID)
	}
	return nil
}

// clip shortens s to n characters on one line, without control characters
// (an SMTP server's error text must not move the operator's cursor).
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// stamp is a time in Beijing time, to the minute.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(civil.Shanghai).Format("2006-01-02 15:04")
}
