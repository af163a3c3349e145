package main

import (
	"context"
	"os"
	"path/filepath"

	"github.com/gongkai/gongkai/internal/calendar"
	"github.com/gongkai/gongkai/internal/db"
)

// The workdays command counts in the platform's own calendar — including a
// year an administrator entered in the console — when a database is
// configured (GONGKAI_DATABASE_URL) or the data folder (GONGKAI_DATA,
// default ./data) holds one; otherwise in the official arrangements shipped
// with gongkai.
// workdaysSource holds the --data and --database-url flags of the workdays
// subcommands (flags win over the environment, as everywhere).
var workdaysSource struct{ data, url string }

func init() {
	loadWorkdayCalendar = func(ctx context.Context, e env) (*calendar.Calendar, error) {
		opts := db.Options{URL: e.Getenv("GONGKAI_DATABASE_URL"), DataDir: e.Getenv("GONGKAI_DATA")}
		if workdaysSource.url != "" {
			opts.URL = workdaysSource.url
		}
		if workdaysSource.data != "" {
			opts.DataDir = workdaysSource.data
		}
		if opts.DataDir == "" {
			opts.DataDir = "./data"
		}
		if opts.URL == "" {
			if _, err := os.Stat(filepath.Join(opts.DataDir, db.SQLiteFile)); err != nil {
				return calendar.Embedded(), nil
			}
		}
		d, err := db.Open(ctx, opts)
		if err != nil {
			return nil, err
		}
		defer d.Close()
		if _, err := d.Migrate(ctx); err != nil {
			return nil, err
		}
		svc := calendar.NewService(d)
		if _, err := svc.Seed(ctx); err != nil {
			return nil, err
		}
		return svc.Calendar(ctx)
	}
}
