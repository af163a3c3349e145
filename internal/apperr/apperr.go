// Package apperr defines the domain error codes every layer uses. The web
// layer maps them to HTTP status in exactly one place (internal/web); the
// domain never returns HTTP errors.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error for the caller.
type Code string

// Domain error codes.
const (
	Invalid      Code = "invalid"      // the input is wrong; the message says how
	NotFound     Code = "not_found"    // the thing does not exist, or the caller may not know it does
	Conflict     Code = "conflict"     // the input is valid but clashes with the current state
	Forbidden    Code = "forbidden"    // the caller is known but may not do this
	Unauthorized Code = "unauthorized" // the caller is not logged in, or the credentials are wrong
	RateLimited  Code = "rate_limited" // too many attempts; try again later
	Unavailable  Code = "unavailable"  // a dependency (the database) is down; try again later
	TooLarge     Code = "too_large"    // the body or file exceeds a limit
	Internal     Code = "internal"     // a bug or an unexpected failure; details are logged, not shown
)

// Error is a domain error. Message is safe to show to the user (Chinese);
// Fields carries per-field messages for forms; Err is the wrapped cause, which
// is logged but never shown.
type Error struct {
	Code    Code
	Message string
	Fields  map[string]string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with a code and a user-facing message.
func New(code Code, msg string) *Error { return &Error{Code: code, Message: msg} }

// Wrap returns an error with a code and message that wraps cause.
func Wrap(code Code, msg string, cause error) *Error {
	return &Error{Code: code, Message: msg, Err: cause}
}

// Invalidf is a shorthand for an Invalid error.
func Invalidf(format string, args ...any) *Error {
	return &Error{Code: Invalid, Message: fmt.Sprintf(format, args...)}
}

// NotFoundf is a shorthand for a NotFound error.
func NotFoundf(format string, args ...any) *Error {
	return &Error{Code: NotFound, Message: fmt.Sprintf(format, args...)}
}

// FieldErrors is an Invalid error with messages per form field.
func FieldErrors(fields map[string]string) *Error {
	return &Error{Code: Invalid, Message: "提交的内容有误，请按提示修改后重新提交。", Fields: fields}
}

// CodeOf returns the code of err, Internal for errors that carry none.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// MessageOf returns the user-facing message of err, or a generic one.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" && e.Code != Internal {
		return e.Message
	}
	return "系统内部错误，请稍后再试。"
}

// FieldsOf returns the per-field messages of err, if any.
func FieldsOf(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
