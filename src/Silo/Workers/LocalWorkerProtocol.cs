using Amber.Grains.Contracts;
using Amber.Silo.Execution;
using Amber.Silo.Scheduling;

namespace Amber.Silo.Workers;

/// <summary>The worker protocol as direct calls into an in-process scheduler (local mode: no network, no tokens).</summary>
public sealed class LocalWorkerProtocol(SiloScheduler scheduler) : IWorkerProtocol
{
    private string workerId = "";

    private string Id => workerId.Length > 0 ? workerId : throw new InvalidOperationException("the worker is not registered yet");

    /// <inheritdoc />
    public async Task<WorkerRegistration> RegisterAsync(WorkerCapabilities capabilities, CancellationToken cancellationToken)
    {
        var r = await scheduler.RegisterWorkerAsync(capabilities, cancellationToken).ConfigureAwait(false);
        workerId = r.WorkerId;
        return r;
    }

    /// <inheritdoc />
    public Task<bool> HeartbeatAsync(CancellationToken cancellationToken) => scheduler.HeartbeatAsync(Id, cancellationToken);

    /// <inheritdoc />
    public Task<LeaseOffer?> LeaseAsync(CancellationToken cancellationToken) => scheduler.LeaseAsync(Id, cancellationToken);

    /// <inheritdoc />
    public Task<RunAck> RenewAsync(string runId, int attempt, CancellationToken cancellationToken) => scheduler.RenewAsync(Id, runId, attempt, cancellationToken);

    /// <inheritdoc />
    public Task<RunAck> ReportProgressAsync(string runId, int attempt, EpochProgress progress, CancellationToken cancellationToken) =>
        scheduler.ReportProgressAsync(Id, runId, attempt, progress, cancellationToken);

    /// <inheritdoc />
    public Task<RunAck> RecordMetricsAsync(string runId, int attempt, IReadOnlyList<MetricRow> rows, CancellationToken cancellationToken) =>
        scheduler.RecordMetricsAsync(Id, runId, attempt, rows, cancellationToken);

    /// <inheritdoc />
    public Task<RunAck> CompleteAsync(string runId, int attempt, RunOutcome outcome, CancellationToken cancellationToken) =>
        scheduler.CompleteAsync(Id, runId, attempt, outcome, cancellationToken);

    /// <inheritdoc />
    public Task<RunAck> FailAsync(string runId, int attempt, string reason, CancellationToken cancellationToken) =>
        scheduler.FailAsync(Id, runId, attempt, reason, cancellationToken);

    /// <inheritdoc />
    public Task DeregisterAsync(CancellationToken cancellationToken) => scheduler.DeregisterWorkerAsync(Id, cancellationToken);
}
