"""English catalog: every user-facing string, with named placeholders."""

CATALOG: dict[str, str] = {
    "headline.first_results": "First results — {race}",
    "headline.caught_up": "Where things stand — {race}",
    "headline.reporting_threshold": "{step} of polling stations counted — {race}",
    "headline.candidate_threshold": "{candidate} passes {level} — {race}",
    "headline.leader_changed": "{leader} takes the lead from {previous} — {race}",
    "headline.turnout_voters": "More than {threshold} voters — {race}",
    "headline.turnout_participation": "Turnout passes {threshold} — {race}",
    "headline.turnout_previous_round": (
        "Turnout up: {value} voters, more than in the previous round ({threshold}) — {race}"
    ),
    "headline.correction_figures": "Correction — {race}: figures were revised down",
    "headline.correction_candidate": (
        "Correction — {candidate} falls back below {level} ({share}) — {race}"
    ),
    "headline.final": "Final result — {race}",
    "headline.final_counted": "All polling stations counted — {race}",
    "headline.anomaly": "⚠ Inconsistent data — {race}: version flagged, nothing announced",
    "change.units": "Stations counted: {before} → {after}",
    "change.voters": "Voters: {before} → {after}",
    "change.votes": "{subject}: {before} → {after} votes",
    "anomaly.votes_vs_valid": "Sum of votes ({votes}) differs from valid ballots ({valid})",
    "anomaly.votes_vs_voters": "Sum of votes ({votes}) exceeds voters ({voters})",
    "anomaly.voters_vs_registered": "Voters ({voters}) exceed registered voters ({registered})",
    "anomaly.ballots_vs_voters": "Valid + blank + null ({ballots}) ≠ voters ({voters})",
    "anomaly.published_share": "{candidate}: published share {published}, computed {computed}",
    "anomaly.partial_votes": "Votes published for {with} candidate(s) only, not for {without}",
    "anomaly.share_sum": "Published shares add up to {sum}",
    "anomaly.republication": (
        "Totals up ({before} → {after}) with unchanged shares: suspicious republication"
    ),
    "line.candidate_votes": "{name}: {share} ({votes} votes)",
    "line.candidate": "{name}: {share}",
    "line.footer": "Data as of {time} · {counted} of {total} stations ({pct})",
    "line.footer_no_total": "Data as of {time} · {counted} stations counted",
    "line.footer_communes": "Data as of {time} · {counted} of {total} communes in ({pct})",
    "line.footer_no_total_communes": "Data as of {time} · {counted} communes in",
    "line.footer_percent": "Data as of {time} · {pct} of polling stations entered",
    "line.voters": "Voters: {voters}",
    "line.participation": "Turnout: {pct} ({voters} voters of {registered} registered)",
    "line.previous_round": "Previous round: {voters} voters ({delta})",
    "line.flagged": "⚠ The feed's newest figures did not add up: Soirée holds them back",
    "line.source": "Source: {source}",
    "reply.help": (
        "Soirée, election-night results.\n"
        "/results [race] — the results\n"
        "/turnout [race] — turnout\n"
        "/races — the races followed\n"
        "/subscribe [race] [fr|en] — get the alerts\n"
        "/subscribe area [place] — a race and every race within it\n"
        "/unsubscribe [race] — stop them\n"
        "/live on [race] — a pinned scoreboard, updated live (/live off)\n"
        "/charts on|off — charts with /results and the alerts"
    ),
    "reply.unknown_race": "Unknown race: “{query}”. Races followed: {races}",
    "reply.no_data": "No results yet for {race}.",
    "reply.no_races": "No race has published results yet.",
    "reply.unknown_command": "Unknown command: {command}. Type /help.",
    "reply.subscribed": "Subscribed: {race} ({locale}).",
    "reply.unsubscribed": "Unsubscribed ({count} subscription(s) removed).",
    "reply.races": "Races followed:",
    "reply.race_line": "{name} ({id}) — {pct} counted",
    "reply.bad_locale": "Unknown language: {locale}. Choose fr or en.",
    "reply.not_admin": "Only the group's administrators can manage subscriptions.",
    "reply.ambiguous": "Several races match “{query}”: {choices}",
    "reply.admin_only": "This command is for admin chats only.",
    "reply.paused": "⏸ Announcements paused; commands still answer. /resume to go on.",
    "reply.resumed": "▶ Announcements resumed ({pending} message(s) waiting).",
    "reply.state_paused": "paused",
    "reply.state_running": "running",
    "reply.status_head": "Soirée {state} · waiting: {pending} · sent: {sent} · platforms: {platforms}",
    "reply.status_source": "Source {id}: last fetch {fetch}, last change {change}, {failures} failure(s) in a row",
    "reply.never": "never",
    "reply.announce_usage": "Usage: /announce <text>",
    "reply.announce_queued": "Announcement queued for {count} chat(s).",
    "notice.announcement": "📣 {text}",
    "notice.stale": "⚠ Source {source} silent since {since} ({minutes} min): {reason}",
    "notice.recovered": "✓ Source {source} is updating again (data as of {time}).",
    "notice.unchanged": "no new version",
    "chart.others": "{count} others",
    "chart.alt": "Results chart — {race}: {shares}",
    "headline.live": "🔴 Live — {race}",
    "line.live_note": "This message updates with each new version (at most every {seconds} s).",
    "reply.live_on": "Live scoreboard on for {race}: one pinned message, updated as the count moves. /live off to stop it.",
    "reply.live_off": "Live scoreboard stopped.",
    "reply.live_none": "No live scoreboard in this chat. /live on [race] starts one.",
    "reply.live_usage": "Usage: /live on [race] or /live off",
    "reply.live_not_admin": "Only the group's administrators can start or stop the live scoreboard.",
    "reply.charts_state": "Charts in this chat: {kinds}.",
    "reply.charts_usage": "Usage: /charts on, /charts off, or /charts results reporting final (any of them)",
    "reply.charts_none": "none",
    "reply.charts_not_admin": "Only the group's administrators can choose the charts.",
    "kind.results": "/results",
    "kind.reporting_threshold": "counting steps",
    "kind.final": "final result",
}
