package app

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"time"

	"github.com/gongkai/gongkai/internal/auth"
	"github.com/gongkai/gongkai/internal/civil"
	dirpkg "github.com/gongkai/gongkai/internal/directory"
)

// The demo directories of 上海市民族和宗教事务局 and its two district
// offices. Venue names are those of well-known Shanghai venues; their
// registration numbers, persons in charge, telephone numbers and every
// outlet and clergy record are invented. The city bureau keeps the venues
// of the districts without their own office on the platform, 浦东 and 黄浦
// keep theirs; each entry was verified on a different day over the last
// year, a few more than 12 months ago (stale: they show in the to-dos). One
// venue is closed for repairs now (a notice in force), another announces
// changed hours next week, a third had a closure that has ended.
const (
	demoClosedVenue    = "龙华寺"
	demoScheduledVenue = "玉佛禅寺"
	demoStaleVenue     = "真如寺"
	demoClergyName     = "释明远"
	demoClergyNumber   = "FJ31012019001"
	demoSignNumber     = "沪清真2024-0101"
)

type demoVenue struct {
	religion, name, kind, district, address, leader, opening, phone string
}

var demoVenues = []demoVenue{
	{"佛教", "玉佛禅寺", "寺观教堂", "普陀区", "安远路170号", "释觉明", "每日 8:00—16:30", "021-62660001"},
	{"佛教", "静安寺", "寺观教堂", "静安区", "南京西路1686号", "释慧光", "每日 7:30—17:00", "021-62560002"},
	{"佛教", demoClosedVenue, "寺观教堂", "徐汇区", "龙华路2853号", "释照空", "每日 7:00—16:30", "021-64570003"},
	{"佛教", demoStaleVenue, "寺观教堂", "普陀区", "兰溪路399号", "释净源", "每日 8:00—16:00", ""},
	{"佛教", "沉香阁", "寺观教堂", "黄浦区", "沉香阁路29号", "释妙音", "每日 7:00—16:00", "021-63280005"},
	{"佛教", "宝山寺", "寺观教堂", "宝山区", "罗店镇联杨路2号", "释宏法", "每日 7:30—16:30", ""},
	{"佛教", "东林寺", "寺观教堂", "金山区", "朱泾镇东林街", "释觉正", "每日 7:00—16:30", ""},
	{"佛教", "圆明讲堂", "寺观教堂", "静安区", "延长中路1号", "释圆慧", "每日 8:00—16:00", ""},
	{"佛教", "潮音庵", "寺观教堂", "浦东新区", "新场镇潮音庵路1号", "释常悟", "每日 7:00—16:00", ""},
	{"佛教", "清凉禅寺", "寺观教堂", "浦东新区", "川沙镇城南路88号", "释清远", "每日 7:30—16:30", "021-58920010"},
	{"佛教", "寿安寺", "寺观教堂", "崇明区", "城桥镇寺前街", "释宽明", "每日 7:00—16:00", ""},
	{"佛教", "云翔寺", "寺观教堂", "嘉定区", "南翔镇解放街", "释德祥", "每日 7:00—16:30", ""},
	{"佛教", "西林禅寺", "寺观教堂", "松江区", "中山中路666号", "释永照", "每日 7:00—16:30", ""},
	{"道教", "上海城隍庙", "寺观教堂", "黄浦区", "方浜中路249号", "吉宏忠", "每日 8:30—16:30", "021-63860014"},
	{"道教", "白云观", "寺观教堂", "黄浦区", "大境路239号", "陈莲笙", "每日 8:00—16:30", ""},
	{"道教", "钦赐仰殿", "寺观教堂", "浦东新区", "源深路476号", "丁常云", "每日 8:00—16:00", "021-58850016"},
	{"道教", "崇福道院", "寺观教堂", "浦东新区", "周浦镇东大街", "张宏道", "每日 8:00—16:00", ""},
	{"道教", "东岳庙", "寺观教堂", "松江区", "岳庙街", "李玄清", "每日 8:00—16:00", ""},
	{"道教", "青浦城隍庙", "寺观教堂", "青浦区", "城中南路", "刘守真", "每日 8:00—16:00", ""},
	{"道教", "太清宫", "寺观教堂", "浦东新区", "康桥镇秀浦路", "王崇德", "每日 8:00—16:00", ""},
	{"伊斯兰教", "小桃园清真寺", "寺观教堂", "黄浦区", "小桃园街52号", "马伊斯玛", "每日五次礼拜，参观 9:00—11:00、14:00—16:00", "021-63770021"},
	{"伊斯兰教", "福佑路清真寺", "寺观教堂", "黄浦区", "福佑路378号", "哈德成", "每日五次礼拜，主麻日 12:30 聚礼", ""},
	{"伊斯兰教", "沪西清真寺", "寺观教堂", "普陀区", "常德路1328号", "金耀祖", "每日五次礼拜", "021-62760023"},
	{"伊斯兰教", "浦东清真寺", "寺观教堂", "浦东新区", "源深路300号", "杨志华", "每日五次礼拜，主麻日 12:30 聚礼", ""},
	{"伊斯兰教", "松江清真寺", "寺观教堂", "松江区", "中山中路缸甏巷75号", "白文清", "每日五次礼拜，参观 9:00—16:00", ""},
	{"伊斯兰教", "嘉定清真寺", "寺观教堂", "嘉定区", "清河路", "马俊", "每日五次礼拜", ""},
	{"伊斯兰教", "闵行穆斯林礼拜点", "其他固定处所", "闵行区", "莘庄镇莘北路", "丁建国", "主麻日 12:30 聚礼", ""},
	{"天主教", "徐家汇天主堂", "寺观教堂", "徐汇区", "蒲西路158号", "沈保智", "弥撒：主日 6:00、8:00、10:00；参观 周六 9:00—16:00", "021-64690028"},
	{"天主教", "佘山圣母大殿", "寺观教堂", "松江区", "佘山镇西佘山", "蔡忠贤", "每日 8:00—16:00", ""},
	{"天主教", "董家渡天主堂", "寺观教堂", "黄浦区", "董家渡路175号", "陆耀华", "主日弥撒 7:00", ""},
	{"天主教", "洋泾浜圣若瑟堂", "寺观教堂", "黄浦区", "四川南路36号", "吴建林", "主日弥撒 7:30、9:30", ""},
	{"天主教", "唐墓桥天主堂", "寺观教堂", "浦东新区", "三林镇唐墓桥", "朱永成", "主日弥撒 8:00", ""},
	{"天主教", "张家楼天主堂", "寺观教堂", "浦东新区", "张杨路1230号", "金鲁贤", "主日弥撒 8:00", ""},
	{"天主教", "圣伯多禄堂", "寺观教堂", "黄浦区", "重庆南路270号", "周德明", "主日弥撒 9:00", ""},
	{"基督教", "国际礼拜堂", "寺观教堂", "徐汇区", "衡山路53号", "孙海英", "主日礼拜 7:30、10:00、14:00", "021-64376576"},
	{"基督教", "沐恩堂", "寺观教堂", "黄浦区", "西藏中路316号", "顾约瑟", "主日礼拜 7:30、10:00", "021-63225069"},
	{"基督教", "鸿德堂", "寺观教堂", "虹口区", "多伦路59号", "谢以琳", "主日礼拜 9:00", ""},
	{"基督教", "景灵堂", "寺观教堂", "虹口区", "昆山路135号", "许明道", "主日礼拜 8:00、10:00", ""},
	{"基督教", "怀恩堂", "寺观教堂", "静安区", "陕西北路375号", "庄恩慈", "主日礼拜 7:30、10:00、19:00", ""},
	{"基督教", "清心堂", "寺观教堂", "黄浦区", "大昌街30号", "钱以诺", "主日礼拜 8:00", ""},
	{"基督教", "川沙基督教堂", "寺观教堂", "浦东新区", "川沙镇新川路", "严信望", "主日礼拜 9:00", ""},
	{"基督教", "莘庄基督教聚会点", "其他固定处所", "闵行区", "莘庄镇沁春路", "葛以马", "主日礼拜 9:30", ""},
	{"基督教", "江湾堂", "寺观教堂", "杨浦区", "殷行路", "范恩典", "主日礼拜 9:00", ""},
	{"基督教", "长宁堂聚会点", "其他固定处所", "长宁区", "天山路", "屠以利", "已注销", ""},
}

