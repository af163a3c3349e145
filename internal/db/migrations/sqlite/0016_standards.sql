-- 公开标准目录 (国办发〔2019〕54号): each agency's standard disclosure
-- catalogue in the standard column layout, its public change log (动态调
-- 整), the power list (权责清单) and public service list (公共服务事项清单)
-- its entries refer to, and the links from entries to the published items
-- that fulfil them (the coverage monitor reads these).

-- A power-list or service-list item, imported from the agency's list.
CREATE TABLE std_list_items (
    id          INTEGER PRIMARY KEY,
    agency_id   INTEGER NOT NULL REFERENCES agencies(id),
    list        TEXT NOT NULL,            -- power | service
    code        TEXT NOT NULL,            -- 事项编码
    name        TEXT NOT NULL,            -- 事项名称
    category    TEXT NOT NULL DEFAULT '', -- 类别 (行政许可, 行政处罚, 公共服务…)
    basis       TEXT NOT NULL DEFAULT '', -- 依据
    division    TEXT NOT NULL DEFAULT '', -- 承办处室, as the list names it
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (agency_id, list, code)
);

-- An entry of the catalogue. Multi-selects (channels, audiences, modes,
-- levels, five publics) are comma-separated codes. Removed entries stay
-- for the change log and the links' history.
CREATE TABLE std_entries (
    id            INTEGER PRIMARY KEY,
    agency_id     INTEGER NOT NULL REFERENCES agencies(id),
    seq           INTEGER NOT NULL DEFAULT 0,
    l1            TEXT NOT NULL,             -- 一级事项
    l2            TEXT NOT NULL,             -- 二级事项
    content       TEXT NOT NULL DEFAULT '',  -- 公开内容（要素）
    basis         TEXT NOT NULL DEFAULT '',  -- 公开依据
    time_limit    TEXT NOT NULL DEFAULT '',  -- 公开时限, as published
    rule_kind     TEXT NOT NULL DEFAULT 'none', -- none | formed | annual
    rule_days     INTEGER NOT NULL DEFAULT 0,   -- formed: working days after 生成日期
    rule_month    INTEGER NOT NULL DEFAULT 0,   -- annual: the yearly deadline
    rule_day      INTEGER NOT NULL DEFAULT 0,
    monitor_from  DATE,                      -- the monitor counts from this day
    subject       TEXT NOT NULL DEFAULT '',  -- 公开主体
    channels      TEXT NOT NULL DEFAULT '',  -- 公开渠道和载体
    audiences     TEXT NOT NULL DEFAULT '',  -- 公开对象
    modes         TEXT NOT NULL DEFAULT '',  -- 公开方式
    levels        TEXT NOT NULL DEFAULT '',  -- 公开层级
    five_publics  TEXT NOT NULL DEFAULT '',  -- 五公开
    division_id   INTEGER REFERENCES divisions(id),
    list_item_id  INTEGER REFERENCES std_list_items(id),
    removed       BOOLEAN NOT NULL DEFAULT FALSE,
    removed_on    DATE,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX std_entries_agency ON std_entries(agency_id, removed, seq);
-- An entry is named by its two levels within the agency's catalogue (the
-- XLSX import matches on them).
CREATE UNIQUE INDEX std_entries_name ON std_entries(agency_id, l1, l2) WHERE removed = FALSE;

-- The public change log: every addition, change and removal with its date,
-- what changed and why.
CREATE TABLE std_changes (
    id          INTEGER PRIMARY KEY,
    agency_id   INTEGER NOT NULL REFERENCES agencies(id),
    entry_id    INTEGER NOT NULL REFERENCES std_entries(id),
    kind        TEXT NOT NULL,            -- add | edit | remove
    changed_on  DATE NOT NULL,
    l1          TEXT NOT NULL,
    l2          TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL,
    actor       TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX std_changes_agency ON std_changes(agency_id, changed_on, id);
CREATE INDEX std_changes_entry ON std_changes(entry_id, id);

-- The published items that fulfil an entry.
CREATE TABLE std_links (
    entry_id    INTEGER NOT NULL REFERENCES std_entries(id),
    item_id     INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    created_by  INTEGER REFERENCES staff_users(id),
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (entry_id, item_id)
);
CREATE INDEX std_links_item ON std_links(item_id, entry_id);
