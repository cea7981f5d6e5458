using System.Runtime.InteropServices;
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

    /// <inheritdoc/>
    /// <remarks>
    /// Each rank broadcasts its doubles in turn (their bits travel as floats and are copied, never added, so nothing is
    /// rounded or canonicalised on the way), and every rank adds them in rank order: W tiny broadcasts per call.
    /// </remarks>
    public void SumInRankOrder(Span<double> values)
    {
        var mine = MemoryMarshal.Cast<double, float>(values).ToArray();
        var wire = new float[mine.Length];
        var total = new double[values.Length];
        for (var root = 0; root < collective.WorldSize; root++)
        {
            if (root == collective.Rank)
            {
                mine.CopyTo(wire, 0);
            }
            collective.Broadcast(wire, root);
            var received = MemoryMarshal.Cast<float, double>(wire.AsSpan());
            for (var i = 0; i < total.Length; i++)
            {
                total[i] += received[i];
            }
        }
        total.CopyTo(values);
    }
}
