package app

import (
	"context"
	"fmt"

	"github.com/gongkai/gongkai/internal/agency"
	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/db"
)

// Credential is a demo account and its generated password.
type Credential struct {
	Agency   string
	Username string
	Name     string
	Roles    string
	Password string
}

// demoAgency describes one agency of the demo dataset.
type demoAgency struct {
	slug, name, short string
	kind              agency.Kind
	parent            string
	settings          agency.Settings
	divisions         []string
	staff             []demoStaff
}

type demoStaff struct {
	username, name, division string
	roles                    auth.Roles
}

// demoData is 上海市民族和宗教事务局 with its divisions, two affiliated
// institutions and two district ethnic-religious offices. Names of bodies
// follow the real structure; people, addresses and numbers are invented.
var demoData = []demoAgency{
	{
		slug: "mzzj", name: "上海市民族和宗教事务局", short: "市民族宗教局", kind: agency.Bureau,
		settings: agency.Settings{
			Intro: "上海市民族和宗教事务局是市政府工作部门，负责全市民族和宗教工作。\n" +
				"主要职责：贯彻执行党和国家关于民族、宗教工作的方针政策和法律法规，起草本市有关地方性法规、规章草案和政策；" +
				"推动民族团结进步创建，促进各民族交往交流交融；依法管理宗教事务，保护正常宗教活动，维护宗教界合法权益；" +
				"负责清真食品管理的综合协调和监督；联系少数民族群众和宗教界人士；承办市政府交办的其他事项。",
			Address: "上海市黄浦区示范路100号（演示地址）", Postcode: "200001",
			OfficeHours: "工作日 上午9:00–11:30，下午13:30–17:00（法定节假日除外）",
			Phone:       "021-63210000", Fax: "021-63210001", Email: "gongkai@mzzj.example.gov.cn",
			DisclosureOffice: "上海市民族和宗教事务局办公室", IndexPrefix: "00001234X",
			SiteCode: "3100000085", ICPNumber: "沪ICP备00000000号-1", PoliceNumber: "沪公网安备 31010102000001号",
			PartyGovMark: "https://bszs.conac.cn/sitename?method=show&id=DEMO", Sponsor: "上海市民族和宗教事务局",
		},
		divisions: []string{"办公室", "政策法规处", "民族工作一处", "民族工作二处", "宗教工作一处", "宗教工作二处", "宗教工作三处", "人事处"},
		staff: []demoStaff{
			{"mzzj.admin", "陈明华", "办公室", auth.Roles{auth.AgencyAdmin}},
			{"mzzj.editor", "李思远", "办公室", auth.Roles{auth.Editor}},
			{"mzzj.reviewer", "王晓燕", "办公室", auth.Roles{auth.Reviewer}},
			{"mzzj.handler", "张卫东", "办公室", auth.Roles{auth.Handler}},
			{"mzzj.approver", "刘建国", "办公室", auth.Roles{auth.Approver}},
			{"mzzj.liaison", "赵敏", "宗教工作一处", auth.Roles{auth.Liaison, auth.Editor}},
			{"mzzj.auditor", "孙立", "", auth.Roles{auth.Auditor}},
			{"mzzj.policy", "周文博", "政策法规处", auth.Roles{auth.Editor, auth.Liaison}},
		},
	},
	{
		slug: "mzzj-yjzx", name: "上海市民族宗教事务研究中心", kind: agency.Institution, parent: "mzzj",
		settings: agency.Settings{
			Intro:   "上海市民族和宗教事务局所属事业单位，承担民族宗教理论政策研究、决策咨询和信息服务工作。",
			Address: "上海市徐汇区演示路20号", Postcode: "200030", OfficeHours: "工作日 9:00–17:00",
			Phone: "021-64320000", Email: "yjzx@mzzj.example.gov.cn", DisclosureOffice: "研究中心综合办公室",
		},
		divisions: []string{"综合办公室", "研究部"},
		staff: []demoStaff{
			{"yjzx.admin", "吴海涛", "综合办公室", auth.Roles{auth.AgencyAdmin}},
			{"yjzx.editor", "郑丽", "研究部", auth.Roles{auth.Editor, auth.Handler}},
		},
	},
	{
		slug: "mzzj-fwzx", name: "上海市少数民族服务中心", kind: agency.Institution, parent: "mzzj",
		settings: agency.Settings{
			Intro:   "上海市民族和宗教事务局所属公益服务类事业单位，为来沪少数民族群众提供政策咨询、就业创业、法律援助等服务。",
			Address: "上海市静安区演示路66号", Postcode: "200040", OfficeHours: "工作日 9:00–17:00，周六上午 9:00–11:30",
			Phone: "021-62470000", Email: "fwzx@mzzj.example.gov.cn", DisclosureOffice: "服务中心办公室",
		},
		divisions: []string{"办公室", "服务部"},
		staff: []demoStaff{
			{"fwzx.admin", "马晓兰", "办公室", auth.Roles{auth.AgencyAdmin, auth.Handler}},
		},
	},
	{
		slug: "pudong-mzb", name: "浦东新区民族和宗教事务办公室", kind: agency.DistrictBureau, parent: "mzzj",
		settings: agency.Settings{
			Intro:   "浦东新区人民政府工作部门，负责本区民族和宗教工作。",
			Address: "上海市浦东新区演示大道1号", Postcode: "200120", OfficeHours: "工作日 9:00–17:00",
			Phone: "021-58780000", Fax: "021-58780001", Email: "mzb@pudong.example.gov.cn", DisclosureOffice: "浦东新区民族和宗教事务办公室综合科",
			SiteCode: "3101150001", ICPNumber: "沪ICP备00000001号", Accent: "accent-blue",
		},
		divisions: []string{"综合科", "民族科", "宗教科"},
		staff: []demoStaff{
			{"pudong.admin", "黄志强", "综合科", auth.Roles{auth.AgencyAdmin}},
			{"pudong.editor", "林静", "综合科", auth.Roles{auth.Editor, auth.Reviewer}},
			{"pudong.handler", "何勇", "宗教科", auth.Roles{auth.Handler, auth.Approver}},
		},
	},
	{
		slug: "huangpu-mzb", name: "黄浦区民族和宗教事务办公室", kind: agency.DistrictBureau, parent: "mzzj",
		settings: agency.Settings{
			Intro:   "黄浦区人民政府工作部门，负责本区民族和宗教工作。",
			Address: "上海市黄浦区演示路8号", Postcode: "200002", OfficeHours: "工作日 9:00–17:00",
			Phone: "021-63290000", Email: "mzb@huangpu.example.gov.cn", DisclosureOffice: "黄浦区民族和宗教事务办公室",
			Accent: "accent-teal",
		},
		divisions: []string{"综合科", "民族宗教科"},
		staff: []demoStaff{
			{"huangpu.admin", "徐蕾", "综合科", auth.Roles{auth.AgencyAdmin}},
			{"huangpu.editor", "高翔", "民族宗教科", auth.Roles{auth.Editor, auth.Handler}},
		},
	},
}

