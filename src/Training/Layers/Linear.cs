using System.Numerics;
using System.Numerics.Tensors;
using Amber.Training.Numerics;

namespace Amber.Training.Layers;

/// <summary>
/// Fully connected layer <c>y = x Wᵀ + b</c> with PyTorch's weight layout [O, I].
/// Legend: B batch rows, I input width, O output width; <c>weightStride</c> lets a layer use a column block of a wider
/// weight [O, stride] (a layer whose inputs arrive in parts can then run one GEMM per part on the shared weight).
/// </summary>
public static class Linear
{
    /// <summary>output [B, O] (= or += when <paramref name="accumulate"/>) from input [B, I], weight [O, stride], bias [O] (may be empty).</summary>
    public static void Forward<T>(Span<T> output, ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias,
        int batch, int inputs, int outputs, int weightStride = 0, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var ldw = weightStride == 0 ? inputs : weightStride;
        if (!bias.IsEmpty)
        {
            // The bias goes in first so the GEMM can accumulate onto it (β = 1) in the same pass.
            for (var r = 0; r < batch; r++)
            {
                var row = output.Slice(r * outputs, outputs);
                if (accumulate)
                {
                    TensorPrimitives.Add<T>(row, bias[..outputs], row);
                }
                else
                {
                    bias[..outputs].CopyTo(row);
                }
            }
        }
        var beta = accumulate || !bias.IsEmpty ? T.One : T.Zero;
        Gemm.Multiply(false, true, batch, outputs, inputs, T.One, input, inputs, weight, ldw, beta, output, outputs);
    }

    /// <summary>
    /// Accumulates dWeight [O, stride] and dBias [O] and, unless <paramref name="dInput"/> is empty, dInput [B, I]
    /// from dOutput [B, O]. Input features of the model need no dInput, which skips the largest GEMM of backward.
    /// </summary>
    public static void Backward<T>(Span<T> dInput, Span<T> dWeight, Span<T> dBias, ReadOnlySpan<T> dOutput,
        ReadOnlySpan<T> input, ReadOnlySpan<T> weight, int batch, int inputs, int outputs, int weightStride = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var ldw = weightStride == 0 ? inputs : weightStride;
        Gemm.Multiply(true, false, outputs, inputs, batch, T.One, dOutput, outputs, input, inputs, T.One, dWeight, ldw);
        if (!dBias.IsEmpty)
        {
            var db = dBias[..outputs];
            for (var r = 0; r < batch; r++)
            {
                TensorPrimitives.Add<T>(db, dOutput.Slice(r * outputs, outputs), db);
            }
        }
        if (!dInput.IsEmpty)
        {
            Gemm.Multiply(false, false, batch, inputs, outputs, T.One, dOutput, outputs, weight, ldw, T.One, dInput, inputs);
        }
    }
}