type demoOutlet struct {
	name, category, district, address string
	supply                            bool
	status                            string
}

var demoOutlets = []demoOutlet{
	{"伊兰清真餐厅", "饮食", "黄浦区", "福佑路258号", true, dirpkg.OutletValid},
	{"西域香清真饭店", "饮食", "黄浦区", "云南南路88号", false, dirpkg.OutletValid},
	{"穆斯林牛羊肉店", "副食品", "黄浦区", "小桃园街40号", true, dirpkg.OutletValid},
	{"回味清真小吃", "饮食", "黄浦区", "河南南路66号", false, dirpkg.OutletReturned},
	{"天山清真食品厂", "食品", "浦东新区", "康桥东路1000号", false, dirpkg.OutletValid},
	{"源深清真牛羊肉专卖", "副食品", "浦东新区", "源深路310号", true, dirpkg.OutletValid},
	{"浦东清真拉面馆", "饮食", "浦东新区", "张杨路800号", false, dirpkg.OutletValid},
	{"金桥清真糕点坊", "食品", "浦东新区", "金桥路120号", false, dirpkg.OutletRevoked},
	{"沪西清真饭店", "饮食", "普陀区", "常德路1300号", true, dirpkg.OutletValid},
	{"长寿路清真牛肉面", "饮食", "普陀区", "长寿路500号", false, dirpkg.OutletValid},
	{"静安清真食品商店", "副食品", "静安区", "江宁路400号", true, dirpkg.OutletValid},
	{"徐汇清真餐厅", "饮食", "徐汇区", "漕溪北路200号", false, dirpkg.OutletValid},
	{"松江清真牛羊肉店", "副食品", "松江区", "中山中路80号", true, dirpkg.OutletValid},
	{"松江清真面点", "食品", "松江区", "谷阳北路50号", false, dirpkg.OutletValid},
	{"嘉定清真饭庄", "饮食", "嘉定区", "清河路30号", false, dirpkg.OutletValid},
	{"闵行清真快餐", "饮食", "闵行区", "莘松路100号", false, dirpkg.OutletValid},
	{"虹口清真食品店", "副食品", "虹口区", "四川北路900号", false, dirpkg.OutletValid},
	{"杨浦清真餐厅", "饮食", "杨浦区", "五角场国定路", false, dirpkg.OutletValid},
	{"宝山清真牛羊肉", "副食品", "宝山区", "友谊路60号", false, dirpkg.OutletValid},
	{"长宁清真面馆", "饮食", "长宁区", "天山路300号", false, dirpkg.OutletValid},
	{"虹桥站清真餐厅", "饮食", "闵行区", "虹桥火车站出发层", false, dirpkg.OutletValid},
	{"浦东机场清真餐厅", "饮食", "浦东新区", "浦东国际机场T2航站楼", false, dirpkg.OutletValid},
}

