using Amber.Grains.Contracts;
using Amber.Storage.Blobs;
using Amber.Worker.Collectives;

namespace Amber.Worker.Execution;

/// <summary>
/// What an executing attempt can do besides computing: report progress, use the blob store and its
/// checkpoints, connect to its gang, and notice that it should stop.
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

    /// <summary>
    /// Writes the checkpoint taken after <paramref name="epoch"/> epochs under this attempt's prefix (create-only) and
    /// records it, with its SHA-256, with the run grain; checkpoints the run keeps no more are deleted. Rank 0 only.
    /// Throws <see cref="LeaseLostException"/> when the attempt is no longer current.
    /// </summary>
    Task SaveCheckpointAsync(int epoch, ReadOnlyMemory<byte> checkpoint, CancellationToken cancellationToken = default);

    /// <summary>
    /// The checkpoints earlier attempts recorded, newest first, each one's bytes verified against its recorded hash (a
    /// corrupted or missing one is skipped, so the caller falls back to the previous). Empty: train from the start.
    /// </summary>
    IAsyncEnumerable<RunCheckpoint> CheckpointsNewestFirstAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Connects this rank to the other ranks of the attempt's gang (every rank calls it once, before training). A gang
    /// of one gets a collective that needs no connection.
    /// </summary>
    /// <exception cref="CollectiveException">The gang could not be formed within the options' connect timeout.</exception>
    Task<ICollective> JoinGangAsync(CollectiveOptions options, CancellationToken cancellationToken = default);
}

/// <summary>A checkpoint handed back by <see cref="IRunContext.CheckpointsNewestFirstAsync"/>.</summary>
/// <param name="Epoch">Epochs completed when it was written.</param>
/// <param name="Bytes">Its content.</param>
/// <param name="Name">Its blob name (for messages).</param>
public sealed record RunCheckpoint(int Epoch, byte[] Bytes, string Name = "");

/// <summary>The attempt is no longer the current one (lease expired, run requeued, finished or cancelled); stop and drop the work.</summary>
public sealed class LeaseLostException(string runId, int attempt, string reason)
    : InvalidOperationException($"run {runId} attempt {attempt} no longer holds its lease: {reason}")
{
    /// <summary>The run.</summary>
    public string RunId { get; } = runId;

    /// <summary>The attempt that lost its lease.</summary>
    public int Attempt { get; } = attempt;
}
