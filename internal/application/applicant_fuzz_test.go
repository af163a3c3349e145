package application

import (
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/pii"
	"github.com/gongkai/gongkai/internal/web"
)

// FuzzApplicant: the applicant part of POST /api/v1/applications (and of
// the form, which fills the same struct) is read strictly — a body that is
// not one JSON object of the known fields is an apperr error with a
// Chinese message — and an applicant that passes Validate holds only
// readable text within its limits, an ID number whose check character is
// right for its type, a valid phone, and an e-mail address and postcode
// that are well-formed.
func FuzzApplicant(f *testing.F) {
	for _, s := range []string{
		`{"type":"natural","name":"张三","id_type":"id_card","id_number":"110101199003071233","phone":"13800138000","email":"zs@example.cn","postcode":"200000"}`,
		`{"type":"business","name":"某公司","id_type":"credit_code","id_number":"91310000MA1FL8XQ30","contact":"李四","phone":"021-12345678"}`,
		`{"type":"natural","name":"x","id_type":"id_card","id_number":"1100001900010100A\u0000","phone":"13800138000"}`,
		`{"type":"natural","name":"x","id_type":"passport","id_number":"e1234567","phone":"+86 138 0013 8000","email":"a\u000b@b.cn"}`,
		`{"type":"natural","name":"\u0000","id_type":"id_card","id_number":"１１０１０１１９９００３０７１２３３","phone":"１３８００１３８０００"}`,
		`{"type":"natural","unknown":1}`, `{"type":1}`, `{} {}`, `[]`, ``, `{"name":"\ud800"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/api/v1/applications", strings.NewReader(body))
		var in ApplicantJSON
		if err := decode(r, &in); err != nil {
			if c := apperr.CodeOf(err); c != apperr.Invalid && c != apperr.TooLarge {
				t.Fatalf("decode error %v", err)
			}
			if !strings.ContainsFunc(apperr.MessageOf(err), func(r rune) bool { return r >= 0x4e00 }) {
				t.Fatalf("message %q", apperr.MessageOf(err))
			}
			return
		}
		a := Applicant(in)
		fields := map[string]string{}
		a.Validate(fields)
		if len(fields) > 0 {
			return
		}
		for name, v := range map[string]string{"name": a.Name, "id": a.IDNumber, "contact": a.Contact, "phone": a.Phone, "email": a.Email, "address": a.Address, "postcode": a.Postcode} {
			if web.Unreadable(v) || v != strings.TrimSpace(v) {
				t.Fatalf("%s %q accepted", name, v)
			}
		}
		if a.Name == "" || utf8.RuneCountInString(a.Name) > maxName {
			t.Fatalf("name %q accepted", a.Name)
		}
		switch a.IDType {
		case IDCard:
			if !pii.ValidIDNumber(a.IDNumber) || strings.Trim(a.IDNumber[:17], "0123456789") != "" {
				t.Fatalf("ID number %q accepted", a.IDNumber)
			}
		case CreditCode:
			if !pii.ValidCreditCode(a.IDNumber) {
				t.Fatalf("credit code %q accepted", a.IDNumber)
			}
		default:
			if strings.Trim(a.IDNumber, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
				t.Fatalf("%s number %q accepted", a.IDType, a.IDNumber)
			}
		}
		if !web.ValidPhone(a.Phone) || (a.Email != "" && (!web.ValidEmail(a.Email) || strings.ContainsFunc(a.Email, func(r rune) bool { return r < 0x21 || r == 0x7f }))) {
			t.Fatalf("phone %q / e-mail %q accepted", a.Phone, a.Email)
		}
		if a.Postcode != "" && (len(a.Postcode) != 6 || strings.Trim(a.Postcode, "0123456789") != "") {
			t.Fatalf("postcode %q accepted", a.Postcode)
		}
	})
}