// platformStaff are the accounts that belong to no agency.
var platformStaff = []demoStaff{
	{"admin", "平台管理员", "", auth.Roles{auth.PlatformAdmin}},
	{"platform.auditor", "平台审计员", "", auth.Roles{auth.Auditor}},
}

// demoLockKey serialises demo loading across instances (PostgreSQL).
const demoLockKey = 0x67_6b_64_65_6d_6f // "gkdemo"

// LoadDemo fills an empty database with the demo dataset and returns the
// accounts with their generated passwords. A database that already has
// agencies is left alone (loaded=false).
func (c *Core) LoadDemo(ctx context.Context) (creds []Credential, loaded bool, err error) {
	// Instances started together with --demo on one PostgreSQL: one loads.
	if c.DB.Dialect == db.Postgres {
		conn, err := c.DB.W.Conn(ctx)
		if err != nil {
			return nil, false, err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", demoLockKey); err != nil {
			return nil, false, err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", demoLockKey)
	}
	var n int
	if err := c.DB.W.QueryRowContext(ctx, "SELECT COUNT(*) FROM agencies").Scan(&n); err != nil {
		return nil, false, err
	}
	if n > 0 {
		return nil, false, nil
	}
	ids := map[string]int64{}
	divisions := map[string]map[string]int64{}
	err = c.DB.Tx(ctx, func(tx db.Tx) error {
		for i, d := range demoData {
			id, err := c.Agencies.Seed(ctx, tx, agency.NewAgency{Slug: d.slug, Name: d.name, ShortName: d.short, Kind: d.kind,
				ParentID: ids[d.parent], SortOrder: i * 10}, d.settings)
			if err != nil {
				return fmt.Errorf("demo agency %s: %w", d.slug, err)
			}
			ids[d.slug] = id
			divisions[d.slug] = map[string]int64{}
			for j, name := range d.divisions {
				did, err := c.Agencies.SeedDivision(ctx, tx, id, name, (j+1)*10)
				if err != nil {
					return err
				}
				divisions[d.slug][name] = did
			}
		}
		return c.Agencies.SeedDefault(ctx, tx, "mzzj")
	})
	if err != nil {
		return nil, false, err
	}
	op := auth.Operator("serve --demo")
	add := func(agencySlug, agencyName string, s demoStaff) error {
		u, pw, err := c.Auth.CreateUser(ctx, op, auth.NewUser{AgencyID: ids[agencySlug], DivisionID: divisions[agencySlug][s.division],
			Username: s.username, DisplayName: s.name, Email: s.username + "@demo.example.gov.cn", Roles: s.roles})
		if err != nil {
			return fmt.Errorf("demo account %s: %w", s.username, err)
		}
		creds = append(creds, Credential{Agency: agencyName, Username: u.Username, Name: u.DisplayName, Roles: u.Roles.Labels(), Password: pw})
		return nil
	}
	for _, s := range platformStaff {
		if err := add("", "（平台）", s); err != nil {
			return nil, false, err
		}
	}
	for _, d := range demoData {
		for _, s := range d.staff {
			if err := add(d.slug, d.name, s); err != nil {
				return nil, false, err
			}
		}
	}
	// The demo's content is made by the demo's own staff, so the audit log
	// and the items' history show who did what.
	as := func(username string) *auth.Principal {
		u, err := c.Auth.UserByUsername(ctx, username)
		if err != nil {
			return nil
		}
		return &auth.Principal{UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName, AgencyID: u.AgencyID,
			Roles: u.Roles, State: auth.StateActive, IP: "local"}
	}
	editors := map[string]*auth.Principal{"mzzj": as("mzzj.editor")}
	admins := map[string]*auth.Principal{"mzzj": as("mzzj.admin"), "mzzj-yjzx": as("yjzx.admin"), "mzzj-fwzx": as("fwzx.admin"),
		"pudong-mzb": as("pudong.admin"), "huangpu-mzb": as("huangpu.admin")}
	if err := c.loadDemoItems(ctx, editors, admins); err != nil {
		return nil, false, fmt.Errorf("demo items: %w", err)
	}
	if err := c.loadDemoApplications(ctx, ids["mzzj"], as("mzzj.handler"), as("mzzj.approver")); err != nil {
		return nil, false, fmt.Errorf("demo applications: %w", err)
	}
	if err := c.loadDemoConcerns(ctx, ids["mzzj"], divisions["mzzj"], as("mzzj.handler"), as("mzzj.approver")); err != nil {
		return nil, false, fmt.Errorf("demo concerns: %w", err)
	}
	if err := c.loadDemoTopics(ctx, ids["mzzj"], divisions["mzzj"]["宗教工作一处"], as("mzzj.handler"), as("mzzj.approver")); err != nil {
		return nil, false, fmt.Errorf("demo topics: %w", err)
	}
	if err := c.loadDemoDecisions(ctx, ids["mzzj"], divisions["mzzj"], as("mzzj.policy"), as("mzzj.admin")); err != nil {
		return nil, false, fmt.Errorf("demo decisions: %w", err)
	}
	if err := c.loadDemoConsultations(ctx, ids["mzzj"], as("mzzj.policy"), as("mzzj.approver"), as("mzzj.handler")); err != nil {
		return nil, false, fmt.Errorf("demo consultations: %w", err)
	}
	if err := c.loadDemoInterpretations(ctx, ids["mzzj"], as("mzzj.editor"), as("mzzj.reviewer"), as("mzzj.approver")); err != nil {
		return nil, false, fmt.Errorf("demo interpretations: %w", err)
	}
	if err := c.loadDemoNormative(ctx, ids, divisions, as); err != nil {
		return nil, false, fmt.Errorf("demo normative documents: %w", err)
	}
	if err := c.loadDemoStandards(ctx, ids, divisions, as); err != nil {
		return nil, false, fmt.Errorf("demo standard catalogue: %w", err)
	}
	if err := c.loadDemoSurveys(ctx, ids, divisions, as); err != nil {
		return nil, false, fmt.Errorf("demo questionnaires: %w", err)
	}
	if err := c.loadDemoOpenDays(ctx, ids, divisions, as); err != nil {
		return nil, false, fmt.Errorf("demo open days: %w", err)
	}
	if err := c.loadDemoSocialEval(ctx, ids, divisions, as); err != nil {
		return nil, false, fmt.Errorf("demo social evaluation: %w", err)
	}
	if err := c.loadDemoWorkPlatform(ctx, ids, divisions, as); err != nil {
		return nil, false, fmt.Errorf("demo work platform: %w", err)
	}
	if err := c.loadDemoDirectories(ctx, ids, divisions, as); err != nil {
		return nil, false, fmt.Errorf("demo directories: %w", err)
	}
	if err := c.loadDemoAnnualReports(ctx, ids, divisions, as); err != nil {
		return nil, false, fmt.Errorf("demo annual reports: %w", err)
	}
	return creds, true, nil
}
