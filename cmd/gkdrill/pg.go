package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
)

// pgAdmin creates and drops the drill's databases.
type pgAdmin struct {
	url string // a database to connect to for CREATE/DROP DATABASE
}

// withDB returns the admin URL pointing at database name.
func (p pgAdmin) withDB(name string) (string, error) {
	u, err := url.Parse(p.url)
	if err != nil {
		return "", fmt.Errorf("--pg-url: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

func dbName(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(u.Path, "/")
}

// create makes a fresh database named gkdrill_<purpose>_<random> and
// returns its URL.
func (p pgAdmin) create(ctx context.Context, purpose string) (string, error) {
	var b [4]byte
	rand.Read(b[:])
	name := fmt.Sprintf("gkdrill_%s_%s_%s", purpose, time.Now().Format("150405"), hex.EncodeToString(b[:]))
	c, err := sql.Open("pgx", p.url)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	return p.withDB(name)
}

// drop removes a database the drill created (ending its connections).
func (p pgAdmin) drop(ctx context.Context, dbURL string) error {
	name := dbName(dbURL)
	if !strings.HasPrefix(name, "gkdrill_") {
		return fmt.Errorf("refusing to drop %q: not a drill database", name)
	}
	c, err := sql.Open("pgx", p.url)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	return err
}
