package web

import (
	"encoding/xml"
	"io"
	"net/http"
	"time"
)

// AtomFeed is an Atom 1.0 feed (RFC 4287).
type AtomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  AtomPerson  `xml:"author"`
	Links   []AtomLink  `xml:"link"`
	Entries []AtomEntry `xml:"entry"`
}

// AtomPerson is an author.
type AtomPerson struct {
	Name string `xml:"name"`
}

// AtomLink is a link.
type AtomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Href string `xml:"href,attr"`
	Type string `xml:"type,attr,omitempty"`
}

// AtomEntry is an entry.
type AtomEntry struct {
	ID      string     `xml:"id"`
	Title   string     `xml:"title"`
	Updated string     `xml:"updated"`
	Link    AtomLink   `xml:"link"`
	Summary *AtomText  `xml:"summary,omitempty"`
	Author  AtomPerson `xml:"author"`
}

// AtomText is a text construct.
type AtomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

// AtomTime writes t as an Atom date.
func AtomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// WriteAtom sends the feed; updated is the newest entry's time (a fixed
// early date when there is none, so that the feed stays valid).
func WriteAtom(w http.ResponseWriter, f AtomFeed, updated time.Time) {
	if updated.IsZero() {
		updated = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if f.Lang == "" {
		f.Lang = "zh-CN"
	}
	f.Updated = AtomTime(updated)
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	enc.Encode(f)
}
