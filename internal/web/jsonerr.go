package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/gongkai/gongkai/internal/apperr"
)

// JSONError turns an error of decoding a JSON request body into a domain
// error whose message says what is wrong in Chinese — without the decoder's
// own text, which names Go types and struct fields (“cannot unmarshal
// number into Go struct field submitRequest.applicant of type
// application.ApplicantJSON”). A body over the size limit is TooLarge.
func JSONError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apperr.Wrap(apperr.TooLarge, "请求体超过了大小上限。", err)
	}
	return apperr.Wrap(apperr.Invalid, jsonMessage(err), err)
}

func jsonMessage(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return "请求体为空，须为一个 JSON 对象。"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "请求体不是完整的 JSON。"
	case errors.As(err, &se):
		return fmt.Sprintf("请求体不是有效的 JSON（第 %d 个字节附近有误）。", se.Offset)
	case errors.As(err, &te):
		if te.Field == "" {
			return "请求体须为" + jsonKind(te.Type) + "。"
		}
		return fmt.Sprintf("字段 %s 的类型不对，应为%s。", te.Field, jsonKind(te.Type))
	}
	// encoding/json has no error type for an unknown field.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return "请求体含有未知字段 " + name + "。"
	}
	return "请求体不是有效的 JSON。"
}

// jsonKind names the JSON type a Go type is decoded from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "其他类型"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "字符串"
	case reflect.Bool:
		return " true 或 false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "数字"
	case reflect.Slice, reflect.Array:
		return " JSON 数组"
	case reflect.Struct, reflect.Map:
		return " JSON 对象"
	}
	return "其他类型"
}