type demoCleric struct {
	name, religiousName, religion, number, venue string
	filed                                        string
	status                                       string
	photo                                        bool
}

var demoClergy = []demoCleric{
	{"张明远", demoClergyName, "佛教", demoClergyNumber, "玉佛禅寺", "2019-03-12", dirpkg.ClergyFiled, true},
	{"李慧光", "释慧光", "佛教", "FJ31012019002", "静安寺", "2019-05-20", dirpkg.ClergyFiled, false},
	{"王照空", "释照空", "佛教", "FJ31012020003", "龙华寺", "2020-06-08", dirpkg.ClergyFiled, false},
	{"陈道明", "陈玄明", "道教", "DJ31012018001", "上海城隍庙", "2018-09-01", dirpkg.ClergyFiled, true},
	{"刘守一", "刘守一", "道教", "DJ31012021002", "白云观", "2021-04-15", dirpkg.ClergyFiled, false},
	{"马俊杰", "", "伊斯兰教", "YS31012017001", "小桃园清真寺", "2017-11-03", dirpkg.ClergyFiled, false},
	{"哈文华", "", "伊斯兰教", "YS31012022002", "沪西清真寺", "2022-02-18", dirpkg.ClergyFiled, false},
	{"沈若望", "若望", "天主教", "TZ31012016001", "徐家汇天主堂", "2016-08-22", dirpkg.ClergyFiled, false},
	{"朱保禄", "保禄", "天主教", "TZ31012023002", "唐墓桥天主堂", "2023-07-09", dirpkg.ClergyFiled, false},
	{"孙恩慈", "", "基督教", "JD31012015001", "国际礼拜堂", "2015-12-01", dirpkg.ClergyFiled, false},
	{"顾约翰", "", "基督教", "JD31012019002", "沐恩堂", "2019-10-10", dirpkg.ClergyFiled, false},
	{"周清平", "释清平", "佛教", "FJ31012014009", "圆明讲堂", "2014-04-04", dirpkg.ClergyCancelled, false},
}

