using Amber.Training;

namespace Amber.Worker.Collectives;

/// <summary>
/// Plugs a collective into the training loop: <see cref="TrainerOptions.Reducer"/> sums each step's gradient buffer over
/// the gang. Set <see cref="TrainerOptions.Rank"/> and <see cref="TrainerOptions.WorldSize"/> from the same collective.
/// </summary>
public sealed class CollectiveGradientReducer(ICollective collective) : IGradientReducer
{
    /// <inheritdoc/>
    public void AllReduce(Span<float> gradients) => collective.AllReduceSum(gradients);
}
