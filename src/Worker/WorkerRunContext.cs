using System.Runtime.CompilerServices;
using Amber.Grains;
using Amber.Grains.Contracts;
using Amber.Storage.Blobs;
using Amber.Worker.Collectives;
using Amber.Worker.Execution;
using Amber.Worker.Execution.Checkpoints;
using Microsoft.Extensions.Logging;

namespace Amber.Worker;

/// <summary>
/// The <see cref="IRunContext"/> of one attempt on a worker: progress and checkpoints are recorded with the run grain (a
/// refusal means the lease is gone: <see cref="Aborted"/> fires and <see cref="LeaseLostException"/> is thrown);
/// checkpoint blobs go under the attempt's prefix and a retry reads the ones the run grain recorded; the gang's ring is
/// formed on this worker's listener.
/// </summary>
internal sealed class WorkerRunContext(IRunGrain grain, string workerId, RunAssignment run, IBlobStore blobs, CancellationTokenSource abort,
    RingListener? listener, ILogger logger) : IRunContext
{
    public IBlobStore Blobs => blobs;

    public CancellationToken Aborted => abort.Token;

    public async Task ReportEpochAsync(EpochProgress progress, CancellationToken cancellationToken = default)
    {
        var ack = await grain.ReportProgressAsync(workerId, run.Attempt, progress).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!ack.Accepted) await LostAsync(ack.Reason).ConfigureAwait(false);
    }

    public async Task SaveCheckpointAsync(int epoch, ReadOnlyMemory<byte> checkpoint, CancellationToken cancellationToken = default)
    {
        var written = await RunCheckpoints.WriteAsync(blobs, run, epoch, checkpoint, cancellationToken).ConfigureAwait(false);
        var ack = await grain.RecordCheckpointAsync(workerId, run.Attempt, written).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!ack.Accepted)
        {
            // Unrecorded, so nobody would ever resume from it.
            await blobs.DeleteAsync(written.Name, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            await LostAsync(ack.Reason).ConfigureAwait(false);
        }
        await RunCheckpoints.DeleteAsync(blobs, ack.Dropped, cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<RunCheckpoint> CheckpointsNewestFirstAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var (c, bytes) in RunCheckpoints.ReadNewestFirstAsync(blobs, run.Checkpoints,
                           (c, why) => logger.LogWarning("run {Run} attempt {Attempt}: skipping checkpoint {Name} (epoch {Epoch}): {Why}", run.RunId, run.Attempt, c.Name, c.Epoch, why),
                           cancellationToken).ConfigureAwait(false))
        {
            yield return new RunCheckpoint(c.Epoch, bytes, c.Name);
        }
    }

    public Task<ICollective> JoinGangAsync(CollectiveOptions options, CancellationToken cancellationToken = default)
    {
        var gang = run.Gang;
        if (gang.Size == 1) return Task.FromResult<ICollective>(new SingleRankCollective());
        if (listener is null) throw new InvalidOperationException($"run {run.RunId} has gang size {gang.Size} but this worker has no ring listener");
        if (gang.Endpoints is not { } endpoints || endpoints.Count != gang.Size || endpoints.Any(string.IsNullOrEmpty))
            throw new InvalidOperationException($"run {run.RunId} attempt {run.Attempt}: the gang's endpoints are incomplete ({string.Join(", ", gang.Endpoints ?? [])}); every worker of a gang must advertise a ring listener");
        // The gang id names the attempt: a connection left over from an earlier attempt is refused in the handshake.
        var membership = new GangMembership($"{run.RunId}/a{run.Attempt}", gang.Rank, endpoints);
        return TcpRingCollective.ConnectAsync(listener, membership, options, cancellationToken);
    }

    private async Task LostAsync(string? reason)
    {
        await abort.CancelAsync().ConfigureAwait(false);
        throw new LeaseLostException(run.RunId, run.Attempt, reason ?? "refused by the run grain");
    }
}
