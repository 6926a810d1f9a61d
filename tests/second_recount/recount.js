#!/usr/bin/env node
// A second recount of a cite-vote log, written from docs/results-log.md alone (not from
// cite_vote/recount.py): if the two ever disagree on a log, the spec is ambiguous or one of
// them is wrong. Node's standard library only.
//
//   node recount.js log.json [--head N:HASH ...]
//
// Prints one JSON object: {"ok": bool, "challenges": [{"position", "ok", "seal", "ranking",
// "problems"}]} and exits 0 when everything matches, 1 when something does not, 2 on a wrong
// command line.
"use strict";

const crypto = require("node:crypto");
const fs = require("node:fs");

const KINDS = ["phone", "ticket", "assisted"];

function sealOf(c) {
  const t = c.turnout;
  const hasSheets = Object.prototype.hasOwnProperty.call(c, "sheets");
  const fields = [
    hasSheets ? "cite-vote/record/3" : "cite-vote/record/2",
    c.seal.prev,
    c.seal.closing,
    c.id,
    c.position,
    c.title,
    c.closed_at,
    c.rule.budget,
    c.rule.cap,
    c.ideas.map((i) => [i.idea_id, i.title, i.status, i.merged_into, i.proposed_at]),
    c.ballots.map((b) => [b.receipt, b.kind, b.dots.map((d) => [d.idea, d.dots])]),
    ...(hasSheets ? [c.sheets.map((s) => [s.sheet, s.people, s.dots.map((d) => [d.idea, d.dots])])] : []),
    c.moves.map((m) => [m.kind, m.idea, m.into, m.dots_moved, m.dots_refunded]),
    c.ranking.map((r) => [r.rank, r.tied, r.idea_id, r.dots, r.supporters]),
    [
      t.participants,
      t.joined_by_phone,
      t.bound_to_ticket,
      t.made_by_staff,
      t.tickets_printed,
      KINDS.map((k) => t.ballots[k]),
    ],
  ];
  return crypto.createHash("sha256").update(JSON.stringify(fields), "utf8").digest("hex");
}

function isWhole(n) {
  return Number.isInteger(n) && n >= 0;
}

function ascending(list, key) {
  for (let i = 1; i < list.length; i++) {
    const a = key(list[i - 1]);
    const b = key(list[i]);
    if (!(a < b)) return false;
  }
  return true;
}

function recountRanking(c) {
  const dots = new Map();
  const supporters = new Map();
  // A printed sheet is one ballot: one supporter of each idea it gives dots to.
  for (const b of c.ballots.concat(c.sheets || [])) {
    for (const d of b.dots) {
      if (d.dots > 0) {
        dots.set(d.idea, (dots.get(d.idea) || 0) + d.dots);
        supporters.set(d.idea, (supporters.get(d.idea) || 0) + 1);
      }
    }
  }
  const rows = c.ideas
    .filter((i) => i.status === "visible")
    .map((i) => ({
      idea_id: i.idea_id,
      dots: dots.get(i.idea_id) || 0,
      supporters: supporters.get(i.idea_id) || 0,
      proposed_at: i.proposed_at,
    }));
  rows.sort((a, b) => {
    if (a.dots !== b.dots) return b.dots - a.dots;
    if (a.supporters !== b.supporters) return b.supporters - a.supporters;
    if (a.proposed_at !== b.proposed_at) return a.proposed_at < b.proposed_at ? -1 : 1;
    return a.idea_id - b.idea_id;
  });
  const out = [];
  rows.forEach((row, n) => {
    const before = out[out.length - 1];
    const same = before && before.dots === row.dots && before.supporters === row.supporters;
    out.push({
      rank: same ? before.rank : n + 1,
      tied: false,
      idea_id: row.idea_id,
      dots: row.dots,
      supporters: row.supporters,
    });
  });
  for (const row of out) {
    row.tied = out.filter((r) => r.rank === row.rank).length > 1;
  }
  return out;
}

