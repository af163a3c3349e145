package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gongkai/gongkai/internal/app"
	"github.com/gongkai/gongkai/internal/apperr"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
)

func init() {
	register("user", "工作人员账号：add, passwd, disable, enable, list, reset-2fa", runUser)
	register("token", "API 令牌：create, revoke, list", runToken)
}

const userUsage = `user <subcommand> [flags]

  add        --username U --name 姓名 --roles r1,r2 [--agency SLUG] [--division 处室] [--email E] [--phone P] [--password-stdin]
  passwd     --username U [--password-stdin]      set a new password (printed when generated)
  disable    --username U
  enable     --username U
  list       [--agency SLUG | --platform]
  reset-2fa  --username U

Roles: ` + "platform_admin, agency_admin, editor, reviewer, handler, approver, liaison, auditor"

func runUser(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(e.Stderr, "Usage: gongkai "+userUsage)
		return errUsage
	}
	sub, args := args[0], args[1:]
	fs, f := newFlags(e, "user "+sub, userUsage, false)
	username := fs.String("username", "", "user name")
	name := fs.String("name", "", "display name (姓名)")
	roles := fs.String("roles", "", "comma-separated roles")
	agencySlug := fs.String("agency", "", "agency slug; empty = platform account")
	division := fs.String("division", "", "division name within the agency")
	email := fs.String("email", "", "e-mail")
	phone := fs.String("phone", "", "phone")
	platform := fs.Bool("platform", false, "list platform accounts")
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input instead of generating one")
	cfg, err := parse(fs, f, args)
	if err != nil {
		return err
	}
	c, err := openCore(ctx, cfg, e)
	if err != nil {
		return err
	}
	defer c.Close()
	op := auth.Operator("user " + sub)
	readPassword := func() (string, error) {
		if !*fromStdin {
			return "", nil
		}
		line, err := bufio.NewReader(e.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", fmt.Errorf("read password from stdin: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	findUser := func() (*auth.User, error) {
		if *username == "" {
			return nil, fmt.Errorf("--username is required")
		}
		return c.Auth.UserByUsername(ctx, *username)
	}
	switch sub {
	case "add":
		agencyID, divisionID, err := resolveAgency(ctx, c, *agencySlug, *division)
		if err != nil {
			return err
		}
		rs, err := auth.ParseRoles(*roles)
		if err != nil {
			return err
		}
		pw, err := readPassword()
		if err != nil {
			return err
		}
		u, password, err := c.Auth.CreateUser(ctx, op, auth.NewUser{AgencyID: agencyID, DivisionID: divisionID, Username: *username,
			DisplayName: *name, Email: *email, Phone: *phone, Roles: rs, Password: pw, MustChangePassword: pw == ""})
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.Stdout, "已创建账号 %s（%s），角色：%s\n", u.Username, u.DisplayName, u.Roles.Labels())
		if pw == "" {
			fmt.Fprintf(e.Stdout, "初始密码：%s\n（只显示这一次；首次登录后须修改）\n", password)
		}
		if u.Roles.RequiresSecondFactor() {
			fmt.Fprintln(e.Stdout, "该账号首次登录时须设置双因素认证。")
		}
	case "passwd":
		u, err := findUser()
		if err != nil {
			return describe(err)
		}
		pw, err := readPassword()
		if err != nil {
			return err
		}
		password, err := c.Auth.ResetPassword(ctx, op, u.ID, pw)
		if err != nil {
			return describe(err)
		}
		if pw == "" {
			fmt.Fprintf(e.Stdout, "账号 %s 的新密码：%s\n（只显示这一次；下次登录后须修改；账号已解锁，原有登录已失效）\n", u.Username, password)
		} else {
			fmt.Fprintf(e.Stdout, "已设置账号 %s 的密码（账号已解锁，原有登录已失效）。\n", u.Username)
		}
	case "disable", "enable":
		u, err := findUser()
		if err != nil {
			return describe(err)
		}
		if err := c.Auth.SetDisabled(ctx, op, u.ID, sub == "disable"); err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.Stdout, "账号 %s 已%s。\n", u.Username, map[bool]string{true: "停用", false: "启用"}[sub == "disable"])
	case "reset-2fa":
		u, err := findUser()
		if err != nil {
			return describe(err)
		}
		if err := c.Auth.ResetSecondFactor(ctx, op, u.ID); err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.Stdout, "已重置账号 %s 的双因素认证，下次登录时须重新设置。\n", u.Username)
	case "list":
		var users []*auth.User
		if *agencySlug != "" || *platform {
			agencyID, _, err := resolveAgency(ctx, c, *agencySlug, "")
			if err != nil {
				return err
			}
			users, err = c.Auth.ListUsers(ctx, op, agencyID, auth.StaffFilter{IncludeDisabled: true})
			if err != nil {
				return describe(err)
			}
		} else if users, err = c.Auth.AllUsers(ctx); err != nil {
			return err
		}
		names := map[int64]string{0: "（平台）"}
		all, _ := c.Agencies.List(ctx)
		for _, a := range all {
			names[a.ID] = a.Slug
		}
		tw := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USERNAME\tNAME\tAGENCY\tROLES\t2FA\tSTATUS\tLAST LOGIN")
		now := time.Now()
		for _, u := range users {
			status := "active"
			switch {
			case u.Disabled:
				status = "disabled"
			case u.Locked(now):
				status = "locked"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\t%s\n", u.Username, u.DisplayName, names[u.AgencyID], strings.Join(u.Roles.Strings(), ","), u.TOTPEnabled, status, stamp(u.LastLoginAt))
		}
		tw.Flush()
	default:
		fmt.Fprintf(e.Stderr, "gongkai user: unknown subcommand %q\n\nUsage: gongkai %s\n", sub, userUsage)
		return errUsage
	}
	return nil
}

