"""French catalog: every user-facing string, with named placeholders."""

CATALOG: dict[str, str] = {
    "headline.first_results": "Premiers résultats — {race}",
    "headline.caught_up": "Point d’étape — {race}",
    "headline.reporting_threshold": "{step} des bureaux dépouillés — {race}",
    "headline.candidate_threshold": "{candidate} franchit la barre des {level} — {race}",
    "headline.leader_changed": "{leader} passe en tête devant {previous} — {race}",
    "headline.turnout_voters": "Plus de {threshold} votants — {race}",
    "headline.turnout_participation": "La participation dépasse {threshold} — {race}",
    "headline.turnout_previous_round": (
        "Participation en hausse : {value} votants, plus qu’au tour précédent "
        "({threshold}) — {race}"
    ),
    "headline.correction_figures": "Correction — {race} : des chiffres ont été revus à la baisse",
    "headline.correction_candidate": (
        "Correction — {candidate} repasse sous la barre des {level} ({share}) — {race}"
    ),
    "headline.final": "Résultat définitif — {race}",
    "headline.final_counted": "Tous les bureaux sont dépouillés — {race}",
    "headline.anomaly": "⚠ Données incohérentes — {race} : version signalée, rien n’est annoncé",
    "change.units": "Bureaux dépouillés : {before} → {after}",
    "change.voters": "Votants : {before} → {after}",
    "change.votes": "{subject} : {before} → {after} voix",
    "anomaly.votes_vs_valid": "La somme des voix ({votes}) diffère des exprimés ({valid})",
    "anomaly.votes_vs_voters": "La somme des voix ({votes}) dépasse les votants ({voters})",
    "anomaly.voters_vs_registered": "Les votants ({voters}) dépassent les inscrits ({registered})",
    "anomaly.ballots_vs_voters": "Exprimés + blancs + nuls ({ballots}) ≠ votants ({voters})",
    "anomaly.published_share": "{candidate} : part publiée {published}, part calculée {computed}",
    "anomaly.partial_votes": "Voix publiées pour {with} candidat(s) seulement, pas pour {without}",
    "anomaly.share_sum": "Les parts publiées totalisent {sum}",
    "anomaly.republication": (
        "Totaux en hausse ({before} → {after}) avec des parts inchangées : republication suspecte"
    ),
    "line.candidate_votes": "{name} : {share} ({votes} voix)",
    "line.candidate": "{name} : {share}",
    "line.footer": "Données de {time} · {counted} bureaux sur {total} ({pct})",
    "line.footer_no_total": "Données de {time} · {counted} bureaux dépouillés",
    "line.footer_communes": "Données de {time} · {counted} communes sur {total} ({pct})",
    "line.footer_no_total_communes": "Données de {time} · {counted} communes remontées",
    "line.footer_percent": "Données de {time} · {pct} des bureaux saisis",
    "line.voters": "Votants : {voters}",
    "line.participation": "Participation : {pct} ({voters} votants sur {registered} inscrits)",
    "line.previous_round": "Tour précédent : {voters} votants ({delta})",
    "line.flagged": "⚠ Les derniers chiffres publiés ne tiennent pas : Soirée les met de côté",
    "line.source": "Source : {source}",
    "reply.help": (
        "Soirée, les résultats de la soirée électorale.\n"
        "/results [course] — les résultats\n"
        "/turnout [course] — la participation\n"
        "/races — les courses suivies\n"
        "/subscribe [course] [fr|en] — recevoir les alertes\n"
        "/subscribe zone [lieu] — une course et toutes celles de son territoire\n"
        "/unsubscribe [course] — ne plus les recevoir\n"
        "/live on [course] — un tableau épinglé, mis à jour en direct (/live off)\n"
        "/charts on|off — les graphiques avec /results et les alertes"
    ),
    "reply.unknown_race": "Course inconnue : « {query} ». Courses suivies : {races}",
    "reply.no_data": "Pas encore de résultats pour {race}.",
    "reply.no_races": "Aucune course n’a encore publié de résultats.",
    "reply.unknown_command": "Commande inconnue : {command}. Tapez /help.",
    "reply.subscribed": "Abonné : {race} ({locale}).",
    "reply.unsubscribed": "Désabonné ({count} abonnement(s) retiré(s)).",
    "reply.races": "Courses suivies :",
    "reply.race_line": "{name} ({id}) — {pct} dépouillés",
    "reply.bad_locale": "Langue inconnue : {locale}. Choix : fr, en.",
    "reply.not_admin": "Seuls les administrateurs du groupe peuvent gérer les abonnements.",
    "reply.ambiguous": "Plusieurs courses répondent à « {query} » : {choices}",
    "reply.admin_only": "Commande réservée aux salons d’administration.",
    "reply.paused": "⏸ Annonces suspendues ; les commandes répondent toujours. /resume pour reprendre.",
    "reply.resumed": "▶ Annonces reprises ({pending} message(s) en attente).",
    "reply.state_paused": "en pause",
    "reply.state_running": "en marche",
    "reply.status_head": "Soirée {state} · en attente : {pending} · envoyés : {sent} · plateformes : {platforms}",
    "reply.status_source": "Source {id} : dernier relevé {fetch}, dernier changement {change}, {failures} échec(s) de suite",
    "reply.never": "jamais",
    "reply.announce_usage": "Usage : /announce <texte>",
    "reply.announce_queued": "Annonce mise en file pour {count} salon(s).",
    "notice.announcement": "📣 {text}",
    "notice.stale": "⚠ Source {source} muette depuis {since} ({minutes} min) : {reason}",
    "notice.recovered": "✓ Source {source} de nouveau à jour (données de {time}).",
    "notice.unchanged": "aucune nouvelle version",
    "chart.others": "{count} autres",
    "chart.alt": "Graphique des résultats — {race} : {shares}",
    "headline.live": "🔴 En direct — {race}",
    "line.live_note": "Message mis à jour à chaque nouvelle version (au plus toutes les {seconds} s).",
    "reply.live_on": "Tableau en direct activé pour {race} : un message épinglé, mis à jour au fil du dépouillement. /live off pour l’arrêter.",
    "reply.live_off": "Tableau en direct arrêté.",
    "reply.live_none": "Aucun tableau en direct dans ce salon. /live on [course] pour en lancer un.",
    "reply.live_usage": "Usage : /live on [course] ou /live off",
    "reply.live_not_admin": "Seuls les administrateurs du groupe peuvent lancer ou arrêter le tableau en direct.",
    "reply.charts_state": "Graphiques dans ce salon : {kinds}.",
    "reply.charts_usage": "Usage : /charts on, /charts off, ou /charts results reporting final (au choix)",
    "reply.charts_none": "aucun",
    "reply.charts_not_admin": "Seuls les administrateurs du groupe peuvent choisir les graphiques.",
    "kind.results": "/results",
    "kind.reporting_threshold": "étapes du dépouillement",
    "kind.final": "résultat final",
}