function check(c) {
  const problems = [];
  if (c.seal === null) {
    return { seal: null, ranking: [], problems: ["no sealed record"] };
  }
  const seal = sealOf(c);
  if (seal !== c.seal.head) problems.push("seal does not match the record");
  if (!(isWhole(c.seal.closing) && c.seal.closing >= 1)) problems.push("bad closing number");
  if (!/^[0-9a-f]{64}$/.test(c.seal.prev)) problems.push("bad previous seal");
  else if (c.seal.closing === 1 && c.seal.prev !== "0".repeat(64)) {
    problems.push("first closing must follow 64 zeros");
  }
  if (!ascending(c.ideas, (i) => i.idea_id)) problems.push("ideas out of order");
  const status = new Map(c.ideas.map((i) => [i.idea_id, i]));

  if (!ascending(c.ballots, (b) => b.receipt)) problems.push("ballots out of order");
  const marked = new Map();
  for (const b of c.ballots) {
    marked.set(b.kind, (marked.get(b.kind) || 0) + 1);
    if (b.kind !== null && !KINDS.includes(b.kind)) problems.push(`${b.receipt}: unknown kind`);
    if (!ascending(b.dots, (d) => d.idea)) problems.push(`${b.receipt}: ideas out of order`);
    let total = 0;
    for (const d of b.dots) {
      if (!(isWhole(d.dots) && d.dots > 0)) problems.push(`${b.receipt}: bad dots`);
      if (d.dots > c.rule.cap) problems.push(`${b.receipt}: over the cap`);
      const idea = status.get(d.idea);
      if (!idea || idea.status !== "visible") problems.push(`${b.receipt}: idea not visible`);
      total += d.dots;
    }
    if (total > c.rule.budget) problems.push(`${b.receipt}: over the budget`);
  }
  if (c.sheets !== undefined) {
    if (c.sheets.length === 0) problems.push("sheets listed empty");
    if (!c.sheets.every((s) => isWhole(s.sheet) && s.sheet >= 1)) problems.push("bad sheet number");
    else if (!ascending(c.sheets, (s) => s.sheet)) problems.push("sheets out of order");
    for (const s of c.sheets) {
      if (!(isWhole(s.people) && s.people >= 1)) {
        problems.push(`sheet ${s.sheet}: bad people`);
        continue;
      }
      if (!ascending(s.dots, (d) => d.idea)) problems.push(`sheet ${s.sheet}: ideas out of order`);
      let total = 0;
      for (const d of s.dots) {
        if (!(isWhole(d.dots) && d.dots > 0)) problems.push(`sheet ${s.sheet}: bad dots`);
        if (d.dots > s.people * c.rule.cap) problems.push(`sheet ${s.sheet}: over the cap`);
        const idea = status.get(d.idea);
        if (!idea || idea.status !== "visible") problems.push(`sheet ${s.sheet}: idea not visible`);
        total += d.dots;
      }
      if (total > s.people * c.rule.budget) problems.push(`sheet ${s.sheet}: over the budget`);
    }
  }
  const t = c.turnout;
  const counted = KINDS.reduce((sum, k) => sum + t.ballots[k], 0);
  if (counted !== c.ballots.length) problems.push("turnout ballots differ from the list");
  if (marked.has(null) && marked.size > 1) problems.push("kinds given for some ballots only");
  if (!marked.has(null)) {
    for (const k of KINDS) {
      if ((marked.get(k) || 0) !== t.ballots[k]) problems.push(`${k} ballots differ`);
    }
  }
  if (t.ballots.phone > t.joined_by_phone) problems.push("more phone ballots than phones");
  if (t.ballots.ticket > t.bound_to_ticket) problems.push("more ticket ballots than tickets");
  if (t.ballots.assisted > t.made_by_staff) problems.push("more assisted ballots than people");
  if (t.bound_to_ticket > t.tickets_printed) problems.push("more tickets used than printed");
  if (t.participants !== t.joined_by_phone + t.bound_to_ticket + t.made_by_staff) {
    problems.push("participants are not the sum of their kinds");
  }

  if (!ascending(c.moves, (m) => `${m.kind}\u0000${String(m.idea).padStart(20, "0")}`)) {
    problems.push("moves out of order");
  }
  for (const m of c.moves) {
    const idea = status.get(m.idea);
    if (!["merge", "hide"].includes(m.kind)) problems.push("unknown move");
    else if (!isWhole(m.dots_moved) || !isWhole(m.dots_refunded)) problems.push("bad move dots");
    else if (!idea) problems.push("move of an unknown idea");
    else if (m.kind === "merge" && (idea.status !== "merged" || idea.merged_into !== m.into)) {
      problems.push("merge does not match the idea");
    } else if (m.kind === "hide" && (m.into !== null || m.dots_moved !== 0)) {
      problems.push("hide moved dots");
    } else if (m.kind === "hide" && !["hidden", "visible"].includes(idea.status)) {
      problems.push("hide of an idea neither hidden nor restored");
    }
  }

  const ranking = recountRanking(c);
  const fields = ["idea_id", "rank", "tied", "dots", "supporters"];
  if (ranking.length !== c.ranking.length) problems.push("ranking length differs");
  ranking.forEach((row, n) => {
    const published = c.ranking[n] || {};
    if (fields.some((f) => row[f] !== published[f])) problems.push(`ranking line ${n + 1}`);
  });
  return { seal, ranking, problems };
}

function main(argv) {
  const heads = new Map();
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--head") heads.set(...argv[++i].split(":", 2));
    else files.push(argv[i]);
  }
  const log = JSON.parse(fs.readFileSync(files[0], "utf8"));
  if (log.format !== "cite-vote/log" || ![2, 3].includes(log.version)) {
    process.stdout.write(JSON.stringify({ ok: false, challenges: [] }) + "\n");
    return 1;
  }
  const positions = new Set(log.challenges.map((c) => String(c.position)));
  for (const [n, hash] of heads) {
    if (!positions.has(n) || !/^[0-9a-f]{12,64}$/.test((hash || "").toLowerCase())) {
      process.stderr.write(`bad --head ${n}:${hash}\n`);
      return 2;
    }
  }
  const out = log.challenges.map((c) => {
    const result = check(c);
    if (c.sheets !== undefined && log.version < 3) result.problems.push("sheets need version 3");
    const printed = heads.get(String(c.position));
    if (printed && !(result.seal || "").startsWith(printed.toLowerCase())) {
      result.problems.push("not the printed seal");
    }
    return { position: c.position, ok: result.problems.length === 0, ...result };
  });
  const ok = out.every((c) => c.ok);
  process.stdout.write(JSON.stringify({ ok, challenges: out }) + "\n");
  return ok ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