// resolveAgency turns a slug and division name into IDs ("" = platform).
func resolveAgency(ctx context.Context, c *app.Core, slug, division string) (int64, int64, error) {
	if slug == "" {
		if division != "" {
			return 0, 0, fmt.Errorf("--division needs --agency")
		}
		return 0, 0, nil
	}
	a, err := c.Agencies.BySlug(ctx, slug)
	if err != nil {
		return 0, 0, fmt.Errorf("no agency with slug %q", slug)
	}
	if division == "" {
		return a.ID, 0, nil
	}
	divs, err := c.Agencies.Divisions(ctx, a.ID)
	if err != nil {
		return 0, 0, err
	}
	for _, d := range divs {
		if d.Name == division {
			return a.ID, d.ID, nil
		}
	}
	return 0, 0, fmt.Errorf("agency %s has no division %q", slug, division)
}

// describe turns field errors into one readable message.
func describe(err error) error {
	if f := apperr.FieldsOf(err); len(f) > 0 {
		var parts []string
		for k, v := range f {
			parts = append(parts, k+": "+v)
		}
		return fmt.Errorf("%s", strings.Join(parts, "; "))
	}
	if m := apperr.MessageOf(err); apperr.CodeOf(err) != apperr.Internal {
		return fmt.Errorf("%s", m)
	}
	return err
}

// #nosec G101 -- usage text of the token command, no credential
const tokenUsage = `token <subcommand> [flags]

  create  --username U --name 用途 [--days 365]   issue a bearer token (printed once)
  revoke  --id N
  list    [--agency SLUG | --platform]`

func runToken(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(e.Stderr, "Usage: gongkai "+tokenUsage)
		return errUsage
	}
	sub, args := args[0], args[1:]
	fs, f := newFlags(e, "token "+sub, tokenUsage, false)
	username := fs.String("username", "", "the account the token acts as")
	name := fs.String("name", "", "what the token is for")
	days := fs.Int("days", 365, "validity in days (1–365)")
	id := fs.Int64("id", 0, "token id")
	agencySlug := fs.String("agency", "", "agency slug")
	platform := fs.Bool("platform", false, "platform accounts' tokens")
	cfg, err := parse(fs, f, args)
	if err != nil {
		return err
	}
	c, err := openCore(ctx, cfg, e)
	if err != nil {
		return err
	}
	defer c.Close()
	op := auth.Operator("token " + sub)
	switch sub {
	case "create":
		u, err := c.Auth.UserByUsername(ctx, *username)
		if err != nil {
			return fmt.Errorf("no account %q", *username)
		}
		secret, t, err := c.Auth.CreateToken(ctx, op, u.ID, *name, time.Duration(*days)*24*time.Hour)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.Stdout, "令牌 #%d（%s，账号 %s）：\n%s\n（只显示这一次；使用方式：Authorization: Bearer <令牌>）\n", t.ID, t.Name, u.Username, secret)
	case "revoke":
		if *id <= 0 {
			return fmt.Errorf("--id is required")
		}
		if err := c.Auth.RevokeToken(ctx, op, *id); err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.Stdout, "令牌 #%d 已吊销。\n", *id)
	case "list":
		agencyID := int64(-1)
		if *agencySlug != "" || *platform {
			agencyID, _, err = resolveAgency(ctx, c, *agencySlug, "")
			if err != nil {
				return err
			}
		}
		toks, err := c.Auth.ListTokens(ctx, op, agencyID)
		if err != nil {
			return describe(err)
		}
		tw := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSERNAME\tNAME\tPREFIX\tCREATED\tEXPIRES\tLAST USED\tSTATUS")
		for _, t := range toks {
			status := "active"
			if !t.RevokedAt.IsZero() {
				status = "revoked"
			} else if !t.ExpiresAt.IsZero() && time.Now().After(t.ExpiresAt) {
				status = "expired"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\tgk_%s…\t%s\t%s\t%s\t%s\n", t.ID, t.Username, t.Name, t.Prefix, day(t.CreatedAt), day(t.ExpiresAt), day(t.LastUsedAt), status)
		}
		tw.Flush()
	default:
		fmt.Fprintf(e.Stderr, "gongkai token: unknown subcommand %q\n\nUsage: gongkai %s\n", sub, tokenUsage)
		return errUsage
	}
	return nil
}

func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return civil.Of(t).String()
}
