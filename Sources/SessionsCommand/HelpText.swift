/// The text printed by `sessions --help` and `sessions COMMAND --help`.
package enum HelpText {
    static let globals = """
    Global options (before or after the command):
      --store DIR     the store directory (else $AGENT_SESSIONS_DIR, else the default location)
      --durable       acknowledge writes only once on stable storage (the default)
      --buffered      faster writes that may lose the last ones on power loss
      --json          machine-readable output: one JSON document, or JSON lines for lists
      -h, --help      show help
    """

    static let exitCodes = """
    Exit codes: 0 ok, 1 not found / no match, 2 usage error, 3 store or I/O error.
    """

    /// The overview listing every command.
    package static let overview = """
    sessions: manage a store of Claude Code sessions from scripts.

    Usage: sessions [--store DIR] [--durable|--buffered] [--json] COMMAND [ARGS]

    Commands:
      list            sessions, most recently updated first
      search          sessions matching tags, dates and costs
      show ID         one session's metadata (--messages: its messages as JSON lines)
      delete ID...    delete sessions
      tag ID          add or remove tags
      cleanup         delete sessions not updated for a while
      stats           counts and totals over the store
      export          write sessions to a portable archive
      import FILE...  read archives written by export
      inspect FILE... summarise stream-json or transcript files without storing them
      import-claude   index the transcripts Claude Code keeps under ~/.claude/projects
      help [COMMAND]  show help for a command

    \(globals)

    \(exitCodes)
    See Docs/CLI.md for examples with jq.
    """

    /// The help of one command; the overview for `nil` or an unknown name.
    /// - Parameter command: a name from ``ArgumentParser/commandNames``.
    package static func text(for command: String?) -> String {
        guard let command, let body = commands[command] else { return overview }
        return body + "\n\n" + globals + "\n\n" + exitCodes
    }

    static let commands: [String: String] = [
        "list": """
        Usage: sessions list [--limit N] [--cursor C]

        Lists sessions, most recently updated first.
          --limit N     at most N sessions (default: all)
          --cursor C    continue after a previous page; when more sessions follow a page,
                        `next-cursor: C` is printed on stderr
        With --json: one JSON object per line (id, created_at, updated_at, message_count,
        total_cost_usd, turn_count, tags, summary, model, byte_size).
        """,
        "search": """
        Usage: sessions search [--tag T]... [--all-tags] [--after D] [--before D]
                               [--min-cost X] [--max-cost X] [--sort S] [--limit N] [--cursor C]

        Finds sessions; all filters combine. Exits 1 when nothing matches.
          --tag T       carrying tag T (repeatable; any of them unless --all-tags)
          --all-tags    carrying every --tag
          --after D     created at or after D
          --before D    created before D
                        D is an ISO-8601 date (2025-11-30, 2025-11-30T21:13:21Z)
                        or an age counted back from now (30m, 12h, 7d, 2w)
          --min-cost X  costing at least X USD
          --max-cost X  costing at most X USD
          --sort S      updated-desc (default), updated-asc, created-desc, created-asc,
                        cost-desc, cost-asc
          --limit N     at most N sessions
          --cursor C    continue after a previous page (see `list`)
        With --json: one JSON object per line, as `list`.
        """,
        "show": """
        Usage: sessions show ID [--messages]

        Prints a session's metadata. Exits 1 when there is no such session.
          --messages    print the session's messages instead, one JSON object per line,
                        exactly as stored
        """,
        "delete": """
        Usage: sessions delete ID...

        Deletes sessions. Unknown ids are reported on stderr and make the exit code 1;
        the others are still deleted.
        With --json: one line per id, {"id": ..., "deleted": true|false}.
        """,
        "tag": """
        Usage: sessions tag ID [--add T]... [--remove T]...

        Adds and removes tags (a tag in both is removed). Prints the resulting tags.
        With --json: the session's metadata.
        """,
        "cleanup": """
        Usage: sessions cleanup --older-than AGE [--dry-run]

        Deletes sessions not updated within AGE (30m, 12h, 30d, 2w).
          --dry-run     only list what would be deleted
        With --json: {"cutoff", "dry_run", "count", "sessions": [ids...]}.
        """,
        "stats": """
        Usage: sessions stats

        Counts and totals over the store: sessions, messages, bytes, cost, tags.
        """,
        "export": """
        Usage: sessions export [ID...] -o FILE

        Writes the given sessions (all when no id is given) to a portable archive
        (JSON lines with a versioned header), replacing FILE atomically.
          -o, --output FILE   the archive to write
        """,
        "import": """
        Usage: sessions import FILE... [--overwrite]

        Imports archives written by `export`. Each archive is validated completely before
        anything is written. Sessions already stored with the same content are left
        unchanged; ones stored with different content are conflicts (exit code 3) unless
        --overwrite is given.
          --overwrite   replace stored sessions whose content differs
        With --json: one line per file, {"file", "imported", "unchanged", "conflicts"}.
        """,
        "inspect": """
        Usage: sessions inspect FILE...

        Summarises stream-json output or transcript files without storing them: session id,
        cost, assistant messages, API messages, reported turns, model, outcome, and lines
        that are not JSON messages (with their line numbers).
        With --json: one object per file with the keys file, session_id, total_cost_usd,
        assistant_messages, api_messages, reported_turns, model, outcome, message_count,
        bad_lines (and error_subtype when the outcome is "error").
        """,
        "import-claude": """
        Usage: sessions import-claude [DIR]

        Indexes the transcripts Claude Code keeps: DIR/<project>/<session>.jsonl, where DIR is
        by default $CLAUDE_CONFIG_DIR/projects, else ~/.claude/projects. Each session is tagged
        with its project directory's name (e.g. -home-me-src-app) and project:<name> (the last
        component of the session's working directory, e.g. project:app). Running it again
        changes nothing unless a transcript changed; then that session is saved again.
        With --json: one line per transcript, {"file", "session_id", "project", "status",
        "message_count", "bad_lines"}; status is imported, updated, unchanged or failed.
        """,
        "help": """
        Usage: sessions help [COMMAND]

        Shows the overview, or the help of COMMAND.
        """,
    ]
}
