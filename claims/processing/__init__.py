"""Background work, in one home: processing that always finishes, exactly once.

An article moves ``queued → extracting → extracted → matching → done``. A worker takes a stage
with a conditional update that writes a **lease** (owner, expiry, attempt count); it renews the
lease while it works, and the stage's final write is conditional on still holding it. So:

- a redelivered task finds the lease live and does nothing;
- a task whose worker died is taken over once the lease expires (or at once, when the owner was a
  process on this machine that is gone: a killed pool child);
- the **sweep** (``processing_sweep``, run by Celery beat every ``CLAIMDESK_SWEEP_SECONDS``, and
  once by each worker as it starts) hands expired leases back to the queue with a backoff, marks an
  article ``failed`` with the reason after ``CLAIMDESK_MAX_ATTEMPTS`` lost workers, and re-sends
  articles left waiting in ``queued`` or ``extracted`` whose message was lost (a broker that was
  down, a worker killed with a prefetched message, a filesystem broker that deletes a message when
  it is read). Each run is recorded, and so is each worker's heartbeat (``claims.health``).

The modules, one per concern:

- ``sender``: the one sender; queues tasks by name after commit (``claims.tasks`` only receives).
- ``leases``: the one lease protocol, for articles, links and feeds.
- ``extraction``, ``matching``: the article's two stages; ``matching`` also rematches a corrected claim.
- ``fetching``: a link's fetch and a feed's poll.
- ``sweep``: expired leases and lost messages, for articles and links.
- ``warm``: a worker's models and match index, loaded before it forks.
"""
