package auth

import (
	"strings"
	"unicode"
)

// commonPasswords are whole passwords seen at the top of leaked-password
// lists (international and Chinese), lower-cased. Shorter ones are kept
// because the checks below also look at the password with its decorations
// removed.
var commonPasswords = setOf(
	"123456", "123456789", "12345678", "1234567890", "111111", "000000", "888888", "666666", "123123",
	"password", "password1", "password123", "p@ssw0rd", "passw0rd", "admin123", "admin@123", "admin123456",
	"admin@123456", "root@123", "qwerty123", "qwertyuiop", "1q2w3e4r", "1q2w3e4r5t", "1q2w3e4r5t6y",
	"1qaz2wsx", "1qaz2wsx3edc", "1qaz@wsx3edc", "1qaz@wsx", "1qaz!qaz", "!qaz2wsx", "!qaz@wsx#edc",
	"zaq12wsx", "zaq1@wsx", "qazwsx123", "qwe123", "qwe123!@#", "qwer1234", "qwer!@#$", "asdf1234",
	"abc123", "abc123456", "abcd1234", "abcd@1234", "aa123456", "a123456", "a1234567", "a12345678",
	"woaini1314", "woaini520", "5201314", "1314520", "iloveyou", "iloveyou1", "welcome1", "welcome123",
	"changeme", "changeme123", "letmein", "trustno1", "test1234", "test@123", "huawei@123", "huawei123",
	"sysadmin", "administrator", "gongkai123", "gongkai@123", "zhengwu123", "p@ssword", "passw0rd!",
	"p@ssw0rd123", "p@ssw0rd!", "1234qwer", "1234abcd", "a1b2c3d4", "a1b2c3d4e5", "q1w2e3r4", "q1w2e3r4t5",
	"987654321", "11111111", "88888888", "12341234", "147258369", "159357", "789456123", "147852369",
)

// commonWords are the cores of common passwords: what remains when digits
// and symbols around them and leet-speak substitutions are taken away
// ("P@ssw0rd2024!" → "password"). A password whose core is one of these is
// refused however it is decorated.
var commonWords = setOf(
	"password", "passwd", "passw", "pass", "pwd", "admin", "administrator", "root", "sysadmin", "system",
	"qwerty", "qwer", "qwert", "qwertyui", "qwertyuiop", "asdf", "asdfgh", "asdfghjkl", "zxcv", "zxcvbn", "zxcvbnm",
	"qaz", "qazwsx", "qazwsxedc", "wsx", "zaq", "zaqwsx", "qweasd", "qweasdzxc", "qwe", "asd", "zxc",
	"abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh", "iloveyou", "love", "woaini", "woaiwojia",
	"welcome", "hello", "test", "testing", "guest", "user", "login", "master", "letmein", "monkey", "dragon",
	"sunshine", "princess", "football", "baseball", "shadow", "superman", "batman", "trustno", "secret",
	"changeme", "default", "manager", "server", "database", "oracle", "mysql", "postgres", "sqlserver",
	"china", "beijing", "shanghai", "zhongguo", "gongkai", "zhengwu", "zhengfu", "gov", "office", "company",
	"huawei", "xiaomi", "taobao", "baidu", "tencent", "weixin", "wechat", "alibaba", "zhangsan", "lisi",
	"wangwu", "minzong", "mzzj", "shmzzj", "aaa", "aaaa", "aaaaaa", "qq", "computer", "internet", "windows",
)

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

var leet = strings.NewReplacer("@", "a", "4", "a", "$", "s", "5", "s", "0", "o", "3", "e", "1", "i", "!", "i", "7", "t", "|", "l")

// IsCommonPassword reports whether pw is, or merely decorates, a password
// that attackers try first.
func IsCommonPassword(pw string) bool {
	lower := strings.ToLower(pw)
	if commonPasswords[lower] {
		return true
	}
	// Strip decorations around the word: "Admin@123456" → "admin".
	core := strings.TrimFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) })
	core = leet.Replace(core)
	letters := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return r
		}
		return -1
	}, core)
	if commonWords[letters] || commonPasswords[letters] {
		return true
	}
	// Very few distinct characters ("Aaaa1111!!!!").
	distinct := map[rune]bool{}
	for _, r := range lower {
		distinct[r] = true
	}
	if len(distinct) < 5 {
		return true
	}
	// A token word or two around a run of digits in sequence ("Aa123456789!").
	if len([]rune(letters)) <= 3 && hasDigitRun(lower, 6) {
		return true
	}
	return false
}

// hasDigitRun reports a run of n or more digits that only go up or down by
// one, or repeat ("123456", "987654", "111111").
func hasDigitRun(s string, n int) bool {
	run, step := 0, 0
	var prev rune = -1
	for _, r := range s {
		if r < '0' || r > '9' {
			run, prev = 0, -1
			continue
		}
		if prev < 0 {
			run, step, prev = 1, 0, r
			continue
		}
		d := int(r - prev)
		switch {
		case run == 1 && (d == 1 || d == -1 || d == 0):
			step, run = d, 2
		case run > 1 && d == step:
			run++
		case d == 1 || d == -1 || d == 0:
			step, run = d, 2
		default:
			run = 1
		}
		prev = r
		if run >= n {
			return true
		}
	}
	return false
}
