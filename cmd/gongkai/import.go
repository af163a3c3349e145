package main

import (
	"context"
	"fmt"
	"os"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/disclosure"
)

func init() {
	register("import", "批量导入：items FILE（JSON Lines 或 XLSX，迁移已有网站的信息）", runImport)
}

const importUsage = `import items FILE [--agency SLUG] [--data ./data | GONGKAI_DATABASE_URL=…]

FILE is JSON Lines (.jsonl: one object per line) or XLSX (first sheet; the first row
names the fields, in English or Chinese). Fields: agency, index_number (索引号,
required; re-importing the same number updates the item), title, publisher,
doc_number, signed_on, published_on (required), formed_on, topic, genre,
five_publics, statutory_item, validity, keywords, summary, body (Markdown),
source_type, columns (column slugs, e.g. zcwj), attachments (file paths relative
to FILE). Rows commit in batches of 500; a batch with an invalid row is rejected
whole and reported with line numbers.`

func runImport(ctx context.Context, e env, args []string) error {
	if len(args) < 1 || args[0] != "items" {
		fmt.Fprintln(e.Stderr, "Usage: gongkai "+importUsage)
		return errUsage
	}
	fs, f := newFlags(e, "import items", importUsage, false)
	agencySlug := fs.String("agency", "", "agency for rows that name none")
	cfg, err := parse(fs, f, args[1:])
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(e.Stderr, "gongkai import items: name one FILE")
		return errUsage
	}
	path := fs.Arg(0)
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("import file: %w", err)
	}
	c, err := openCore(ctx, cfg, e)
	if err != nil {
		return err
	}
	defer c.Close()
	rep, err := c.Disclosure.ImportFile(ctx, auth.Operator("import items"), path, *agencySlug)
	if err != nil {
		return err
	}
	fmt.Fprint(e.Stdout, disclosure.FormatImportReport(rep))
	if rep.Rejected > 0 {
		return fmt.Errorf("%d batch(es) rejected", rep.Rejected)
	}
	return nil
}
