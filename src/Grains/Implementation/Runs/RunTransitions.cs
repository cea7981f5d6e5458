using System.Collections.Immutable;

namespace Amber.Grains.Runs;

/// <summary>
/// Every transition of a run, in one place. Pure: the same state and command always give the same decision.
/// <code>
/// Queued ──lease──▶ Gathering (W&gt;1) ──lease by the W-th worker──▶ Running ──complete (rank 0)──▶ Succeeded
///   ▲                   │ gang emptied, or gathering timed out        │ fail / lease lapses: failures ≤ retries → Queued (new attempt)
///   └───────────────────┘                                             └──────────────────── failures &gt; retries → Failed
/// any unfinished state ──cancel──▶ Cancelled; Running ──prune (current attempt)──▶ Pruned;
/// finished states accept nothing (repeats of the final commit are NoChange).
/// </code>
/// </summary>
public static class RunTransitions
{
    /// <summary>Applies <paramref name="command"/> to <paramref name="state"/>.</summary>
    public static Decision<RunState> Decide(RunState state, RunCommand command) => command switch
    {
        LeaseRun c => Lease(state, c),
        RenewLease c => Renew(state, c.WorkerId, c.Attempt, c.Now, c.Duration, "renew"),
        RecordCheckpoint c => Checkpoint(state, c),
        ReportProgress c => Renew(state, c.WorkerId, c.Attempt, c.Now, c.Duration, "report progress"),
        CompleteRun c => Complete(state, c),
        FailRun c => Fail(state, c),
        ExpireLeases c => Expire(state, c),
        CancelRun c => Cancel(state, c),
        PruneRun c => Prune(state, c),
        _ => throw new ArgumentException($"unknown run command {command.GetType().Name}", nameof(command)),
    };

    private static Decision<RunState> Lease(RunState s, LeaseRun c)
    {
        if (s.Status.IsFinished()) return Decisions.Reject(s, $"run {s.RunId} is {s.Status.ToWire()}");
        if (s.Status == RunStatus.Running) return Decisions.Reject(s, $"run {s.RunId} is already running (attempt {s.Attempt})");
        if (s.Members.Any(m => m.WorkerId == c.WorkerId))
            return Decisions.Reject(s, $"worker {c.WorkerId} already holds a rank of run {s.RunId}");
        if (c.Duration <= TimeSpan.Zero) return Decisions.Reject(s, "lease duration must be positive");

        var events = new List<GrainEvent>();
        int attempt = s.Attempt;
        if (s.Status == RunStatus.Queued)
        {
            attempt++;
            events.Add(new RunActivated(s.RunId, s.SweepId));
        }
        var members = s.Members.Add(new GangMember(c.WorkerId, s.Members.Length, c.Now + c.Duration, c.Endpoint));
        if (members.Length == s.GangSize)
        {
            events.Add(new RunStarted(s.RunId, attempt, members.Select(m => m.WorkerId).ToList()));
            return Decisions.Accept(s with { Status = RunStatus.Running, Attempt = attempt, Members = members, GatheringDeadline = null }, [.. events]);
        }
        events.Add(new GangJoined(s.RunId, attempt, c.WorkerId, members.Length - 1));
        // The first member starts the gathering clock; later joiners do not extend it.
        var deadline = s.Status == RunStatus.Gathering ? s.GatheringDeadline : c.Now + c.GatheringTimeout;
        return Decisions.Accept(s with { Status = RunStatus.Gathering, Attempt = attempt, Members = members, GatheringDeadline = deadline }, [.. events]);
    }

    private static Decision<RunState> Renew(RunState s, string worker, int attempt, DateTimeOffset now, TimeSpan duration, string what)
    {
        if (Stale(s, worker, attempt) is { } why) return Decisions.Reject(s, $"cannot {what}: {why}");
        var member = s.Members.First(m => m.WorkerId == worker);
        if (member.LeaseExpiresAt <= now)
            return Decisions.Reject(s, $"cannot {what}: the lease of worker {worker} on run {s.RunId} lapsed at {member.LeaseExpiresAt:O}");
        var renewed = s.Members.Replace(member, member with { LeaseExpiresAt = now + duration });
        return Decisions.Accept(s with { Members = renewed });
    }

    private static Decision<RunState> Checkpoint(RunState s, RecordCheckpoint c)
    {
        if (Stale(s, c.WorkerId, c.Attempt) is { } why) return Decisions.Reject(s, $"cannot record a checkpoint: {why}");
        if (s.Status != RunStatus.Running) return Decisions.Reject(s, $"cannot record a checkpoint of run {s.RunId}: its gang is incomplete ({s.Members.Length}/{s.GangSize})");
        int rank = s.Members.First(m => m.WorkerId == c.WorkerId).Rank;
        if (rank != 0) return Decisions.Reject(s, $"cannot record a checkpoint: rank {rank} of run {s.RunId} does not write checkpoints; rank 0 does");
        return Renew(s, c.WorkerId, c.Attempt, c.Now, c.Duration, "record a checkpoint");
    }

    private static Decision<RunState> Complete(RunState s, CompleteRun c)
    {
        if (s.Status == RunStatus.Succeeded && s.Attempt == c.Attempt)
            return Decisions.Same(s, $"run {s.RunId} attempt {c.Attempt} was already committed");
        if (Stale(s, c.WorkerId, c.Attempt) is { } why) return Decisions.Reject(s, $"cannot complete: {why}");
        if (s.Status != RunStatus.Running) return Decisions.Reject(s, $"cannot complete run {s.RunId}: its gang is incomplete ({s.Members.Length}/{s.GangSize})");
        // Ranks of a gang hold identical results; rank 0 alone commits, so the others' completions change nothing.
        int rank = s.Members.First(m => m.WorkerId == c.WorkerId).Rank;
        if (rank != 0) return Decisions.Same(s, $"rank {rank} of run {s.RunId} finished; rank 0 commits the results");
        var released = s.Members.Select(m => m.WorkerId).ToList();
        return Decisions.Accept(s with { Status = RunStatus.Succeeded, Members = [] },
            new RunFinished(s.RunId, s.SweepId, s.TrialId, RunStatus.Succeeded, s.Attempt, null, true, released));
    }

