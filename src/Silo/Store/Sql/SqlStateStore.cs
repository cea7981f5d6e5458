using System.Data.Common;
using Amber.Grains;
using Amber.Grains.Runs;
using Amber.Grains.Scheduling;
using Amber.Grains.Sweeps;
using Amber.Grains.Trials;
using Amber.Grains.Workers;
using Amber.Grains.Contracts;
using Amber.Silo.Execution;

namespace Amber.Silo.Store.Sql;

/// <summary>
/// The state store over ADO.NET, shared by SQLite and PostgreSQL. Reads load grain states with their versions; writes
/// go through <see cref="RunCoordinator"/> and update each row with <c>WHERE version = @v</c>: a row changed by another
/// writer in between makes the transaction roll back with <see cref="ConcurrencyConflictException"/>, and the whole
/// operation is retried from a fresh read.
/// </summary>
public abstract class SqlStateStore : IStateStore
{
    private const int MaxConflictRetries = 50;

    private long conflictRetries;

    /// <inheritdoc />
    public abstract string Backend { get; }

    /// <summary>Operations retried after a lost version check or a transient error (diagnostics, benchmarks).</summary>
    public long ConflictRetries => Interlocked.Read(ref conflictRetries);

    /// <summary>The schema, one script per version; applied in order, each in its own transaction.</summary>
    protected abstract IReadOnlyList<(int Version, string Sql)> Migrations { get; }

    /// <summary>" FOR UPDATE" where the backend has row locks, "" otherwise.</summary>
    protected abstract string ForUpdate { get; }

    /// <summary>" FOR UPDATE SKIP LOCKED" where supported: concurrent silos pick different queue heads.</summary>
    protected abstract string ForUpdateSkipLocked { get; }

    /// <summary>Opens a connection ready for use.</summary>
    protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Begins a write transaction (SQLite: BEGIN IMMEDIATE under an in-process writer lock).</summary>
    protected abstract Task<WriteScope> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Takes the cross-silo migration lock inside <paramref name="transaction"/> (PostgreSQL advisory lock).</summary>
    protected abstract Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    /// <summary>True for errors worth retrying (serialization failures, deadlocks, busy database).</summary>
    protected abstract bool IsTransient(Exception exception);

    /// <summary>A write transaction and whatever guards it; disposing rolls back unless committed.</summary>
    protected sealed class WriteScope(DbTransaction transaction, IDisposable? guard) : IAsyncDisposable
    {
        /// <summary>The transaction.</summary>
        public DbTransaction Transaction { get; } = transaction;

        /// <inheritdoc />
        public async ValueTask DisposeAsync()
        {
            await Transaction.DisposeAsync().ConfigureAwait(false);
            guard?.Dispose();
        }
    }

