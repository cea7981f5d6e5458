namespace Amber.Training.Optimization;

/// <summary>A first-order optimiser over one contiguous parameter buffer; its state is a list of buffers of equal length.</summary>
public interface IOptimizer
{
    /// <summary>The spec name (<c>adamw</c>, <c>sgd</c>).</summary>
    string Name { get; }

    /// <summary>Number of updates applied so far.</summary>
    long Steps { get; }

    /// <summary>
    /// One update of <paramref name="parameters"/> with <paramref name="gradients"/> · <paramref name="gradientScale"/> at
    /// <paramref name="learningRate"/>; the scale carries gradient clipping into the same memory pass.
    /// </summary>
    void Step(Span<float> parameters, ReadOnlySpan<float> gradients, float learningRate, float gradientScale = 1f);

    /// <summary>The state buffers (moments, momentum), for checkpoints.</summary>
    IReadOnlyList<float[]> State { get; }

    /// <summary>Restores the step count (the buffers are restored in place through <see cref="State"/>).</summary>
    void RestoreSteps(long steps);
}
