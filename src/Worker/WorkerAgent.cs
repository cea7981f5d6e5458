using Amber.Data.Corpora;
using Amber.Grains;
using Amber.Grains.Contracts;
using Amber.Grains.Runs;
using Amber.Storage.Blobs;
using System.Net;
using Amber.Worker.Collectives;
using Amber.Worker.Execution;
using Amber.Worker.Execution.Checkpoints;
using Amber.Worker.Results;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Amber.Worker;

/// <summary>How a worker agent behaves.</summary>
public sealed class WorkerAgentOptions
{
    /// <summary>The worker's id in the cluster (its worker grain's key); a fresh one by default.</summary>
    public string WorkerId { get; set; } = "wk-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(5));

    /// <summary>What the worker declares (its slots are the runs it executes at once).</summary>
    public WorkerCapabilities Capabilities { get; set; } = new(Environment.MachineName);

    /// <summary>How long one long poll for work waits before asking again (below Orleans' 30 s response timeout).</summary>
    public TimeSpan LongPoll { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Heartbeat period.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Wait after an error talking to the cluster (a silo restarting, a gateway moving).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Address the ring listener binds to, for data-parallel gangs (default loopback: gangs of workers on one host; null:
    /// no listener, so the worker can only run gangs of one). Across hosts bind <see cref="IPAddress.Any"/> and set
    /// <see cref="RingAdvertisedHost"/>.
    /// </summary>
    public IPAddress? RingBind { get; set; } = IPAddress.Loopback;

    /// <summary>Port of the ring listener (0: any free port).</summary>
    public int RingPort { get; set; }

    /// <summary>The host name or address other ranks dial (default: the bound address).</summary>
    public string? RingAdvertisedHost { get; set; }
}

/// <summary>
/// The worker loop, the same in-process (<c>amber run</c>) and in a remote <c>amber worker</c>: register the worker grain,
/// heartbeat, and per slot: long-poll the scheduler → (wait for the gang) → execute while a renewal loop keeps the lease
/// for the whole attempt (features, epochs, evaluation, upload) → commit, or fail with a reason that carries no file content.
/// A refused renewal or report means the attempt is stale: its work is dropped, never committed. Summary tasks write a
/// finished sweep's <c>summary.parquet</c>.
/// </summary>
public sealed class WorkerAgent(IGrainFactory grains, IRunExecutor executor, IBlobStore blobs, WorkerAgentOptions? options = null, ILogger? logger = null)
{
    private readonly WorkerAgentOptions options = options ?? new WorkerAgentOptions();
    private readonly ILogger logger = logger ?? NullLogger.Instance;
    private readonly HashSet<string> current = [];
    private RingListener? ringListener;
    private int completed;

    /// <summary>This worker's id.</summary>
    public string WorkerId => options.WorkerId;

    /// <summary>Attempts this worker committed.</summary>
    public int Completed => Volatile.Read(ref completed);

    /// <summary>Runs until <paramref name="stoppingToken"/> fires, then leaves the cluster.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var worker = grains.GetGrain<IWorkerGrain>(WorkerId);
        // One listener serves every gang this worker joins; the worker grain advertises it to the run grains.
        using var listener = options.RingBind is { } bind ? RingListener.Start(bind, options.RingPort, options.RingAdvertisedHost) : null;
        ringListener = listener;
        var capabilities = listener is null ? options.Capabilities : options.Capabilities with { Endpoint = listener.Endpoint };
        await worker.RegisterAsync(capabilities).ConfigureAwait(false);
        logger.LogInformation("worker {Worker} registered with {Slots} slot(s), ring listener {Endpoint}", WorkerId, capabilities.Slots, capabilities.Endpoint ?? "none");
        var heartbeat = Task.Run(() => HeartbeatLoopAsync(worker, stoppingToken), CancellationToken.None);
        var lanes = Enumerable.Range(0, options.Capabilities.Slots).Select(_ => Task.Run(() => LaneAsync(stoppingToken), CancellationToken.None)).ToList();
        await Task.WhenAll(lanes).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await heartbeat.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            await worker.LeaveAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "worker {Worker}: leaving failed; it will show as lost", WorkerId);
        }
    }

    private async Task HeartbeatLoopAsync(IWorkerGrain worker, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.HeartbeatInterval, ct).ConfigureAwait(false);
                List<string> runs;
                lock (current) runs = [.. current];
                await worker.HeartbeatAsync(runs).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "worker {Worker}: heartbeat failed", WorkerId);
            }
        }
    }

    private async Task LaneAsync(CancellationToken ct)
    {
        var scheduler = grains.GetGrain<ISchedulerGrain>(0);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var item = await scheduler.NextAsync(WorkerId, options.LongPoll, ct).ConfigureAwait(false);
                if (item is null) continue;
                switch (item.Kind)
                {
                    case WorkKind.Summary: await SummarizeAsync(item, ct).ConfigureAwait(false); break;
                    case WorkKind.Features: await PrepareFeaturesAsync(item, ct).ConfigureAwait(false); break;
                    default: await ExecuteAsync(item, ct).ConfigureAwait(false); break;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A silo may be restarting or unreachable: wait and ask again; the leases keep the state correct.
                logger.LogWarning(ex, "worker {Worker}: lane error", WorkerId);
                try { await Task.Delay(options.RetryDelay, ct).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    private async Task ExecuteAsync(WorkItem item, CancellationToken ct)
    {
        var run = item.Run!;
        var grain = grains.GetGrain<IRunGrain>(run.RunId);
        var renewEvery = TimeSpan.FromSeconds(Math.Max(0.05, item.LeaseSeconds / 3));
        var pollGang = TimeSpan.FromMilliseconds(Math.Min(200, renewEvery.TotalMilliseconds));
        lock (current) current.Add(run.RunId);
        try
        {
            if (item.RunStatus == RunStatus.Gathering)
            {
                // All or nothing: hold the rank, renewing, until the whole gang holds the run.
                var ack = await grain.RenewAsync(WorkerId, run.Attempt).ConfigureAwait(false);
                while (ack.Accepted && ack.Status == RunStatus.Gathering)
                {
                    await Task.Delay(pollGang, ct).ConfigureAwait(false);
                    ack = await grain.RenewAsync(WorkerId, run.Attempt).ConfigureAwait(false);
                }
                if (!ack.Accepted || ack.Status != RunStatus.Running) return;
                // Ranks follow joining order among the members that stayed, so this worker's rank may have moved down.
                run = run with { Gang = run.Gang with { Rank = ack.Peers.ToList().IndexOf(WorkerId), Peers = ack.Peers, Endpoints = ack.Endpoints } };
            }
            await ExecuteHeldAsync(run, grain, renewEvery, pollGang, ct).ConfigureAwait(false);
        }
        finally
        {
            lock (current) current.Remove(run.RunId);
        }
    }

    private async Task ExecuteHeldAsync(RunAssignment run, IRunGrain grain, TimeSpan renewEvery, TimeSpan pollGang, CancellationToken ct)
    {
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var context = new WorkerRunContext(grain, WorkerId, run, blobs, abort, ringListener, logger);
        // The renewal loop runs from before the first byte of work until after the commit: every phase holds the lease.
        var renewer = Task.Run(() => RenewLoopAsync(grain, run, renewEvery, abort), CancellationToken.None);
        try
        {
            var outcome = await executor.ExecuteAsync(run, context, abort.Token).ConfigureAwait(false);
            var ack = await grain.CompleteAsync(WorkerId, run.Attempt, outcome).ConfigureAwait(false);
            if (ack.Accepted && ack.Status == RunStatus.Succeeded)
            {
                Interlocked.Increment(ref completed);
                await SweepSummaryWriter.PublishRunAsync(blobs, run, outcome, ct).ConfigureAwait(false);
                await DeleteCheckpointsIfFinishedAsync(run, ack.Status).ConfigureAwait(false);
            }
            else if (!ack.Accepted) logger.LogWarning("run {Run} attempt {Attempt}: commit refused: {Reason}", run.RunId, run.Attempt, ack.Reason);
            // A rank other than 0 keeps its lease until rank 0 has committed, or its lapse would requeue the run.
            while (ack.Accepted && ack.Status == RunStatus.Running && !ct.IsCancellationRequested)
            {
                await Task.Delay(pollGang, ct).ConfigureAwait(false);
                ack = await grain.RenewAsync(WorkerId, run.Attempt).ConfigureAwait(false);
            }
        }
        catch (LeaseLostException ex)
        {
            logger.LogWarning("{Message}; dropping the attempt", ex.Message);
            await DeleteCheckpointsIfFinishedAsync(run, null).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            logger.LogWarning("run {Run} attempt {Attempt}: lease lost; dropping the attempt", run.RunId, run.Attempt);
            await DeleteCheckpointsIfFinishedAsync(run, null).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await grain.FailAsync(WorkerId, run.Attempt, "worker stopped during the run").ConfigureAwait(false);
            throw;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "run {Run} attempt {Attempt} failed", run.RunId, run.Attempt);
            var failed = await grain.FailAsync(WorkerId, run.Attempt, FailureReason(ex)).ConfigureAwait(false);
            await DeleteCheckpointsIfFinishedAsync(run, failed.Status).ConfigureAwait(false);
        }
        finally
        {
            await abort.CancelAsync().ConfigureAwait(false);
            await renewer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task RenewLoopAsync(IRunGrain grain, RunAssignment run, TimeSpan every, CancellationTokenSource abort)
    {
        while (!abort.IsCancellationRequested)
        {
            await Task.Delay(every, abort.Token).ConfigureAwait(false);
            RunAck ack;
            try
            {
                ack = await grain.RenewAsync(WorkerId, run.Attempt).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One failed renewal is not a lost lease (a silo may be failing over); the next one decides.
                logger.LogWarning(ex, "run {Run} attempt {Attempt}: renewal failed", run.RunId, run.Attempt);
                continue;
            }
            if (!ack.Accepted)
            {
                logger.LogWarning("run {Run} attempt {Attempt}: renewal refused: {Reason}", run.RunId, run.Attempt, ack.Reason);
                await abort.CancelAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// One step of a feature set: renewed like a run (a lapsed step is handed to another worker, whose answer then wins),
    /// answered with the step's result or a failure reason without file content; bad data fails the set at once.
    /// </summary>
    private async Task PrepareFeaturesAsync(WorkItem item, CancellationToken ct)
    {
        var task = item.Features!;
        var grain = grains.GetGrain<IFeatureSetGrain>(task.SetKey);
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var every = TimeSpan.FromSeconds(Math.Max(0.05, item.LeaseSeconds / 3));
        var renewer = Task.Run(async () =>
        {
            while (!abort.IsCancellationRequested)
            {
                await Task.Delay(every, abort.Token).ConfigureAwait(false);
                try
                {
                    if (!await grain.RenewAsync(WorkerId, task.Step, task.Index, task.Attempt).ConfigureAwait(false))
                    {
                        logger.LogWarning("feature set {Key}: {Step} {Index} attempt {Attempt} was handed on; dropping it", task.SetKey, task.Step, task.Index, task.Attempt);
                        await abort.CancelAsync().ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "feature set {Key}: renewal failed", task.SetKey);
                }
            }
        }, CancellationToken.None);
        FeatureTaskResult result;
        try
        {
            result = await executor.PrepareFeaturesAsync(task, blobs, abort.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return;   // the step moved on to another worker
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "feature set {Key}: {Step} {Index} failed", task.SetKey, task.Step, task.Index);
            result = new FeatureTaskResult(task.Step, task.Index, task.Attempt, Error: FailureReason(ex),
                Permanent: ex is DataFormatException or DirectoryNotFoundException or FileNotFoundException or ArgumentException);
        }
        finally
        {
            await abort.CancelAsync().ConfigureAwait(false);
            await renewer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        if (!await grain.CompleteAsync(WorkerId, result).ConfigureAwait(false))
            logger.LogWarning("feature set {Key}: the answer to {Step} {Index} attempt {Attempt} was refused", task.SetKey, task.Step, task.Index, task.Attempt);
    }

    /// <summary>
    /// A run that finished (succeeded, failed for good, cancelled) resumes no more: its checkpoints of every attempt are
    /// deleted. <paramref name="status"/> null: ask the run grain. Failures are logged; the sweep's summary sweeps up.
    /// </summary>
    private async Task DeleteCheckpointsIfFinishedAsync(RunAssignment run, RunStatus? status)
    {
        try
        {
            status ??= (await grains.GetGrain<IRunGrain>(run.RunId).GetAsync().ConfigureAwait(false))?.Status;
            if (status is not { } s || !s.IsFinished()) return;
            int deleted = await RunCheckpoints.DeleteAllAsync(blobs, run.SweepId, run.RunId, CancellationToken.None).ConfigureAwait(false);
            if (deleted > 0) logger.LogInformation("run {Run} is {Status}: deleted its {Count} checkpoint(s)", run.RunId, s.ToWire(), deleted);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "run {Run}: deleting its checkpoints failed; the sweep's summary task retries", run.RunId);
        }
    }

    private async Task SummarizeAsync(WorkItem item, CancellationToken ct)
    {
        var sweep = grains.GetGrain<ISweepGrain>(item.SweepId!);
        string? error = null;
        try
        {
            var results = await sweep.GetResultsAsync().ConfigureAwait(false)
                          ?? throw new InvalidOperationException($"sweep {item.SweepId} has no results to summarize");
            await new SweepSummaryWriter().WriteAsync(results, blobs, ct).ConfigureAwait(false);
            // Every run of the finished sweep is finished: no checkpoint of it is needed any more.
            await RunCheckpoints.DeleteAllAsync(blobs, item.SweepId!, null, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "sweep {Sweep}: writing the summary failed", item.SweepId);
            error = FailureReason(ex);
        }
        if (!await sweep.CompleteSummaryAsync(WorkerId, item.SummaryAttempt, error).ConfigureAwait(false))
            logger.LogWarning("sweep {Sweep}: summary attempt {Attempt} was superseded", item.SweepId, item.SummaryAttempt);
    }

    /// <summary>What the cluster (and through it the API) learns of a failure: never the content of a data file.</summary>
    public static string FailureReason(Exception ex) => ex switch
    {
        DataFormatException d => d.PublicMessage,
        AggregateException { InnerExceptions.Count: 1 } a => FailureReason(a.InnerException!),
        _ => $"{ex.GetType().Name}: {ex.Message}",
    };
}
