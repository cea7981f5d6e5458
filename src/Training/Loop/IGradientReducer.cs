namespace Amber.Training;

/// <summary>
/// Called once per step on the whole gradient buffer, after backward and before clipping, so data-parallel ranks can
/// sum their gradients (all-reduce). Each rank's loss is already normalised by the GLOBAL batch size, so the sum over
/// ranks is the gradient one worker would compute on the whole batch.
/// </summary>
public interface IGradientReducer
{
    /// <summary>Replaces <paramref name="gradients"/> with the element-wise sum over all ranks.</summary>
    void AllReduce(Span<float> gradients);

    /// <summary>
    /// Replaces <paramref name="values"/> on every rank with the element-wise sum over all ranks, added in double in rank
    /// order, so every rank gets bitwise the same sums. For a handful of values per epoch (each rank's share of the
    /// validation sums), not for gradients.
    /// </summary>
    void SumInRankOrder(Span<double> values);
}

/// <summary>The single-worker reducer: nothing to sum.</summary>
public sealed class NoGradientReducer : IGradientReducer
{
    /// <summary>The shared instance.</summary>
    public static NoGradientReducer Instance { get; } = new();

    /// <inheritdoc/>
    public void AllReduce(Span<float> gradients)
    {
    }

    /// <inheritdoc/>
    public void SumInRankOrder(Span<double> values)
    {
    }
}
