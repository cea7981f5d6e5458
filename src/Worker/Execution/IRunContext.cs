using Amber.Grains.Contracts;
using Amber.Storage.Blobs;

namespace Amber.Worker.Execution;

/// <summary>
/// What an executing attempt can do besides computing: report progress, use the blob store and its
/// checkpoints, and notice that it should stop.
/// </summary>
public interface IRunContext
{
    /// <summary>The artifact store (filesystem or Azure). Write under <see cref="RunAssignment.ArtifactPrefix"/>.</summary>
    IBlobStore Blobs { get; }

    /// <summary>Fires when the lease is lost (expired and requeued), the run or sweep was cancelled, or the worker stops.</summary>
    CancellationToken Aborted { get; }

    /// <summary>
    /// Reports one finished epoch. The values become learning-curve rows visible through the API at once
    /// (<c>GET /api/runs/{id}/curves</c>). Throws <see cref="LeaseLostException"/> when the attempt is no longer current.
    /// </summary>
    Task ReportEpochAsync(EpochProgress progress, CancellationToken cancellationToken = default);

    /// <summary>Writes the checkpoint of <paramref name="epoch"/> for this run (shared by its attempts, so a retry resumes).</summary>
    Task SaveCheckpointAsync(int epoch, ReadOnlyMemory<byte> checkpoint, CancellationToken cancellationToken = default);

    /// <summary>The newest checkpoint any attempt of this run saved, or null when there is none.</summary>
    Task<RunCheckpoint?> LoadLatestCheckpointAsync(CancellationToken cancellationToken = default);
}

/// <summary>A checkpoint as saved by <see cref="IRunContext.SaveCheckpointAsync"/>.</summary>
public sealed record RunCheckpoint(int Epoch, byte[] Bytes);

/// <summary>The attempt is no longer the current one (lease expired, run requeued, finished or cancelled); stop and drop the work.</summary>
public sealed class LeaseLostException(string runId, int attempt, string reason)
    : InvalidOperationException($"run {runId} attempt {attempt} no longer holds its lease: {reason}")
{
    /// <summary>The run.</summary>
    public string RunId { get; } = runId;

    /// <summary>The attempt that lost its lease.</summary>
    public int Attempt { get; } = attempt;
}
