using Amber.Grains.Contracts;
using Amber.Silo.Execution;
using Amber.Silo.Scheduling;

namespace Amber.Silo.Workers;

/// <summary>
/// How a worker talks to its silo. <see cref="LocalWorkerProtocol"/> calls the scheduler in-process (local mode);
/// <see cref="HttpWorkerProtocol"/> speaks the HTTP worker API. The worker loop is the same over both.
/// </summary>
public interface IWorkerProtocol
{
    /// <summary>Registers the worker; later calls act as it.</summary>
    Task<WorkerRegistration> RegisterAsync(WorkerCapabilities capabilities, CancellationToken cancellationToken);

    /// <summary>Sends a heartbeat; false when the silo no longer knows the worker.</summary>
    Task<bool> HeartbeatAsync(CancellationToken cancellationToken);

    /// <summary>Asks for work; null when there is none the worker may take now.</summary>
    Task<LeaseOffer?> LeaseAsync(CancellationToken cancellationToken);

    /// <summary>Extends the lease of an attempt.</summary>
    Task<RunAck> RenewAsync(string runId, int attempt, CancellationToken cancellationToken);

    /// <summary>Reports one epoch.</summary>
    Task<RunAck> ReportProgressAsync(string runId, int attempt, EpochProgress progress, CancellationToken cancellationToken);

    /// <summary>Records metric rows of the attempt.</summary>
    Task<RunAck> RecordMetricsAsync(string runId, int attempt, IReadOnlyList<MetricRow> rows, CancellationToken cancellationToken);

    /// <summary>Commits the attempt's results.</summary>
    Task<RunAck> CompleteAsync(string runId, int attempt, RunOutcome outcome, CancellationToken cancellationToken);

    /// <summary>Reports the attempt failed.</summary>
    Task<RunAck> FailAsync(string runId, int attempt, string reason, CancellationToken cancellationToken);

    /// <summary>Leaves the silo.</summary>
    Task DeregisterAsync(CancellationToken cancellationToken);
}
