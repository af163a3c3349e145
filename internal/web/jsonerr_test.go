package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gongkai/gongkai/internal/apperr"
)

// TestJSONError: decoding errors of request bodies become Chinese messages
// that name the JSON field, never a Go type or the decoder's English.
func TestJSONError(t *testing.T) {
	type inner struct {
		Name string `json:"name"`
	}
	type body struct {
		Applicant inner    `json:"applicant"`
		Count     int      `json:"count"`
		Tags      []string `json:"tags"`
	}
	for in, want := range map[string]string{
		``:                           "请求体为空",
		`{"applicant":`:              "不是完整的 JSON",
		`{"applicant" 1}`:            "第 14 个字节附近有误",
		`{"applicant": 5}`:           "字段 applicant 的类型不对，应为 JSON 对象",
		`{"applicant": {"name": 5}}`: "字段 applicant.name 的类型不对，应为字符串",
		`{"count": "x"}`:             "字段 count 的类型不对，应为数字",
		`{"tags": {}}`:               "字段 tags 的类型不对，应为 JSON 数组",
		`[1]`:                        "请求体须为 JSON 对象",
		`{"secret": 1}`:              `请求体含有未知字段 "secret"`,
		strings.Repeat("[", 20000):   "附近有误",
		`{"count": 1e999}`:           "字段 count 的类型不对，应为数字",
	} {
		dec := json.NewDecoder(strings.NewReader(in))
		dec.DisallowUnknownFields()
		var v body
		err := JSONError(dec.Decode(&v))
		msg := apperr.MessageOf(err)
		if !apperr.Is(err, apperr.Invalid) || !strings.Contains(msg, want) {
			t.Errorf("%.40q: %v %q, want %q", in, apperr.CodeOf(err), msg, want)
		}
		for _, bad := range []string{"Go ", "json:", "web.", "inner", "body", "unmarshal", "invalid character"} {
			if strings.Contains(msg, bad) {
				t.Errorf("%.40q: the message %q shows %q", in, msg, bad)
			}
		}
	}
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"name":"`+strings.Repeat("x", 100)+`"}`))
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 10)
	var v map[string]string
	if err := JSONError(json.NewDecoder(r.Body).Decode(&v)); !apperr.Is(err, apperr.TooLarge) {
		t.Errorf("over the limit: %v", err)
	}
	if err := JSONError(errors.New("other")); apperr.MessageOf(err) != "请求体不是有效的 JSON。" {
		t.Errorf("other: %q", apperr.MessageOf(err))
	}
}
