package disclosure

import (
	"bytes"
	"html"
	"html/template"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

var (
	markdown = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify))
	// bodyPolicy allows the structure an official document needs and
	// nothing that runs: no script, style, iframe, event handler or
	// javascript: URL (bluemonday's UGC policy).
	bodyPolicy = func() *bluemonday.Policy {
		p := bluemonday.UGCPolicy()
		p.RequireNoFollowOnLinks(false)
		p.AddTargetBlankToFullyQualifiedLinks(false)
		return p
	}()
	textPolicy = bluemonday.StrictPolicy()
)

// RenderBody turns an item's Markdown body into sanitised HTML. Raw HTML in
// the body is escaped by goldmark (it is not enabled) and the result is
// sanitised again, so hostile input renders inert either way.
func RenderBody(md string) template.HTML {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(md), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(md)) // #nosec G203 -- escaped right here
	}
	return template.HTML(bodyPolicy.SanitizeBytes(buf.Bytes())) // #nosec G203 -- sanitised by the bluemonday UGC policy
}

// PlainText is the body's text without markup, for search and checks.
func PlainText(md string) string {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(md), &buf); err != nil {
		return md
	}
	t := html.UnescapeString(textPolicy.Sanitize(strings.ReplaceAll(buf.String(), "</p>", "</p>\n")))
	return strings.TrimSpace(t)
}
