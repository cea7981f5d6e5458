namespace Amber.Training.Optimization;

/// <summary>SGD with (heavy-ball) momentum and L2 weight decay added to the gradient, as <c>torch.optim.SGD</c>.</summary>
public sealed class Sgd : IOptimizer
{
    private readonly float[] _momentumBuffer;
    private readonly float _momentum, _weightDecay;

    /// <summary>Creates the optimiser for <paramref name="size"/> parameters.</summary>
    public Sgd(int size, double momentum = 0.9, double weightDecay = 0.0)
    {
        _momentumBuffer = new float[size];
        _momentum = (float)momentum;
        _weightDecay = (float)weightDecay;
    }

    /// <inheritdoc/>
    public string Name => "sgd";

    /// <inheritdoc/>
    public long Steps { get; private set; }

    /// <inheritdoc/>
    public IReadOnlyList<float[]> State => [_momentumBuffer];

    /// <inheritdoc/>
    public void RestoreSteps(long steps) => Steps = steps;

    /// <inheritdoc/>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients, float learningRate, float gradientScale = 1f)
    {
        if (parameters.Length != _momentumBuffer.Length || gradients.Length != _momentumBuffer.Length)
        {
            throw new ArgumentException($"SGD holds state for {_momentumBuffer.Length} parameters; got {parameters.Length} parameters and {gradients.Length} gradients.");
        }
        Steps++;
        for (var i = 0; i < parameters.Length; i++)
        {
            var g = gradients[i] * gradientScale + _weightDecay * parameters[i];
            var b = _momentum * _momentumBuffer[i] + g;
            _momentumBuffer[i] = b;
            parameters[i] -= learningRate * b;
        }
    }
}
