namespace Amber.Worker.Collectives;

/// <summary>The collective of a gang of one: every operation returns at once.</summary>
public sealed class SingleRankCollective : ICollective
{
    /// <inheritdoc/>
    public int Rank => 0;

    /// <inheritdoc/>
    public int WorldSize => 1;

    /// <inheritdoc/>
    public void AllReduceSum(Span<float> buffer)
    {
    }

    /// <inheritdoc/>
    public void Broadcast(Span<float> buffer, int root) => ArgumentOutOfRangeException.ThrowIfNotEqual(root, 0);

    /// <inheritdoc/>
    public void Barrier()
    {
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
