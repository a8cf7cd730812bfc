"""Live updates: ticket history and notifications pushed to open subscriptions after commit.

`publish` follows ticket history and collects what each commit changed; `bus` carries it to
every server process (in-process, PostgreSQL LISTEN/NOTIFY or Redis pub/sub); `hub` fans it out
to this process's subscribers, each with a bounded buffer; `streams` filters it per subscriber by
the access policy, re-checked for every event.
"""
