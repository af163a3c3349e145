// Package todo is the to-do centre (待办): one inbox that every capability
// feeds. A capability registers a source — a function that lists its open
// work items for an agency — and the centre gathers them, sorted by due
// date, for a person, a division or the whole agency, e-mails each person
// a daily digest, and gives leaders a supervision view (督办) across
// divisions.
//
// It is a shared service: capabilities may import it for the Item type
// (capabilities never import each other), and app registers each
// capability's source:
//
//	todos.Register("normative", func(ctx context.Context, agencyID int64, today civil.Date) ([]todo.Item, error) {
//		… return the documents expiring within 30 days, each with its Due date …
//	})
package todo

import (
	"context"
	"sort"
	"sync"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
)

// Item is one piece of work someone has to do by a date.
type Item struct {
	// Source is the registered source's name (e.g. "application"); Kind
	// says in Chinese what is to be done (e.g. "答复申请", "审核草稿").
	Source string
	Kind   string
	Title  string
	// URL is the console page where the work is done.
	URL string
	// Due is the last day to do it (on the working-day calendar where the
	// law counts working days).
	Due      civil.Date
	AgencyID int64
	// DivisionID is the responsible division (0: the agency as a whole).
	DivisionID int64
	// UserID is the person it is assigned to (0: whoever holds Perm).
	UserID int64
	// Perm is the permission needed to act on it: the item is shown to
	// the agency's staff who hold it (and to UserID in any case).
	Perm auth.Permission
	// Note is a short remark (e.g. "已延期", "第 2 次提醒").
	Note string
}

// SourceFunc lists the open items of one agency as of today.
type SourceFunc func(ctx context.Context, agencyID int64, today civil.Date) ([]Item, error)

// Registry holds the registered sources.
type Registry struct {
	mu      sync.RWMutex
	names   []string
	sources map[string]SourceFunc
}

// Register adds (or replaces) a named source.
func (r *Registry) Register(name string, fn SourceFunc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sources == nil {
		r.sources = map[string]SourceFunc{}
	}
	if _, ok := r.sources[name]; !ok {
		r.names = append(r.names, name)
		sort.Strings(r.names)
	}
	r.sources[name] = fn
}

// Sources returns the registered sources' names in order.
func (r *Registry) Sources() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]string(nil), r.names...)
}

// Source returns a registered source.
func (r *Registry) Source(name string) (SourceFunc, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	fn, ok := r.sources[name]
	return fn, ok
}