// demoPhoto is a plain portrait placeholder (a head and shoulders).
func demoPhoto(shade uint8) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 120, 160))
	bg := color.RGBA{220, 228, 240, 255}
	fg := color.RGBA{shade, shade, shade + 20, 255}
	for y := 0; y < 160; y++ {
		for x := 0; x < 120; x++ {
			dx, dy := x-60, y-60
			switch {
			case dx*dx+dy*dy < 28*28:
				img.Set(x, y, fg)
			case y > 105 && dx*dx < (y-95)*(y-95)*2:
				img.Set(x, y, fg)
			default:
				img.Set(x, y, bg)
			}
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

func (c *Core) loadDemoDirectories(ctx context.Context, ids map[string]int64, divisions map[string]map[string]int64, as func(string) *auth.Principal) error {
	city, pudong, huangpu := as("mzzj.editor"), as("pudong.editor"), as("huangpu.editor")
	admin := as("mzzj.admin")
	if city == nil || admin == nil {
		return nil
	}
	base := c.Directories
	today := civil.Of(base.Now())
	at := func(d civil.Date, hour int) *dirpkg.Service {
		s := *base
		t := time.Date(d.Year, d.Month, d.Day, hour, 0, 0, 0, civil.Shanghai)
		s.Now = func() time.Time { return t }
		return &s
	}
	// The religious-affairs divisions answer for the venues and clergy,
	// the ethnic-affairs division for halal food.
	div := divisions["mzzj"]
	for _, set := range []struct {
		k   dirpkg.Kind
		div string
	}{{dirpkg.Venues, "宗教工作一处"}, {dirpkg.Clergy, "宗教工作二处"}, {dirpkg.Outlets, "民族工作二处"}} {
		if err := base.SetSettings(ctx, admin, set.k, div[set.div], "12"); err != nil {
			return fmt.Errorf("demo directory settings: %w", err)
		}
	}
	owner := func(district string) *auth.Principal {
		switch {
		case district == "浦东新区" && pudong != nil:
			return pudong
		case district == "黄浦区" && huangpu != nil:
			return huangpu
		}
		return city
	}
	// verifiedAgo spreads the last verifications over the year; every
	// eleventh entry is 13 to 15 months old.
	verifiedAgo := func(i int) int {
		if i%11 == 3 {
			return 395 + i%3*30
		}
		return 5 + (i*37)%330
	}
	venues := map[string]*dirpkg.Entry{}
	for i, v := range demoVenues {
		p := owner(v.district)
		status := dirpkg.VenueRegistered
		opening := v.opening
		if opening == "已注销" {
			status, opening = dirpkg.VenueCancelled, ""
		}
		vals := dirpkg.Values{"religion": v.religion, "name": v.name, "venue_type": v.kind, "number": fmt.Sprintf("沪宗场证%04d", 101+i),
			"district": v.district, "address": "上海市" + v.district + v.address, "leader": v.leader, "opening": opening, "phone": v.phone, "status": status}
		if v.name == demoStaleVenue {
			vals["note"] = "负责人联系手机 13901234567（内部）"
		}
		day := today.AddDays(-verifiedAgo(i))
		if v.name == demoStaleVenue {
			day = today.AddDays(-400)
		}
		in := dirpkg.Input{Values: vals, VerifiedOn: day.String()}
		if p == city {
			in.DivisionID = div["宗教工作一处"]
		}
		e, err := at(day, 10).Create(ctx, p, dirpkg.Venues, in)
		if err != nil {
			return fmt.Errorf("demo venue %s: %w", v.name, err)
		}
		venues[v.name] = e
	}
	// Changes that show in the public list of recent updates.
	if e := venues["静安寺"]; e != nil {
		vals := cloneValues(e.Values)
		vals["opening"] = "每日 7:30—17:00；农历初一、十五 6:00 开放"
		day := today.AddDays(-3)
		if err := at(day, 9).Update(ctx, city, dirpkg.Venues, e.ID, dirpkg.Input{Values: vals, DivisionID: e.DivisionID, Version: e.Version, VerifiedOn: day.String()}); err != nil {
			return fmt.Errorf("demo venue update: %w", err)
		}
	}
	// 龙华寺 closed for repairs since five days ago for three weeks; 玉佛禅寺
	// opens early for a festival next week; 上海城隍庙 had a closure that
	// ended last month.
	notices := []struct {
		venue      string
		p          *auth.Principal
		kind       dirpkg.NoticeKind
		from, to   int
		text       string
		scheduleAt int
	}{
		{demoClosedVenue, city, dirpkg.ClosureNotice, -5, 16, "因大雄宝殿修缮，暂停对外开放，期间不接待团体参访。恢复开放时间以本通知为准。", -6},
		{demoScheduledVenue, city, dirpkg.HoursNotice, 7, 9, "法会期间开放时间调整为 6:00—17:30，请有序入寺。", -1},
		{"上海城隍庙", huangpu, dirpkg.ClosureNotice, -40, -33, "因配合周边道路施工，暂停对外开放。", -45},
	}
	for _, n := range notices {
		e := venues[n.venue]
		if e == nil || n.p == nil {
			continue
		}
		if _, err := at(today.AddDays(n.scheduleAt), 11).AddNotice(ctx, n.p, e.ID, dirpkg.NoticeInput{Kind: string(n.kind),
			StartsOn: today.AddDays(n.from).String(), EndsOn: today.AddDays(n.to).String(), Text: n.text}); err != nil {
			return fmt.Errorf("demo notice %s: %w", n.venue, err)
		}
	}
	issuer := func(district string) string {
		switch district {
		case "浦东新区":
			return "浦东新区民族和宗教事务办公室"
		case "黄浦区":
			return "黄浦区民族和宗教事务办公室"
		}
		if district == "闵行区" || district == "" {
			return "上海市民族和宗教事务局"
		}
		return district + "民族和宗教事务办公室"
	}
	outlets := map[string]*dirpkg.Entry{}
	for i, o := range demoOutlets {
		p := owner(o.district)
		number := fmt.Sprintf("沪清真2024-%04d", 101+i)
		supply := ""
		if o.supply {
			supply = "1"
		}
		vals := dirpkg.Values{"name": o.name, "category": o.category, "number": number, "district": o.district,
			"address": "上海市" + o.district + o.address, "issuer": issuer(o.district), "supply_point": supply, "status": dirpkg.OutletValid}
		if o.name == "虹桥站清真餐厅" || o.name == "浦东机场清真餐厅" {
			vals["issuer"] = "上海市民族和宗教事务局"
		}
		day := today.AddDays(-verifiedAgo(i + 7))
		in := dirpkg.Input{Values: vals, VerifiedOn: day.String()}
		if p == city {
			in.DivisionID = div["民族工作二处"]
		}
		e, err := at(day, 14).Create(ctx, p, dirpkg.Outlets, in)
		if err != nil {
			return fmt.Errorf("demo outlet %s: %w", o.name, err)
		}
		outlets[o.name] = e
		if o.status != dirpkg.OutletValid {
			vals := cloneValues(e.Values)
			vals["status"] = o.status
			when := today.AddDays(-2 - i%5)
			if err := at(when, 15).Update(ctx, p, dirpkg.Outlets, e.ID, dirpkg.Input{Values: vals, DivisionID: e.DivisionID, Version: e.Version}); err != nil {
				return fmt.Errorf("demo outlet status: %w", err)
			}
		}
	}
	for i, cl := range demoClergy {
		day := today.AddDays(-verifiedAgo(i + 3))
		vals := dirpkg.Values{"name": cl.name, "religious_name": cl.religiousName, "religion": cl.religion, "number": cl.number,
			"venue": cl.venue, "filed_on": cl.filed, "status": cl.status}
		e, err := at(day, 16).Create(ctx, admin, dirpkg.Clergy, dirpkg.Input{Values: vals, VerifiedOn: day.String(), DivisionID: div["宗教工作二处"]})
		if err != nil {
			return fmt.Errorf("demo clergy %s: %w", cl.name, err)
		}
		if cl.photo && c.Blobs != nil {
			if err := base.SetPhoto(ctx, admin, e.ID, dirpkg.Upload{Name: "photo.png", Reader: bytes.NewReader(demoPhoto(uint8(70 + 30*i%90)))}); err != nil {
				return fmt.Errorf("demo clergy photo: %w", err)
			}
		}
	}
	return nil
}

func cloneValues(v dirpkg.Values) dirpkg.Values {
	out := dirpkg.Values{}
	for k, x := range v {
		out[k] = x
	}
	return out
}
