#!/usr/bin/env python3
"""jobcheck.py — count job runs in the JSON logs of several gongkai instances
(for scripts/scale/multi-instance.sh).

Input: a file of "INSTANCE<TAB>JSON log line" lines, the scheduler's lines
(component "jobs") of every instance. A run is a "job done", "job failed" or
"job interrupted by shutdown" line (the scheduler logs "job done" at debug
level, so the instances run with GONGKAI_LOG_LEVEL=debug).

  jobcheck.py queued LOG JOB_IDS SMTP_LOG OUTBOX_IDS SUBJECT
      Runs of the queued notify.send jobs whose IDs are in JOB_IDS, and the
      messages the SMTP sink logged (smtp-sink.py) whose subject starts with
      SUBJECT, matched to OUTBOX_IDS by Message-ID. Prints tab-separated:
      jobs, runs, jobs run more than once, jobs never run, instances that
      ran any, runs per instance, mails, mails twice, mails missing, mails
      unknown, examples of bad job IDs.

  jobcheck.py periodic LOG T_UP_MS T_END_MS [SCHEDULE]
      Runs of periodic jobs (lines with a "schedule"), by schedule and the
      minute they ended in (every schedule's period is a minute or longer,
      and a run starts within a poll interval of its period's start, so two
      runs of one schedule in one minute are two runs of one period).
      SCHEDULE (default disclosure.publish_due, every minute) must have run
      in every minute whose start lies inside (T_UP + 2 s, T_END - 3 s).
      Prints tab-separated: runs, minutes expected, minutes missed,
      duplicates ("name@HH:MM×n" or "-"), runs per instance, schedules seen.
"""

import collections
import datetime
import json
import re
import sys

RUN_MSGS = ("job done", "job failed", "job interrupted by shutdown")


def records(path):
    for line in open(path, encoding="utf-8"):
        inst, _, js = line.partition("\t")
        try:
            yield inst, json.loads(js)
        except ValueError:
            continue


def epoch(s):
    """RFC 3339 time with up to 9 fraction digits, as Go's slog writes it."""
    head, _, rest = s.partition(".")
    frac, tz = rest, ""
    for i, c in enumerate(rest):
        if not c.isdigit():
            frac, tz = rest[:i], rest[i:]
            break
    if not rest:  # no fraction: the zone follows the seconds
        head, tz = s[:19], s[19:]
    tz = "+00:00" if tz in ("Z", "") else tz
    return datetime.datetime.fromisoformat(head + "." + (frac + "000000")[:6] + tz).timestamp()


def queued(log, job_ids, smtp_log, outbox_ids, subj):
    ids = {int(x) for x in open(job_ids).read().split()}
    oids = {int(x) for x in open(outbox_ids).read().split()}
    runs = collections.Counter()
    per_inst = collections.Counter()
    for inst, r in records(log):
        if r.get("job") == "notify.send" and r.get("msg") in RUN_MSGS and r.get("id") in ids:
            runs[r["id"]] += 1
            per_inst[inst] += 1
    mails = collections.Counter()
    for line in open(smtp_log, encoding="utf-8"):
        mid, _, s = line.rstrip("\n").partition("\t")
        if s.startswith(subj + " "):
            m = re.match(r"<gongkai\.outbox\.(\d+)\.", mid)
            mails[int(m.group(1)) if m else -1] += 1
    twice = sorted(i for i, n in runs.items() if n > 1)
    never = sorted(ids - set(runs))
    mail_twice = sorted(i for i, n in mails.items() if n > 1)
    mail_never = sorted(oids - set(mails))
    mail_other = sorted(set(mails) - oids)
    print(len(ids), sum(runs.values()), len(twice), len(never), len(per_inst),
          " ".join("%s:%d" % kv for kv in sorted(per_inst.items())) or "-",
          sum(mails.values()), len(mail_twice), len(mail_never), len(mail_other),
          ",".join(map(str, (twice + never)[:10])) or "-", sep="\t")


def periodic(log, t_up_ms, t_end_ms, tick="disclosure.publish_due"):
    t_up, t_end = int(t_up_ms) / 1000, int(t_end_ms) / 1000
    runs = collections.defaultdict(list)  # (schedule, minute) -> instances
    for inst, r in records(log):
        if "schedule" in r and r.get("msg") in RUN_MSGS:
            runs[(r["schedule"], int(epoch(r["time"]) // 60))].append(inst)
    dups = sorted("%s@%s×%d" % (s, datetime.datetime.fromtimestamp(m * 60, datetime.timezone.utc).strftime("%H:%M"), len(v))
                  for (s, m), v in runs.items() if len(v) > 1)
    want = [m for m in range(int(t_up // 60), int(t_end // 60) + 1) if t_up + 2 < m * 60 < t_end - 3]
    missing = [m for m in want if (tick, m) not in runs]
    by = collections.Counter(i for v in runs.values() for i in v)
    names = sorted({s for (s, m) in runs})
    print(sum(len(v) for v in runs.values()), len(want), len(missing), " ".join(dups) or "-",
          " ".join("%s:%d" % kv for kv in sorted(by.items())) or "-", " ".join(names) or "-", sep="\t")


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "queued" and len(sys.argv) == 7:
        queued(*sys.argv[2:])
    elif len(sys.argv) >= 2 and sys.argv[1] == "periodic" and len(sys.argv) in (5, 6):
        periodic(*sys.argv[2:])
    else:
        sys.exit(__doc__)
