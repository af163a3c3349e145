package web

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/db"
)

// FieldView is one form field as the "input", "textarea" and "select"
// partials render it: label above, hint, the control, the error beneath,
// wired together with aria-describedby and aria-invalid.
type FieldView struct {
	Name     string
	Label    string
	Type     string
	Value    string
	Error    string
	Hint     string
	Required bool
	Max      int
	Options  []Option
	Auto     string // autocomplete
}

// Option is a choice in a select.
type Option struct {
	Value    string
	Label    string
	Selected bool
}

// Field describes a field of the view's form: its submitted value and error.
// opts are key/value pairs: "type", "hint", "required", "max", "auto".
func (v *View) Field(name, label string, opts ...any) FieldView {
	f := FieldView{Name: name, Label: label, Type: "text", Value: v.Value(name), Error: v.Errors[name]}
	for i := 0; i+1 < len(opts); i += 2 {
		k, _ := opts[i].(string)
		switch k {
		case "type":
			f.Type, _ = opts[i+1].(string)
		case "hint":
			f.Hint, _ = opts[i+1].(string)
		case "required":
			f.Required, _ = opts[i+1].(bool)
		case "max":
			f.Max, _ = opts[i+1].(int)
		case "auto":
			f.Auto, _ = opts[i+1].(string)
		case "value":
			if v.Form == nil {
				f.Value, _ = opts[i+1].(string)
			}
		}
	}
	return f
}

// Select is Field with choices; the submitted (or current) value is selected.
func (v *View) Select(name, label string, options []Option, opts ...any) FieldView {
	f := v.Field(name, label, opts...)
	f.Type = "select"
	for _, o := range options {
		o.Selected = o.Value == f.Value
		f.Options = append(f.Options, o)
	}
	return f
}

// OptionRows lists (id, name) rows of a query as choices, after a first
// choice with an empty value labelled first (e.g. "（不指定）"). A failed
// query gives just that first choice: the form still works.
func OptionRows(ctx context.Context, q db.Querier, first, query string, args ...any) []Option {
	out := []Option{{Value: "", Label: first}}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return out
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id   int64
			name string
		)
		if rows.Scan(&id, &name) == nil {
			out = append(out, Option{Value: strconv.FormatInt(id, 10), Label: name})
		}
	}
	return out
}

// Unreadable reports text that must not be stored: invalid UTF-8, or
// control characters other than tab and line breaks.
func Unreadable(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return true
		}
	}
	return !utf8.ValidString(s)
}

// CheckText puts a Chinese message for field key into fields when the value
// is missing (and required), unreadable, or longer than max characters.
func CheckText(fields map[string]string, key, label, v string, required bool, max int) {
	switch {
	case strings.TrimSpace(v) == "":
		if required {
			fields[key] = "请填写" + label + "。"
		}
	case Unreadable(v):
		fields[key] = label + "含有无法识别的字符。"
	case utf8.RuneCountInString(v) > max:
		fields[key] = label + "不能超过 " + strconv.Itoa(max) + " 个字。"
	}
}

var (
	phoneRE = regexp.MustCompile(`^(\+?86[- ]?)?(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$`)
	emailRE = regexp.MustCompile(`^[^@\s<>"'(),;:\\\x00-\x1f\x7f]+@[^@\s<>"'(),;:\\\x00-\x1f\x7f]+\.[^@\s<>"'(),;:\\\x00-\x1f\x7f]+$`)
)

// ValidPhone accepts a mainland mobile number (11 digits) or a fixed line
// with its area code (021-12345678, with an optional extension).
func ValidPhone(s string) bool { return phoneRE.MatchString(s) }

// ValidEmail accepts an address of at most 254 bytes with no characters
// that could break a mail header (nor any other control character).
func ValidEmail(s string) bool { return len(s) <= 254 && emailRE.MatchString(s) }
