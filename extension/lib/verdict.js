/**
 * From an Analysis (docs/CONTRACT.md) to what the user sees: the action badge and
 * the verdict in words. Pure: no browser API.
 */

export const BADGES = Object.freeze({
  T1: Object.freeze({ text: 'T1', color: '#1a7f37', title: 'Links to your site (tier 1)' }),
  LOST: Object.freeze({ text: 'LOST', color: '#cf222e', title: 'A stored backlink from this page is gone' }),
  T2: Object.freeze({ text: 'T2', color: '#0969da', title: 'A tier-2 spot, or already links to one of your tier-1 pages' }),
  NONE: Object.freeze({ text: '', color: '#57606a', title: 'Nothing of note on this page' }),
  OFF: Object.freeze({ text: 'OFF', color: '#6e7781', title: 'Tierlink companion not reachable or not paired' }),
  PROBLEM: Object.freeze({ text: '!', color: '#bc4c00', title: 'The Tierlink companion reports a problem' }),
});

const has = (analysis, label) => Array.isArray(analysis?.labels) && analysis.labels.includes(label);

/**
 * The badge for an Analysis. Order matters: a page that links to me is `T1`
 * even when it is also a tier-2 spot; a lost link is `LOST` unless the page
 * (still or again) links to me; a lost placement (my tier-2 link) is always `LOST`.
 */
export function badgeFor(analysis) {
  if (!analysis || typeof analysis !== 'object') return BADGES.NONE;
  if (has(analysis, 'placement_lost')) return BADGES.LOST; // a tier-2 link I built is gone: act on it
  if (has(analysis, 'tier1')) return BADGES.T1;
  if (has(analysis, 'link_lost')) return BADGES.LOST;
  if (has(analysis, 'tier2_opportunity') || has(analysis, 'tier2_existing')) return BADGES.T2;
  return BADGES.NONE;
}

/**
 * The badge for a stored tab state: {analysis} or {error: {kind}}, with the
 * companion's `health` when known. A companion that runs but reports a problem
 * (`/api/health` status `degraded`) shows `!` with its message, whatever the page:
 * a green T1 would hide that its verdicts may be wrong or its saves fail.
 */
export function badgeForState(state) {
  if (!state) return BADGES.NONE;
  if (state.error && OFF_KINDS.has(state.error.kind)) return BADGES.OFF;
  const problem = healthProblem(state.health);
  if (problem) return { ...BADGES.PROBLEM, title: `${BADGES.PROBLEM.title}: ${problem}` };
  if (state.error) return BADGES.NONE;
  const badge = badgeFor(state.analysis);
  // No verdict without a domain: the tooltip says why, not "nothing of note".
  if (badge === BADGES.NONE && noDomainSet(state.health)) return { ...badge, title: `${NO_DOMAIN.title}: run tierlink init --domain example.com` };
  return badge;
}

/** The problem a `/api/health` answer reports, in its own words, or null when all is well. */
export function healthProblem(health) {
  if (!health || health.status !== 'degraded') return null;
  const message = typeof health.problem?.message === 'string' ? health.problem.message.trim() : '';
  return message || 'it did not say which';
}

/** The part of a `/api/health` answer the extension keeps with a tab's state. */
export function healthSummary(data) {
  if (!data || typeof data !== 'object') return null;
  const out = { status: String(data.status ?? '') };
  if (data.problem && typeof data.problem === 'object') {
    out.problem = { code: String(data.problem.code ?? ''), message: String(data.problem.message ?? '').slice(0, 1000) };
  }
  if (typeof data.domains_set === 'boolean') out.domains_set = data.domains_set;
  return out;
}

/** True when the companion says no domain of mine is set: then no link can be "mine". */
export function noDomainSet(health) {
  return health?.domains_set === false;
}

export const NO_DOMAIN = Object.freeze({
  title: 'No domain of yours is set',
  fix: 'Tierlink cannot tell which links point to your site, so no page shows as linking to you. '
    + 'Set it with `tierlink init --domain example.com` in a terminal, or in the dashboard’s Profile view, then analyse again.',
});

/** Error kinds that mean "the companion cannot be used": the badge reads OFF. */
export const OFF_KINDS = new Set(['unreachable', 'database-unavailable', 'not-paired', 'bad-token', 'forbidden', 'bad-companion-url', 'no-companion-permission']);

const LABEL_WORDS = Object.freeze({
  tier1: 'Links to your site',
  worth_boosting: 'Worth boosting with tier-2 links',
  link_lost: 'A backlink you had here is gone',
  link_changed: 'Your link here changed (rel or anchor)',
  tier2_existing: 'Already links to one of your tier-1 pages',
  tier2_opportunity: 'Good place for a tier-2 link',
  competitor_linker: 'Links to a competitor, not to you',
  owned_site: 'One of your own sites',
  tier3: 'Links to a page holding one of your placements (tier 3)',
  placement_lost: 'A tier-2 link you built here is gone',
  broken_target: 'Links to a page of yours that answers an error: a redirect wins the link back',
});

/** Words for a code the popup does not know yet: `new_label` → "New label", never the raw code. */
export function tidyCode(code) {
  const words = String(code ?? '').replace(/[_.]+/g, ' ').trim();
  return words ? words[0].toUpperCase() + words.slice(1) : '';
}

/** Human words for one label (a label newer than this extension is tidied, not shown raw). */
export function labelWords(label) {
  return LABEL_WORDS[label] ?? tidyCode(label);
}

/**
 * A reason as the companion writes it, "the link to me is followed [boost.followed +15]",
 * split into its words and the points it gave: the signal's code is not for reading.
 * @returns {{text: string, points: string, signal: string}}
 */
