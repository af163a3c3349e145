package main

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"runtime/debug"
	"text/tabwriter"

	"github.com/gongkai/gongkai/internal/app"
	"github.com/gongkai/gongkai/internal/web"
)

func init() {
	register("serve", "运行门户、工作台、接口和后台任务 (serve the portal, console, API and jobs)", runServe)
	register("migrate", "升级数据库结构 (bring the database schema up to date)", runMigrate)
	register("version", "显示版本 (print the version)", runVersion)
}

func runServe(ctx context.Context, e env, args []string) error {
	fs, f := newFlags(e, "serve", "serve [--demo] [--addr :8080] [--data ./data] [flags]", true)
	cfg, err := parse(fs, f, args)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, e.Stderr)
	if e.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit(cfg.PageCacheBytes))
	}
	a, err := app.New(ctx, cfg, logger, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	if cfg.Demo {
		creds, loaded, err := a.LoadDemo(ctx)
		if err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
		if loaded {
			printCredentials(e, creds, cfg.BaseURL)
		} else {
			fmt.Fprintln(e.Stdout, "数据库中已有数据，未重复加载演示数据（演示账号的密码只在首次加载时显示）。")
		}
	}
	return a.Serve(ctx, func(addr net.Addr) {
		fmt.Fprintf(e.Stdout, "gongkai 正在运行：%s （监听 %s）\n", cfg.BaseURL, addr)
	})
}

// memoryLimit is the soft memory limit of serve unless GOMEMLIMIT is set:
// room for the page cache twice over (the garbage collector's headroom)
// and 128 MB for everything else, at least 256 MB. Near the limit the
// collector runs more often instead of letting the heap double; it never
// fails an allocation because of it.
func memoryLimit(pageCache int64) int64 {
	if pageCache <= 0 {
		pageCache = web.DefaultPageCacheBytes
	}
	return max(256<<20, 2*pageCache+128<<20)
}

func printCredentials(e env, creds []app.Credential, base string) {
	fmt.Fprintln(e.Stdout, "已加载演示数据：上海市民族和宗教事务局及其下属单位、区民族宗教部门。")
	fmt.Fprintf(e.Stdout, "门户：%s/    工作台：%s/console/\n", base, base)
	fmt.Fprintln(e.Stdout, "演示账号（密码只显示这一次；管理员和审计员首次登录时须设置双因素认证）：")
	tw := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "用户名\t密码\t姓名\t角色\t单位")
	for _, c := range creds {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Username, c.Password, c.Name, c.Roles, c.Agency)
	}
	tw.Flush()
}

func runMigrate(ctx context.Context, e env, args []string) error {
	fs, f := newFlags(e, "migrate", "migrate [--data ./data | GONGKAI_DATABASE_URL=…]", false)
	cfg, err := parse(fs, f, args)
	if err != nil {
		return err
	}
	c, err := openCore(ctx, cfg, e)
	if err != nil {
		return err
	}
	defer c.Close()
	v, err := c.DB.Version(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "数据库（%s）已是最新结构：版本 %d\n", c.DB.Dialect, v)
	return nil
}

func runVersion(ctx context.Context, e env, args []string) error {
	rev := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				rev = " " + s.Value[:12]
			}
		}
	}
	fmt.Fprintf(e.Stdout, "gongkai %s%s (%s, %s/%s)\n", app.Version, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