    /// <inheritdoc />
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = await BeginWriteAsync(c, cancellationToken).ConfigureAwait(false);
        var t = scope.Transaction;
        await LockForMigrationAsync(c, t, cancellationToken).ConfigureAwait(false);
        await Db.ExecAsync(c, t, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)", cancellationToken).ConfigureAwait(false);
        int current = await Db.ScalarAsync<int?>(c, t, "SELECT MAX(version) FROM schema_migrations", cancellationToken).ConfigureAwait(false) ?? 0;
        int newest = Migrations.Max(m => m.Version);
        if (current > newest)
            throw new InvalidOperationException($"the {Backend} database has schema version {current}, newer than this silo knows ({newest}); upgrade the silo");
        foreach (var (version, sql) in Migrations.Where(m => m.Version > current).OrderBy(m => m.Version))
        {
            await Db.ExecAsync(c, t, sql, cancellationToken).ConfigureAwait(false);
            await Db.ExecAsync(c, t, "INSERT INTO schema_migrations (version, applied_at) VALUES (@v, @t)", cancellationToken,
                ("@v", version), ("@t", Db.Ms(DateTimeOffset.UtcNow))).ConfigureAwait(false);
        }
        await t.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await Db.ScalarAsync<int?>(c, null, "SELECT MAX(version) FROM schema_migrations", cancellationToken).ConfigureAwait(false) ?? 0;
    }

    /// <inheritdoc />
    public async Task CreateSweepAsync(NewSweep sweep, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = await BeginWriteAsync(c, cancellationToken).ConfigureAwait(false);
        var t = scope.Transaction;
        var s = sweep.Sweep;
        await Db.ExecAsync(c, t, $"INSERT INTO sweeps ({Rows.SweepColumns}) VALUES (@id, @name, @status, @planned, 0, 0, 0, 0, @mp, @created, NULL, 0, @spec, NULL, NULL)", cancellationToken,
            ("@id", s.SweepId), ("@name", s.Name), ("@status", s.Status.ToWire()), ("@planned", s.PlannedRuns), ("@mp", s.MaxParallelRuns),
            ("@created", Db.Ms(s.CreatedAt)), ("@spec", sweep.SpecText)).ConfigureAwait(false);

        await using (var cmd = Db.Command(c, t, $"INSERT INTO trials ({Rows.TrialColumns}) VALUES (@id, @sweep, @idx, @params, @planned, 0, 0, 0, 0)",
            ("@id", ""), ("@sweep", s.SweepId), ("@idx", 0), ("@params", ""), ("@planned", 0)))
        {
            foreach (var trial in sweep.Trials)
            {
                cmd.Parameters[0].Value = trial.TrialId;
                cmd.Parameters[2].Value = trial.Index;
                cmd.Parameters[3].Value = trial.Parameters.ToJson();
                cmd.Parameters[4].Value = trial.PlannedRuns;
                await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        var trialIndex = sweep.Trials.ToDictionary(tr => tr.TrialId, tr => tr.Index, StringComparer.Ordinal);
        long created = Db.Ms(s.CreatedAt);
        await using (var cmd = Db.Command(c, t,
            $"INSERT INTO runs ({Rows.RunColumns}) VALUES (@id, @sweep, @trial, @fold, @seed, @gang, @retries, 'queued', 0, 0, '[]', NULL, 0, @tidx, @qk, @now, '{{}}')",
            ("@id", ""), ("@sweep", s.SweepId), ("@trial", ""), ("@fold", 0), ("@seed", 0), ("@gang", 0), ("@retries", 0), ("@tidx", 0), ("@qk", 0L), ("@now", created)))
        {
            for (int i = 0; i < sweep.Runs.Count; i++)
            {
                var r = sweep.Runs[i];
                cmd.Parameters[0].Value = r.RunId;
                cmd.Parameters[2].Value = r.TrialId;
                cmd.Parameters[3].Value = r.Fold;
                cmd.Parameters[4].Value = r.Seed;
                cmd.Parameters[5].Value = r.GangSize;
                cmd.Parameters[6].Value = r.MaxRetries;
                cmd.Parameters[7].Value = trialIndex[r.TrialId];
                // Older sweeps first, then the sweep's own order; a sweep has at most a million runs.
                cmd.Parameters[8].Value = created * 1_000_000 + i;
                await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        await t.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<SweepRecord?> GetSweepAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await Db.QueryAsync(c, null, $"SELECT {Rows.SweepColumns} FROM sweeps WHERE id = @id", Rows.Sweep, cancellationToken, ("@id", sweepId)).ConfigureAwait(false)).SingleOrDefault();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<SweepRecord>> ListSweepsAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await Db.QueryAsync(c, null, $"SELECT {Rows.SweepColumns} FROM sweeps ORDER BY created_at DESC, id DESC", Rows.Sweep, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<TrialState>> GetTrialsAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await Db.QueryAsync(c, null, $"SELECT {Rows.TrialColumns} FROM trials WHERE sweep_id = @s ORDER BY idx", Rows.Trial, cancellationToken, ("@s", sweepId)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RunRecord>> GetRunsAsync(string sweepId, string? trialId = null, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return trialId is null
            ? await Db.QueryAsync(c, null, $"SELECT {Rows.RunColumns} FROM runs WHERE sweep_id = @s ORDER BY queue_key", Rows.Run, cancellationToken, ("@s", sweepId)).ConfigureAwait(false)
            : await Db.QueryAsync(c, null, $"SELECT {Rows.RunColumns} FROM runs WHERE trial_id = @t ORDER BY queue_key", Rows.Run, cancellationToken, ("@t", trialId)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await Db.QueryAsync(c, null, $"SELECT {Rows.RunColumns} FROM runs WHERE id = @id", Rows.Run, cancellationToken, ("@id", runId)).ConfigureAwait(false)).SingleOrDefault();
    }

    /// <inheritdoc />
    public async Task<int> CountQueuedAheadAsync(RunRecord run, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await Db.ScalarAsync<int>(c, null, "SELECT COUNT(*) FROM runs WHERE status = 'queued' AND queue_key < @k", cancellationToken, ("@k", run.QueueKey)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<Decision<SweepState>> ApplySweepAsync(string sweepId, SweepCommand command, CancellationToken cancellationToken = default) =>
        RetryAsync(async ct =>
        {
            await using var c = await OpenAsync(ct).ConfigureAwait(false);
            await using var scope = await BeginWriteAsync(c, ct).ConfigureAwait(false);
            var t = scope.Transaction;
            var sweep = await LoadSweepAsync(c, t, sweepId, ct).ConfigureAwait(false)
                        ?? throw new KeyNotFoundException($"sweep '{sweepId}' does not exist");
            var d = SweepTransitions.Decide(sweep, command);
            if (d.Verdict == Verdict.Accepted)
            {
                await WriteSweepAsync(c, t, sweep.Version, d.State, ct).ConfigureAwait(false);
                await t.CommitAsync(ct).ConfigureAwait(false);
            }
            return d;
        }, cancellationToken);

    /// <inheritdoc />
    public async Task MarkCompletionHandledAsync(string sweepId, DateTimeOffset at, string? error, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = await BeginWriteAsync(c, cancellationToken).ConfigureAwait(false);
        await Db.ExecAsync(c, scope.Transaction, "UPDATE sweeps SET completion_error = @e, handled_at = @h WHERE id = @id", cancellationToken,
            ("@e", error), ("@h", Db.Ms(at)), ("@id", sweepId)).ConfigureAwait(false);
        await scope.Transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> GetUnhandledFinishedSweepsAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await Db.QueryAsync(c, null, "SELECT id FROM sweeps WHERE status <> 'running' AND handled_at IS NULL ORDER BY created_at",
            r => r.GetString(0), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task RegisterWorkerAsync(WorkerState worker, string tokenHash, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = await BeginWriteAsync(c, cancellationToken).ConfigureAwait(false);
        await Db.ExecAsync(c, scope.Transaction,
            $"""
            INSERT INTO workers ({Rows.WorkerColumns}) VALUES (@id, @name, @slots, @cores, @mem, @gpus, 'alive', 0, @hb, 0, @tok)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, slots = excluded.slots, cores = excluded.cores, memory_mb = excluded.memory_mb,
              gpus = excluded.gpus, status = 'alive', last_heartbeat = excluded.last_heartbeat, token_hash = excluded.token_hash, version = workers.version + 1
            """, cancellationToken,
            ("@id", worker.WorkerId), ("@name", worker.Name), ("@slots", worker.Slots), ("@cores", worker.Cores), ("@mem", worker.MemoryMb),
            ("@gpus", worker.Gpus), ("@hb", Db.Ms(worker.LastHeartbeat)), ("@tok", tokenHash)).ConfigureAwait(false);
        await scope.Transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<WorkerRecord?> GetWorkerAsync(string workerId, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await Db.QueryAsync(c, null, $"SELECT {Rows.WorkerColumns} FROM workers WHERE id = @id", Rows.Worker, cancellationToken, ("@id", workerId)).ConfigureAwait(false)).SingleOrDefault();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<WorkerState>> ListWorkersAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await Db.QueryAsync(c, null, $"SELECT {Rows.WorkerColumns} FROM workers ORDER BY id", Rows.Worker, cancellationToken).ConfigureAwait(false)).Select(w => w.State).ToList();
    }

    /// <inheritdoc />
    public Task<Decision<WorkerState>> ApplyWorkerAsync(string workerId, WorkerCommand command, CancellationToken cancellationToken = default) =>
        RetryAsync(async ct =>
        {
            await using var c = await OpenAsync(ct).ConfigureAwait(false);
            await using var scope = await BeginWriteAsync(c, ct).ConfigureAwait(false);
            var t = scope.Transaction;
            var w = (await LoadWorkersAsync(c, t, [workerId], ct).ConfigureAwait(false)).GetValueOrDefault(workerId)
                    ?? throw new KeyNotFoundException($"worker '{workerId}' is not registered");
            var d = WorkerTransitions.Decide(w, command);
            if (d.Verdict == Verdict.Accepted)
            {
                await WriteWorkerAsync(c, t, w.Version, d.State, ct).ConfigureAwait(false);
                await t.CommitAsync(ct).ConfigureAwait(false);
            }
            return d;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<LeaseGrant?> LeaseAsync(string workerId, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken = default) =>
        RetryAsync<LeaseGrant?>(async ct =>
        {
            await using var c = await OpenAsync(ct).ConfigureAwait(false);
            await using var scope = await BeginWriteAsync(c, ct).ConfigureAwait(false);
            var t = scope.Transaction;

            // One round trip: the worker (read without a lock; it is locked later, in lock order, with the decision's
            // rows), gathering gangs (their workers are waiting, so they go first) and the head of the queue. Runs of
            // sweeps at their parallel budget are skipped by the query; the grains re-check everything.
            WorkerState? worker = null;
            var gathering = new List<RunRecord>();
            var queued = new List<RunRecord>();
            var reads = new SqlBatch();
            reads.Query($"SELECT {Rows.WorkerColumns} FROM workers WHERE id = @w", r => worker = Rows.Worker(r).State, ("@w", workerId));
            reads.Query($"SELECT {Rows.RunColumns} FROM runs WHERE status = 'gathering' ORDER BY queue_key LIMIT 16{ForUpdateSkipLocked}", r => gathering.Add(Rows.Run(r)));
            reads.Query($"""
                SELECT {string.Join(", ", Rows.RunColumns.Split(", ").Select(col => "r." + col))} FROM runs r
                WHERE r.status = 'queued' AND r.sweep_id IN (SELECT id FROM sweeps WHERE status = 'running' AND active < max_parallel)
                ORDER BY r.queue_key LIMIT 4{ForUpdateSkipLocked}
                """, r => queued.Add(Rows.Run(r)));
            await reads.RunAsync(c, t, ct).ConfigureAwait(false);
            if (worker is null || worker.Status != WorkerStatus.Alive || worker.FreeSlots == 0) return null;

            foreach (var candidate in gathering.Where(r => r.State.Members.All(m => m.WorkerId != workerId)).Concat(queued))
            {
                var snapshot = await LoadSnapshotAsync(c, t, candidate.State, [workerId], ct).ConfigureAwait(false);
                var changes = RunCoordinator.Apply(snapshot, new LeaseRun(workerId, now, duration), now);
                if (changes.Verdict != Verdict.Accepted) continue;
                var writes = new SqlBatch();
                AddChanges(writes, snapshot, changes, now);
                await writes.RunAsync(c, t, ct).ConfigureAwait(false);
                await t.CommitAsync(ct).ConfigureAwait(false);
                int rank = changes.Run.Members.First(m => m.WorkerId == workerId).Rank;
                return new LeaseGrant(changes.Run, snapshot.Trial, rank, changes.Events);
            }
            return null;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<ChangeSet> ApplyRunAsync(string runId, RunCommand command, DateTimeOffset now,
        IReadOnlyList<MetricRow>? metrics = null, EpochProgress? curve = null, IReadOnlyDictionary<string, string>? artifacts = null,
        CancellationToken cancellationToken = default) =>
        RetryAsync(async ct =>
        {
            await using var c = await OpenAsync(ct).ConfigureAwait(false);
            await using var scope = await BeginWriteAsync(c, ct).ConfigureAwait(false);
            var t = scope.Transaction;
            var snapshot = await LoadRunSnapshotAsync(c, t, runId, WorkerOf(command), ct).ConfigureAwait(false);
            var changes = RunCoordinator.Apply(snapshot, command, now);
            if (changes.Verdict != Verdict.Accepted) return changes;
            var writes = new SqlBatch();
            AddChanges(writes, snapshot, changes, now);
            if (metrics is { Count: > 0 }) AddMetrics(writes, runId, changes.Run.Attempt, metrics);
            if (curve is { Values.Count: > 0 }) AddCurve(writes, runId, changes.Run.Attempt, curve);
            if (artifacts is { Count: > 0 })
                writes.Exec("UPDATE runs SET artifacts = @a WHERE id = @id",
                    ("@a", System.Text.Json.JsonSerializer.Serialize(artifacts.ToDictionary(), RowJson.Default.DictionaryStringString)), ("@id", runId));
            await writes.RunAsync(c, t, ct).ConfigureAwait(false);
            await t.CommitAsync(ct).ConfigureAwait(false);
            return changes;
        }, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> GetExpiredRunIdsAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await Db.QueryAsync(c, null, "SELECT id FROM runs WHERE status IN ('gathering', 'running') AND lease_expires_at <= @now ORDER BY lease_expires_at",
            r => r.GetString(0), cancellationToken, ("@now", Db.Ms(now))).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> GetUnfinishedRunIdsAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await Db.QueryAsync(c, null, "SELECT id FROM runs WHERE sweep_id = @s AND status IN ('queued', 'gathering', 'running') ORDER BY queue_key",
            r => r.GetString(0), cancellationToken, ("@s", sweepId)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<MetricRow>> GetMetricsAsync(string runId, int? attempt = null, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        int a = attempt ?? await Db.ScalarAsync<int>(c, null, "SELECT attempt FROM runs WHERE id = @id", cancellationToken, ("@id", runId)).ConfigureAwait(false);
        return await Db.QueryAsync(c, null, "SELECT split, level, name, value FROM metrics WHERE run_id = @id AND attempt = @a ORDER BY split, level, name",
            r => new MetricRow(r.GetString(0), r.GetString(1), r.GetString(2), r.GetDouble(3)), cancellationToken, ("@id", runId), ("@a", a)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CurvePoint>> GetCurveAsync(string runId, int? attempt = null, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        int a = attempt ?? await Db.ScalarAsync<int>(c, null, "SELECT attempt FROM runs WHERE id = @id", cancellationToken, ("@id", runId)).ConfigureAwait(false);
        return await Db.QueryAsync(c, null, "SELECT attempt, epoch, name, value FROM curves WHERE run_id = @id AND attempt = @a ORDER BY epoch, name",
            r => new CurvePoint(r.GetInt32(0), r.GetInt32(1), r.GetString(2), r.GetDouble(3)), cancellationToken, ("@id", runId), ("@a", a)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<long> CountMetricRowsAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await Db.ScalarAsync<long>(c, null, "SELECT COUNT(*) FROM metrics", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    private async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken ct)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await operation(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when ((ex is ConcurrencyConflictException || IsTransient(ex)) && attempt < MaxConflictRetries)
            {
                // Another writer won the row; back off a little (jittered) and decide again on fresh state.
                Interlocked.Increment(ref conflictRetries);
                await Task.Delay(Random.Shared.Next(0, Math.Min(2 * attempt, 20)), ct).ConfigureAwait(false);
            }
        }
    }

    private static string? WorkerOf(RunCommand command) => command switch
    {
        RenewLease c => c.WorkerId,
        ReportProgress c => c.WorkerId,
        CompleteRun c => c.WorkerId,
        FailRun c => c.WorkerId,
        _ => null,
    };

    /// <summary>
    /// The run and everything its decision needs, locked, in one round trip: the run, its sweep and trial (found through
    /// the run row) and the commanding worker. Other gang members, when there are any, take a second round trip.
    /// </summary>
    private async Task<RunSnapshot> LoadRunSnapshotAsync(DbConnection c, DbTransaction t, string runId, string? workerId, CancellationToken ct)
    {
        RunRecord? run = null;
        SweepState? sweep = null;
        TrialState? trial = null;
        var workers = new Dictionary<string, WorkerState>(StringComparer.Ordinal);
        var reads = new SqlBatch();
        reads.Query($"SELECT {Rows.RunColumns} FROM runs WHERE id = @id{ForUpdate}", r => run = Rows.Run(r), ("@id", runId));
        reads.Query($"SELECT {Rows.SweepColumns} FROM sweeps WHERE id = (SELECT sweep_id FROM runs WHERE id = @id){ForUpdate}", r => sweep = Rows.Sweep(r).State, ("@id", runId));
        reads.Query($"SELECT {Rows.TrialColumns} FROM trials WHERE id = (SELECT trial_id FROM runs WHERE id = @id){ForUpdate}", r => trial = Rows.Trial(r), ("@id", runId));
        if (workerId is not null)
            reads.Query($"SELECT {Rows.WorkerColumns} FROM workers WHERE id = @w{ForUpdate}", r => { var w = Rows.Worker(r).State; workers[w.WorkerId] = w; }, ("@w", workerId));
        await reads.RunAsync(c, t, ct).ConfigureAwait(false);
        if (run is null) throw new KeyNotFoundException($"run '{runId}' does not exist");
        var others = new SqlBatch();
        foreach (var id in run.State.Members.Select(m => m.WorkerId).Where(id => id != workerId).Distinct().Order(StringComparer.Ordinal))
            others.Query($"SELECT {Rows.WorkerColumns} FROM workers WHERE id = @id{ForUpdate}", r => { var w = Rows.Worker(r).State; workers[w.WorkerId] = w; }, ("@id", id));
        await others.RunAsync(c, t, ct).ConfigureAwait(false);
        return new RunSnapshot(run.State,
            sweep ?? throw new InvalidOperationException($"run {runId} refers to missing sweep {run.State.SweepId}"),
            trial ?? throw new InvalidOperationException($"run {runId} refers to missing trial {run.State.TrialId}"),
            workers);
    }

    private async Task<RunSnapshot> LoadSnapshotAsync(DbConnection c, DbTransaction t, RunState run, IEnumerable<string> extraWorkers, CancellationToken ct)
    {
        SweepState? sweep = null;
        TrialState? trial = null;
        var workers = new Dictionary<string, WorkerState>(StringComparer.Ordinal);
        var reads = new SqlBatch();
        reads.Query($"SELECT {Rows.SweepColumns} FROM sweeps WHERE id = @id{ForUpdate}", r => sweep = Rows.Sweep(r).State, ("@id", run.SweepId));
        reads.Query($"SELECT {Rows.TrialColumns} FROM trials WHERE id = @id{ForUpdate}", r => trial = Rows.Trial(r), ("@id", run.TrialId));
        foreach (var id in run.Members.Select(m => m.WorkerId).Concat(extraWorkers).Distinct().Order(StringComparer.Ordinal))
            reads.Query($"SELECT {Rows.WorkerColumns} FROM workers WHERE id = @id{ForUpdate}", r => { var w = Rows.Worker(r).State; workers[w.WorkerId] = w; }, ("@id", id));
        await reads.RunAsync(c, t, ct).ConfigureAwait(false);
        return new RunSnapshot(run,
            sweep ?? throw new InvalidOperationException($"run {run.RunId} refers to missing sweep {run.SweepId}"),
            trial ?? throw new InvalidOperationException($"run {run.RunId} refers to missing trial {run.TrialId}"),
            workers);
    }

    // Rows read for a decision are locked where the backend can (PostgreSQL): writers of the same sweep then queue
    // instead of losing version checks and retrying. Lock order is always run → sweep → trial → workers.
    private async Task<SweepState?> LoadSweepAsync(DbConnection c, DbTransaction t, string id, CancellationToken ct) =>
        (await Db.QueryAsync(c, t, $"SELECT {Rows.SweepColumns} FROM sweeps WHERE id = @id{ForUpdate}", Rows.Sweep, ct, ("@id", id)).ConfigureAwait(false)).SingleOrDefault()?.State;

    private async Task<Dictionary<string, WorkerState>> LoadWorkersAsync(DbConnection c, DbTransaction t, IReadOnlyList<string> ids, CancellationToken ct, bool lockRows = true)
    {
        var result = new Dictionary<string, WorkerState>(StringComparer.Ordinal);
        foreach (var id in ids.Order(StringComparer.Ordinal))
        {
            var w = (await Db.QueryAsync(c, t, $"SELECT {Rows.WorkerColumns} FROM workers WHERE id = @id{(lockRows ? ForUpdate : "")}", Rows.Worker, ct, ("@id", id)).ConfigureAwait(false)).SingleOrDefault();
            if (w is not null) result[id] = w.State;
        }
        return result;
    }

    private static void AddChanges(SqlBatch writes, RunSnapshot before, ChangeSet changes, DateTimeOffset now)
    {
        var r = changes.Run;
        writes.Update(
            """
            UPDATE runs SET status = @status, attempt = @attempt, failures = @failures, members = @members, lease_expires_at = @lease,
              last_error = @err, version = version + 1, updated_at = @now
            WHERE id = @id AND version = @v
            """, $"run {r.RunId} changed since version {before.Run.Version}",
            ("@status", r.Status.ToWire()), ("@attempt", r.Attempt), ("@failures", r.Failures), ("@members", Rows.Members(r.Members)),
            ("@lease", r.LeaseExpiresAt is { } l ? Db.Ms(l) : null), ("@err", r.LastError), ("@now", Db.Ms(now)), ("@id", r.RunId), ("@v", before.Run.Version));
        if (changes.Sweep is { } s)
            writes.Update(SweepUpdateSql, $"sweep {s.SweepId} changed since version {before.Sweep.Version}", SweepUpdateParameters(before.Sweep.Version, s));
        if (changes.Trial is { } tr)
            writes.Update("UPDATE trials SET succeeded = @s, failed = @f, cancelled = @c, version = version + 1 WHERE id = @id AND version = @v",
                $"trial {tr.TrialId} changed since version {before.Trial.Version}",
                ("@s", tr.Succeeded), ("@f", tr.Failed), ("@c", tr.Cancelled), ("@id", tr.TrialId), ("@v", before.Trial.Version));
        foreach (var w in changes.Workers)
            writes.Update(WorkerUpdateSql, $"worker {w.WorkerId} changed since version {before.Workers[w.WorkerId].Version}",
                WorkerUpdateParameters(before.Workers[w.WorkerId].Version, w));
    }

    private const string SweepUpdateSql =
        """
        UPDATE sweeps SET status = @status, succeeded = @s, failed = @f, cancelled = @c, active = @a, finished_at = @fin, version = version + 1
        WHERE id = @id AND version = @v
        """;

    private static (string, object?)[] SweepUpdateParameters(long version, SweepState s) =>
    [
        ("@status", s.Status.ToWire()), ("@s", s.Succeeded), ("@f", s.Failed), ("@c", s.Cancelled), ("@a", s.ActiveRuns),
        ("@fin", s.FinishedAt is { } f ? Db.Ms(f) : null), ("@id", s.SweepId), ("@v", version),
    ];

    private const string WorkerUpdateSql =
        "UPDATE workers SET status = @status, active = @a, last_heartbeat = @hb, version = version + 1 WHERE id = @id AND version = @v";

    private static (string, object?)[] WorkerUpdateParameters(long version, WorkerState w) =>
        [("@status", w.Status.ToString().ToLowerInvariant()), ("@a", w.ActiveRuns), ("@hb", Db.Ms(w.LastHeartbeat)), ("@id", w.WorkerId), ("@v", version)];

    private static async Task WriteSweepAsync(DbConnection c, DbTransaction t, long version, SweepState s, CancellationToken ct)
    {
        var b = new SqlBatch();
        b.Update(SweepUpdateSql, $"sweep {s.SweepId} changed since version {version}", SweepUpdateParameters(version, s));
        await b.RunAsync(c, t, ct).ConfigureAwait(false);
    }

    private static async Task WriteWorkerAsync(DbConnection c, DbTransaction t, long version, WorkerState w, CancellationToken ct)
    {
        var b = new SqlBatch();
        b.Update(WorkerUpdateSql, $"worker {w.WorkerId} changed since version {version}", WorkerUpdateParameters(version, w));
        await b.RunAsync(c, t, ct).ConfigureAwait(false);
    }

    /// <summary>Adds the upsert of metric rows keyed by (run, attempt, split, level, name); backends with arrays use one statement.</summary>
    private protected virtual void AddMetrics(SqlBatch writes, string runId, int attempt, IReadOnlyList<MetricRow> rows)
    {
        foreach (var row in rows)
            writes.Exec(
                """
                INSERT INTO metrics (run_id, attempt, split, level, name, value) VALUES (@r, @a, @s, @l, @n, @v)
                ON CONFLICT (run_id, attempt, split, level, name) DO UPDATE SET value = excluded.value
                """, ("@r", runId), ("@a", attempt), ("@s", row.Split), ("@l", row.Level), ("@n", row.Name), ("@v", row.Value));
    }

    /// <summary>Adds the upsert of one epoch's learning-curve values keyed by (run, attempt, epoch, name).</summary>
    private protected virtual void AddCurve(SqlBatch writes, string runId, int attempt, EpochProgress curve)
    {
        foreach (var (name, value) in curve.Values)
            writes.Exec(
                """
                INSERT INTO curves (run_id, attempt, epoch, name, value) VALUES (@r, @a, @e, @n, @v)
                ON CONFLICT (run_id, attempt, epoch, name) DO UPDATE SET value = excluded.value
                """, ("@r", runId), ("@a", attempt), ("@e", curve.Epoch), ("@n", name), ("@v", value));
    }
}
