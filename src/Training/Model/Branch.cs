using System.Numerics;
using Amber.Training.Layers;

namespace Amber.Training.Model;

/// <summary>
/// One projection <c>h = Dropout(Act(LayerNorm(x Wᵀ + b)))</c> with its saved activations and gradient scratch.
/// Legend: B rows (≤ capacity), I input width, H output width. Buffers are allocated once.
/// </summary>
internal sealed class Branch<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _hidden;
    private readonly Activation _activation;
    public readonly T[] Pre;     // [B, H] x Wᵀ + b
    public readonly T[] Normed;  // [B, H] LayerNorm output
    public readonly T[] Mean;    // [B]
    public readonly T[] Rstd;    // [B]
    public readonly T[] Tanh;    // [B, H] saved by GELU
    public readonly T[] Act;     // [B, H]
    public readonly T[] Mask;    // [B, H] dropout mask (0 or 1/(1−p))
    public readonly T[] Output;  // [B, H] h
    public readonly T[] DOutput; // [B, H] ∂L/∂h, accumulated by the consumers
    private readonly T[] _dAct;  // [B, H]
    private readonly T[] _dNormed; // [B, H]
    private readonly T[] _dPre;  // [B, H]

    public Branch(int capacity, int hidden, Activation activation)
    {
        _hidden = hidden;
        _activation = activation;
        var n = capacity * hidden;
        Pre = new T[n];
        Normed = new T[n];
        Mean = new T[capacity];
        Rstd = new T[capacity];
        Tanh = new T[n];
        Act = new T[n];
        Mask = new T[n];
        Output = new T[n];
        DOutput = new T[n];
        _dAct = new T[n];
        _dNormed = new T[n];
        _dPre = new T[n];
    }

    /// <summary>Runs LayerNorm, activation and dropout on <see cref="Pre"/>, which the caller filled.</summary>
    public void ForwardAfterLinear(ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, int batch, in DropoutContext dropout, uint stream)
    {
        var n = batch * _hidden;
        LayerNorm.Forward<T>(Normed, Mean, Rstd, Pre, gamma, beta, batch, _hidden);
        if (_activation == Activation.Gelu)
        {
            Gelu.Forward<T>(Act.AsSpan(0, n), Tanh, Normed.AsSpan(0, n));
        }
        else
        {
            Relu.Forward<T>(Act.AsSpan(0, n), Normed.AsSpan(0, n));
        }
        if (dropout.Training)
        {
            Dropout.Forward<T>(Output, Mask, Act.AsSpan(0, n), dropout.Probability, dropout.Seed, stream, dropout.Step,
                dropout.FirstGlobalRow, batch, _hidden);
        }
        else
        {
            // A unit mask keeps backward valid after an evaluation-mode forward (the golden and gradient checks use it).
            Mask.AsSpan(0, n).Fill(T.One);
            Dropout.Identity<T>(Output, Act.AsSpan(0, n));
        }
    }

    /// <summary>From <see cref="DOutput"/> back to ∂L/∂Pre (returned) while accumulating the LayerNorm parameter gradients.</summary>
    public ReadOnlySpan<T> BackwardToLinear(ReadOnlySpan<T> gamma, Span<T> dGamma, Span<T> dBeta, int batch)
    {
        var n = batch * _hidden;
        var dAct = _dAct.AsSpan(0, n);
        var dNormed = _dNormed.AsSpan(0, n);
        var dPre = _dPre.AsSpan(0, n);
        dAct.Clear();
        dNormed.Clear();
        dPre.Clear();
        Dropout.Backward<T>(dAct, DOutput.AsSpan(0, n), Mask);
        if (_activation == Activation.Gelu)
        {
            Gelu.Backward<T>(dNormed, dAct, Normed.AsSpan(0, n), Tanh);
        }
        else
        {
            Relu.Backward<T>(dNormed, dAct, Normed.AsSpan(0, n));
        }
        LayerNorm.Backward<T>(dPre, dGamma, dBeta, dNormed, Pre, Mean, Rstd, gamma, batch, _hidden);
        return dPre;
    }
}

/// <summary>What dropout needs to draw its mask for one step (see <see cref="Dropout"/>).</summary>
/// <param name="Training">False at evaluation: dropout is the identity.</param>
/// <param name="Probability">p.</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="Step">The global optimisation step.</param>
/// <param name="FirstGlobalRow">Row of this slice's first sample inside the global batch.</param>
public readonly record struct DropoutContext(bool Training, double Probability, ulong Seed, long Step, int FirstGlobalRow)
{
    /// <summary>Evaluation mode.</summary>
    public static DropoutContext Evaluation => new(false, 0, 0, 0, 0);
}