    private static Decision<RunState> Fail(RunState s, FailRun c)
    {
        if (s.Status == RunStatus.Failed && s.Attempt == c.Attempt)
            return Decisions.Same(s, $"run {s.RunId} attempt {c.Attempt} already failed");
        if (Stale(s, c.WorkerId, c.Attempt) is { } why) return Decisions.Reject(s, $"cannot fail: {why}");
        return Retry(s, string.IsNullOrWhiteSpace(c.Reason) ? "worker reported failure without a reason" : c.Reason);
    }

    private static Decision<RunState> Expire(RunState s, ExpireLeases c)
    {
        if (!s.Status.IsActive()) return Decisions.Same(s, "no lease held");
        if (s.Status == RunStatus.Gathering && s.GatheringDeadline is { } deadline && deadline <= c.Now)
        {
            // The gang did not form in time: its members go back to other work instead of holding slots indefinitely.
            var held = s.Members.Select(m => m.WorkerId).ToList();
            string why = $"gang incomplete at the gathering timeout ({s.Members.Length} of {s.GangSize} workers held the run); members released";
            return Decisions.Accept(s with { Status = RunStatus.Queued, Members = [], GatheringDeadline = null, LastError = why },
                new RunRequeued(s.RunId, s.SweepId, s.Attempt, why, true, held));
        }
        var lapsed = s.Members.Where(m => m.LeaseExpiresAt <= c.Now).ToList();
        if (lapsed.Count == 0) return Decisions.Same(s, "leases current");
        string who = string.Join(", ", lapsed.Select(m => m.WorkerId));
        if (s.Status == RunStatus.Gathering)
        {
            // Nothing trained yet: drop the lapsed members; an emptied gang simply goes back to the queue, no failure counted.
            var kept = s.Members.RemoveAll(m => m.LeaseExpiresAt <= c.Now).Select((m, i) => m with { Rank = i }).ToImmutableArray();
            if (kept.IsEmpty)
                return Decisions.Accept(s with { Status = RunStatus.Queued, Members = [], GatheringDeadline = null },
                    new RunRequeued(s.RunId, s.SweepId, s.Attempt, $"gang lease lapsed ({who})", true, lapsed.Select(m => m.WorkerId).ToList()));
            return Decisions.Accept(s with { Members = kept });
        }
        return Retry(s, $"lease expired at {lapsed.Min(m => m.LeaseExpiresAt):O} (worker {who})");
    }

    private static Decision<RunState> Retry(RunState s, string reason)
    {
        var released = s.Members.Select(m => m.WorkerId).ToList();
        int failures = s.Failures + 1;
        if (failures > s.MaxRetries)
        {
            string final = $"failed after {failures} attempt(s); last error: {reason}";
            return Decisions.Accept(s with { Status = RunStatus.Failed, Failures = failures, Members = [], LastError = final },
                new RunFinished(s.RunId, s.SweepId, s.TrialId, RunStatus.Failed, s.Attempt, final, true, released));
        }
        return Decisions.Accept(s with { Status = RunStatus.Queued, Failures = failures, Members = [], LastError = reason },
            new RunRequeued(s.RunId, s.SweepId, s.Attempt, reason, true, released));
    }

    private static Decision<RunState> Cancel(RunState s, CancelRun c)
    {
        if (s.Status.IsFinished()) return Decisions.Same(s, $"run {s.RunId} is already {s.Status.ToWire()}");
        var released = s.Members.Select(m => m.WorkerId).ToList();
        return Decisions.Accept(s with { Status = RunStatus.Cancelled, Members = [], LastError = c.Reason },
            new RunFinished(s.RunId, s.SweepId, s.TrialId, RunStatus.Cancelled, s.Attempt, c.Reason, s.Status.IsActive(), released));
    }

    private static Decision<RunState> Prune(RunState s, PruneRun c)
    {
        if (s.Status.IsFinished()) return Decisions.Same(s, $"run {s.RunId} is already {s.Status.ToWire()}");
        if (c.Attempt != s.Attempt || s.Status != RunStatus.Running)
            return Decisions.Reject(s, $"attempt {c.Attempt} of run {s.RunId} is not the running attempt");
        var released = s.Members.Select(m => m.WorkerId).ToList();
        return Decisions.Accept(s with { Status = RunStatus.Pruned, Members = [], LastError = c.Reason },
            new RunFinished(s.RunId, s.SweepId, s.TrialId, RunStatus.Pruned, s.Attempt, c.Reason, true, released));
    }

    /// <summary>Null when <paramref name="worker"/> holds the current attempt; otherwise why the message is stale.</summary>
    private static string? Stale(RunState s, string worker, int attempt)
    {
        if (s.Status.IsFinished()) return $"run {s.RunId} is {s.Status.ToWire()}";
        if (attempt != s.Attempt) return $"attempt {attempt} of run {s.RunId} is stale; the current attempt is {s.Attempt}";
        if (!s.Status.IsActive()) return $"run {s.RunId} is queued; attempt {attempt} lost its lease";
        if (s.Members.All(m => m.WorkerId != worker)) return $"worker {worker} does not hold run {s.RunId}";
        return null;
    }
}