export function reasonParts(reason) {
  const text = String(reason ?? '');
  const m = /^(.*?)\s*\[([a-z0-9_.]+)\s+([+-]\d+(?:\.\d+)?)\]$/i.exec(text);
  if (!m) return { text, points: '', signal: '' };
  return { text: m[1], points: m[3], signal: m[2] };
}

/**
 * The verdict in words.
 * @returns {{headline: string, tone: 'good'|'bad'|'info'|'neutral', labels: string[],
 *   scores: {kind: string, label: string, score: number}[], reasons: string[]}}
 */
export function verdictFor(analysis, { domainsSet = true } = {}) {
  if (!analysis) return { headline: 'Not analysed yet', tone: 'neutral', labels: [], scores: [], reasons: [] };
  const labels = (analysis.labels ?? []).map(labelWords);
  const reasons = [];
  const myLinks = linksTo(analysis, 'me');
  let headline;
  let tone;
  if (has(analysis, 'tier1')) {
    const follow = myLinks.filter((l) => l.follow).length;
    headline = myLinks.length === 1 ? 'Links to you (tier 1)' : `Links to you ${myLinks.length}× (tier 1)`;
    tone = 'good';
    if (myLinks.length) {
      reasons.push(follow === myLinks.length
        ? (myLinks.length === 1 ? 'The link is followed.' : 'All links are followed.')
        : `${follow} of ${myLinks.length} link${myLinks.length === 1 ? ' is' : 's are'} followed (the rest are nofollow, ugc or sponsored).`);
    }
  } else if (has(analysis, 'link_lost')) {
    headline = 'Your backlink here is gone';
    tone = 'bad';
  } else if (has(analysis, 'tier2_existing')) {
    headline = 'Already links to your tier-1 page';
    tone = 'info';
  } else if (has(analysis, 'tier2_opportunity')) {
    headline = 'A tier-2 spot';
    tone = 'info';
  } else if (has(analysis, 'competitor_linker')) {
    headline = 'Links to a competitor, not to you';
    tone = 'neutral';
  } else if (has(analysis, 'owned_site')) {
    headline = 'One of your own sites';
    tone = 'neutral';
  } else if (domainsSet === false) {
    headline = 'Links to you cannot be found: no domain is set';
    tone = 'neutral';
  } else {
    headline = 'Nothing of note on this page';
    tone = 'neutral';
  }
  // The companion's own reasons name their signals; ours only stand in when it gave none.
  const given = [...(analysis.boost?.reasons ?? []), ...(analysis.tier2?.reasons ?? [])].map(String);
  if (given.length) reasons.splice(0, reasons.length, ...given);
  else if (analysis.robots?.noindex) reasons.push('The page is marked noindex: links here count for little.');
  else if (analysis.indexable === false) {
    const why = analysis.indexability?.reasons?.[0];
    reasons.push(why ? `The page is not indexable (${why}): links here count for little.`
      : 'The page is not indexable: links here count for little.');
  }
  else if (analysis.robots?.nofollow) reasons.push('The page tells search engines not to follow any of its links (robots nofollow).');
  for (const n of analysis.notes ?? []) reasons.push(String(n));
  const scores = [];
  if (typeof analysis.boost?.score === 'number') scores.push({ kind: 'boost', label: `Boost score ${analysis.boost.score}/100`, score: analysis.boost.score });
  if (typeof analysis.tier2?.score === 'number') scores.push({ kind: 'tier2', label: `Tier-2 score ${analysis.tier2.score}/100`, score: analysis.tier2.score });
  return { headline, tone, labels, scores, reasons: [...new Set(reasons)] };
}

/** The page's links with a given target (`me`, `tier1`, `competitor`...). */
export function linksTo(analysis, target) {
  return (analysis?.links ?? []).filter((l) => l && l.target === target);
}

const NOFOLLOW_RELS = ['nofollow', 'ugc', 'sponsored'];

/** "nofollow, ugc" or "follow" for a link's rel. */
export function relWords(link) {
  const rel = (link?.rel ?? []).filter((r) => NOFOLLOW_RELS.includes(r));
  if (rel.length) return rel.join(', ');
  return link?.follow === false ? 'nofollow (robots)' : 'follow';
}

/** One line for a change record. */
export function changeWords(change) {
  const target = change?.target ?? '';
  const fmt = (v) => (v === null || v === undefined || v === '' ? '—' : Array.isArray(v) ? (v.join(', ') || 'follow') : String(v));
  switch (change?.kind) {
    case 'lost': return `Lost: the link to ${target} is gone (was ${fmt(change.was)}).`;
    case 'rel_changed': return `Rel changed on the link to ${target}: ${fmt(change.was)} → ${fmt(change.now)}.`;
    case 'anchor_changed': return `Anchor changed on the link to ${target}: “${fmt(change.was)}” → “${fmt(change.now)}”.`;
    case 'new': return `New link to ${target} (${fmt(change.now)}).`;
    case 'restored': return `Back again: the link to ${target} was lost and is live again.`;
    default: return `${tidyCode(change?.kind) || 'Change'}: ${target}`;
  }
}

/** Which highlight class a link gets on the page, or null to leave it alone. */
export function highlightKind(link) {
  if (!link) return null;
  if (link.target === 'me') return link.follow === false ? 'me-nofollow' : 'me';
  if (link.target === 'tier1') return link.follow === false ? 'tier1-nofollow' : 'tier1';
  if ((link.rel ?? []).some((r) => NOFOLLOW_RELS.includes(r))) return 'nofollow';
  return null;
}

/** The highlight plan sent to the page: [{href, kind}] for links worth outlining. */
export function highlightPlan(analysis) {
  const out = [];
  for (const link of analysis?.links ?? []) {
    const kind = highlightKind(link);
    if (kind && typeof link.href === 'string') out.push({ href: link.href, kind });
  }
  return out;
}
